"""Writes for patient sheets: store a printed version, attach its PDF, create and revoke links.

Printing is two short steps around the slow one: `document_print` takes the next version number
under a row lock and stores the content; the PDF is rendered after that transaction has ended, and
`document_pdf_attach` stores it. No row stays locked while WeasyPrint works.
"""

import hashlib
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from clinic.models import Clinic
from documents import rendering, selectors
from documents.models import DocumentKind, DocumentLink, PatientDocument
from documents.rendering import Sheet
from patients import services as patient_services
from patients.models import Consent, Patient
from sessions.models import Appointment


def _lock_series(sheet: Sheet) -> None:
    # Two clicks on "Print" at once must not both take the next version number.
    if sheet.kind == DocumentKind.AFTERCARE:
        Appointment.objects.select_for_update().filter(pk=sheet.appointment.pk).first()
    else:
        Patient.objects.select_for_update().filter(pk=sheet.patient.pk).first()


@transaction.atomic
def document_print(
    *, sheet: Sheet, user, corrected: bool = False, now: datetime | None = None
) -> tuple[PatientDocument, bool]:
    """Store the sheet as given to the patient, with its link; returns (document, created).

    Printing again with the same content gives back the stored version; a changed content, or an
    explicit correction, makes the next version. Its PDF is added by `document_pdf_add`, after
    this transaction.
    """
    now = now or timezone.now()
    _lock_series(sheet)
    latest = selectors.document_series(kind=sheet.kind, patient=sheet.patient, appointment=sheet.appointment).first()
    if latest is not None and latest.content_sha256 == sheet.content_sha256 and not corrected:
        return latest, False
    document = PatientDocument.objects.create(
        kind=sheet.kind,
        patient=sheet.patient,
        appointment=sheet.appointment,
        version=latest.version + 1 if latest else 1,
        language=sheet.language,
        body_html=sheet.body_html,
        content_sha256=sheet.content_sha256,
        printed_by=user,
        printed_at=now,
        techniques=list(sheet.cover.techniques) if sheet.cover else [],
        guardian_name=sheet.cover.guardian_name if sheet.cover else "",
        guardian_relation=sheet.cover.guardian_relation if sheet.cover else "",
    )
    if sheet.cover:
        document.scars.set(sheet.cover.scars)
    document_link_create(document=document, user=user, now=now)
    return document, True


def document_pdf_add(
    *, document: PatientDocument, public_url: Callable[[str], str], now: datetime | None = None
) -> bool:
    """Render the version's PDF once and store it; False when this server cannot make PDFs.

    Called outside any transaction: rendering takes a good part of a second and must hold no lock.
    A version first printed while the server could not make PDFs gets its PDF on the next print.
    """
    if document.pdf:
        return True
    link = selectors.document_active_link(document, now=now)
    try:
        pdf = rendering.document_pdf(document=document, link=link, public_url=public_url)
    except rendering.PdfUnavailable:
        return False
    _pdf_attach(document=document, pdf=pdf)
    return True


@transaction.atomic
def _pdf_attach(*, document: PatientDocument, pdf: bytes) -> None:
    stored = PatientDocument.objects.select_for_update().get(pk=document.pk)
    if not stored.pdf:  # two prints at once both rendered: the first PDF stored is the one kept
        stored.pdf.save("sheet.pdf", ContentFile(pdf), save=False)  # the name is replaced by a random one
        stored.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
        stored.save(update_fields=["pdf", "pdf_sha256"])
    document.pdf, document.pdf_sha256 = stored.pdf, stored.pdf_sha256


# Consent forms ---------------------------------------------------------------------------------


def consent_text_version(document: PatientDocument) -> str:
    return f"Printed consent form v{document.version}"


@transaction.atomic
def consent_form_signed(
    *,
    document: PatientDocument,
    signed_on: date,
    guardian_name: str = "",
    guardian_relation: str = "",
    user,
    today: date | None = None,
) -> Consent:
    """Record the consent the patient gave by signing this printed form: it covers the form's scars
    and techniques, and the form points at it. A form is signed once."""
    document = PatientDocument.objects.select_for_update().get(pk=document.pk)
    if document.kind != DocumentKind.CONSENT:
        raise ValidationError("Only a consent form is signed.")
    if document.consent is not None:
        raise ValidationError(
            {"signed_on": f"This form was already recorded as signed on {document.consent.signed_on:%Y-%m-%d}."}
        )
    printed_on = Clinic.current().date_of(document.printed_at)
    if signed_on < printed_on:
        raise ValidationError(
            {"signed_on": f"This form was printed on {printed_on:%Y-%m-%d}: it cannot be signed before."}
        )
    consent = patient_services.consent_record(
        patient=document.patient,
        scars=document.scars.all(),
        techniques=document.techniques,
        signed_on=signed_on,
        text_version=consent_text_version(document),
        guardian_name=guardian_name,
        guardian_relation=guardian_relation,
        user=user,
        today=today,
    )
    document.consent = consent
    document._history_user = user
    document.save(update_fields=["consent"])
    return consent


# Patient links ---------------------------------------------------------------------------------

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,32}")


def document_link_create(*, document: PatientDocument, user, now: datetime | None = None) -> DocumentLink:
    now = now or timezone.now()
    return DocumentLink.objects.create(
        document=document, created_by=user, created_at=now, expires_at=now + timedelta(days=selectors.link_days())
    )


@transaction.atomic
def document_link_revoke(*, link: DocumentLink, user, now: datetime | None = None) -> DocumentLink:
    """Cut the link off for good; revoking twice keeps the first revocation."""
    link = DocumentLink.objects.select_for_update().get(pk=link.pk)
    if link.revoked_at is None:
        link.revoked_at = now or timezone.now()
        link.revoked_by = user
        link.save(update_fields=["revoked_at", "revoked_by"])
    return link


def document_link_open(token: str, *, now: datetime | None = None) -> DocumentLink | None:
    """The link a patient opened, if it is still valid; None for unknown, altered, expired or revoked."""
    now = now or timezone.now()
    if not TOKEN_PATTERN.fullmatch(token or ""):
        return None
    link = DocumentLink.objects.select_related("document__patient").filter(token=token).first()
    if link is None or not link.is_valid(now):
        return None
    DocumentLink.objects.filter(pk=link.pk).update(opened_count=F("opened_count") + 1, last_opened_at=now)
    return link
