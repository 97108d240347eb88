
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from patients.access import Need, can, require
from protocols import selectors, services
from protocols.engine import FactsError, ParametersError
from protocols.forms import ProtocolParametersForm
from protocols.json_body import BodyError, json_body
from protocols.models import ProtocolParameters
from protocols.rules import RULES, SOURCES, in_words, source_name


def rule_catalogue(request: HttpRequest) -> HttpResponse:
    require(request.user, Need.READ)
    parameters = services.clinic_parameters()
    rules = [
        {
            "rule": rule,
            "title": rule.title_for(parameters),
            "condition": in_words(rule.condition_for(parameters)),
            "help": in_words(rule.help_text),
            "sources": [(source, source_name(source)) for source in rule.sources],
        }
        for rule in RULES  # already in report order: severity (rules.SEVERITY_RANK), then code
    ]
    sources = [(code, source_name(code), text) for code, text in SOURCES.items()]
    return render(request, "protocols/rule_catalogue.html", {"rules": rules, "sources": sources})


@require_http_methods(["GET", "POST"])
def protocol_parameters(request: HttpRequest) -> HttpResponse:
    """RULES.md §6b: clinic staff read the parameters in force and their change log; clinicians change them."""
    require(request.user, Need.READ)
    parameters = ProtocolParameters.current()
    form = None
    if request.method == "POST":
        require(request.user, Need.CLINICAL_WRITE)
        form = ProtocolParametersForm(request.POST, instance=ProtocolParameters.current())
        if form.is_valid():
            try:
                services.protocol_parameters_change(
                    user=request.user, values=form.parameter_values(), reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Protocol parameters saved; the change is logged below.")
                return redirect("protocols:parameters")
    elif can(request.user, Need.CLINICAL_WRITE):
        form = ProtocolParametersForm(instance=parameters)
    context = {
        "rows": selectors.parameter_rows(parameters),
        "changes": selectors.parameter_changes(),
        "form": form,
    }
    return render(request, "protocols/parameters.html", context)


def _json_errors(errors: list[dict], status: int) -> JsonResponse:
    return JsonResponse({"errors": errors}, status=status)


# Side-effect free (it only evaluates the posted document), so it needs no CSRF token; it still
# needs a logged-in clinic user. LoginRequiredMiddleware would answer with a redirect to the
# log-in page, which an API client cannot use, so the check is done here with a 401.
@csrf_exempt
@login_not_required
def api_evaluate(request: HttpRequest) -> JsonResponse:
    if not request.user.is_authenticated:
        return _json_errors([{"field": "", "message": "Log in first."}], 401)
    if not can(request.user, Need.READ):
        return _json_errors([{"field": "", "message": "Clinic staff only."}], 403)
    if request.method != "POST":
        response = _json_errors([{"field": "", "message": "Use POST with the facts document as JSON."}], 405)
        response["Allow"] = "POST"
        return response
    try:
        facts = json_body(request.body)
    except BodyError as error:
        return _json_errors([{"field": "", "message": str(error)}], 400)
    try:
        decision = services.protocol_evaluate(facts)
    except FactsError as error:
        return _json_errors(error.errors, 400)
    except ParametersError as error:  # the clinic's parameters, not the request, are at fault
        return _json_errors(error.errors, 500)
    return JsonResponse(decision)
