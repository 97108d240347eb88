"""The FHIR export of one patient's record, and the CDS Hooks service (exchange.cds)."""

import json

from django.http import HttpRequest, HttpResponse

from exchange.fhir import patient_bundle
from patients.access import Need, access
from patients.models import AccessEvent, Patient

FHIR_JSON = "application/fhir+json; charset=utf-8"


def patient_fhir(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = access(request, Patient, patient_id, Need.READ, action=AccessEvent.Action.EXPORT)
    bundle = patient_bundle(patient)
    response = HttpResponse(json.dumps(bundle, ensure_ascii=False, indent=2), content_type=FHIR_JSON)
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="{patient.mrn}-fhir.json"'
    return response
