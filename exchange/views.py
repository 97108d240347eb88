"""The FHIR export of one patient's record, and the CDS Hooks service (exchange.cds)."""

import json
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from exchange import cds, services
from exchange.fhir import patient_bundle
from exchange.forms import CdsClientForm
from exchange.models import CdsClient
from patients.access import Need, access, log_event, log_list, require
from patients.models import AccessEvent, Patient
from protocols.json_body import BodyError, json_body

FHIR_JSON = "application/fhir+json; charset=utf-8"


def patient_fhir(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = access(request, Patient, patient_id, Need.READ, action=AccessEvent.Action.EXPORT)
    bundle = patient_bundle(patient)
    response = HttpResponse(json.dumps(bundle, ensure_ascii=False, indent=2), content_type=FHIR_JSON)
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="{patient.mrn}-fhir.json"'
    return response


def _cds_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _cors(view):
    """CDS Hooks clients may run in a browser (a SMART app): the service answers cross-origin calls.
    Safe with any origin: calls carry a bearer token, never the browser's cookies."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = HttpResponse(status=204) if request.method == "OPTIONS" else view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        response["Access-Control-Max-Age"] = "600"
        return response

    return wrapped


@login_not_required
@_cors
@require_GET
def cds_discovery(request: HttpRequest) -> JsonResponse:
    """CDS Hooks discovery: service descriptions only, no patient data, so no authentication."""
    return JsonResponse(cds.discovery())


@csrf_exempt  # called by other systems with a bearer token, never by a browser session
@login_not_required
@_cors
def cds_appointment_book(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        response = _cds_error("Use POST with the hook request as JSON.", 405)
        response["Allow"] = "POST"
        return response
    client = services.cds_client_for_token(request.headers.get("Authorization", ""))
    if client is None:
        log_event(request, action=AccessEvent.Action.REFUSED, object_type="cds_hook", detail="no valid bearer token")
        response = _cds_error("A valid bearer token is required (created by a clinic admin in CryoCare).", 401)
        response["WWW-Authenticate"] = 'Bearer realm="cryocare-cds"'
        return response
    services.cds_call_count(client)
    try:
        answer = cds.appointment_book(json_body(request.body))
    except (BodyError, cds.HookError) as error:
        log_event(request, action=AccessEvent.Action.REFUSED, object_type="cds_hook", object_id=str(client.pk),
                  detail=f"{client.name}: {error}")  # fmt: skip
        return _cds_error(str(error), 400)
    log_event(
        request,
        action=AccessEvent.Action.VIEW,
        object_type="cds_hook",
        object_id=str(client.pk),
        patient=answer.patient,
        detail=f"{client.name}: {len(answer.cards)} cards for {answer.on}",
        rows=len(answer.cards),
    )
    return JsonResponse({"cards": answer.cards})


@require_http_methods(["GET", "POST"])
def cds_clients(request: HttpRequest) -> HttpResponse:
    """Clinic admins create a client (its token shown once) and revoke one."""
    require(request.user, Need.CLINIC_SETUP)
    form, created, token = CdsClientForm(), None, ""
    if request.method == "POST":
        form = CdsClientForm(request.POST)
        if form.is_valid():
            created, token = services.cds_client_create(name=form.cleaned_data["name"], user=request.user)
            log_event(request, action=AccessEvent.Action.CHANGE, object_type="cdsclient", object_id=str(created.pk),
                      detail=f"created {created.name}")  # fmt: skip
            form = CdsClientForm()
    log_list(request, "cds_clients", rows=CdsClient.objects.count())
    context = {"form": form, "clients": CdsClient.objects.select_related("created_by", "revoked_by"),
               "created": created, "token": token,
               "discovery_url": request.build_absolute_uri(reverse("exchange:cds_discovery"))}  # fmt: skip
    return render(request, "exchange/cds_clients.html", context)


@require_POST
def cds_client_revoke(request: HttpRequest, client_id: int) -> HttpResponse:
    require(request.user, Need.CLINIC_SETUP)
    try:
        client = services.cds_client_revoke(client_id=client_id, user=request.user)
    except CdsClient.DoesNotExist:
        raise Http404 from None
    log_event(request, action=AccessEvent.Action.CHANGE, object_type="cdsclient", object_id=str(client.pk),
              detail=f"revoked {client.name}")  # fmt: skip
    messages.success(request, f"{client.name} can no longer call the service.")
    return redirect("exchange:cds_clients")
