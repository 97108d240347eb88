"""Adding a closure (the clinic's, or a clinician's days off): the booked visits it falls on are
listed and confirmed first, then flagged *to reschedule* on the worklist."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from clinic.forms import ClosureForm
from patients.access import Need, require
from sessions import services
from sessions.views.params import id_param


def _confirmed_ids(request: HttpRequest) -> frozenset[int]:
    """The visit ids the clinic admin was shown and confirmed (anything else is ignored)."""
    if request.POST.get("confirm") != "1":
        return frozenset()
    ids = (id_param(value) for value in request.POST.getlist("visit"))
    return frozenset(i for i in ids if i is not None)


@require_http_methods(["GET", "POST"])
def closure_add(request: HttpRequest) -> HttpResponse:
    require(request.user, Need.CLINIC_SETUP)
    form = ClosureForm(request.POST or None, prefix="closure")
    visits = []
    if request.method == "POST" and form.is_valid():
        try:
            closure, flagged = services.closure_add(
                **form.cleaned_data, user=request.user, confirmed=_confirmed_ids(request)
            )
        except services.ClosureNeedsConfirmation as pending:
            visits = pending.visits
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if flagged:
                messages.warning(
                    request,
                    f"Closure added. {len(flagged)} booked visit{'s are' if len(flagged) != 1 else ' is'} "
                    "flagged to reschedule on the worklist.",
                )
            else:
                messages.success(request, "Closure added.")
            return redirect(f"{reverse('clinic:settings')}#closures")
    return render(request, "sessions/closure_add.html", {"form": form, "visits": visits})
