"""Exchange's writes: CDS Hooks clients and their tokens, the access log of FHIR exports made
outside a web request."""

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from exchange.models import CdsClient, new_token, token_digest
from patients.access import log_event
from patients.models import AccessEvent, Patient


def fhir_export_log_command(patient: Patient, *, output: str) -> AccessEvent:
    """`manage.py export_fhir` has no request: its entry names the command and where it wrote."""
    return log_event(
        None,
        action=AccessEvent.Action.EXPORT,
        patient=patient,
        object_type="fhir_bundle",
        object_id=str(patient.pk),
        detail=f"manage.py export_fhir → {output}",
        path="manage.py export_fhir",
    )


@transaction.atomic
def cds_client_create(*, name: str, user) -> tuple[CdsClient, str]:
    """A new CDS Hooks client and its token: the token is returned this once and only its digest kept."""
    token = new_token()
    client = CdsClient.objects.create(name=name, token_sha256=token_digest(token), created_by=user)
    return client, token


@transaction.atomic
def cds_client_revoke(*, client_id: int, user, now: datetime | None = None) -> CdsClient:
    client = CdsClient.objects.select_for_update().get(pk=client_id)
    if client.revoked_at is None:
        client.revoked_at = now or timezone.now()
        client.revoked_by = user
        client.save(update_fields=["revoked_at", "revoked_by"])
    return client


def cds_client_for_token(authorization: str) -> CdsClient | None:
    """The active client whose token an `Authorization: Bearer <token>` header carries, or None."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return CdsClient.objects.filter(token_sha256=token_digest(token.strip()), revoked_at__isnull=True).first()


def cds_call_count(client: CdsClient, *, now: datetime | None = None) -> None:
    CdsClient.objects.filter(pk=client.pk).update(calls=F("calls") + 1, last_used_at=now or timezone.now())
