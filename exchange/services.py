"""Exchange's writes: the access log of FHIR exports made outside a web request."""

from patients.models import AccessEvent, Patient


def fhir_export_log_command(patient: Patient, *, output: str) -> AccessEvent:
    """`manage.py export_fhir` has no request: its entry names the command and where it wrote."""
    return AccessEvent.objects.create(
        user=None,
        action=AccessEvent.Action.EXPORT,
        patient=patient,
        object_type="fhir_bundle",
        object_id=str(patient.pk),
        detail=f"manage.py export_fhir → {output}"[:300],
        path="manage.py export_fhir",
    )
