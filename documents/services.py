"""Writes for patient sheets: store a printed version, attach its PDF, create and revoke links.

Printing is two short steps around the slow one: `document_print` takes the next version number
under a row lock and stores the content; the PDF is rendered after that transaction has ended, and
`document_pdf_attach` stores it. No row stays locked while WeasyPrint works.
"""

import hashlib
import re
from collections.abc import Callable
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from documents import rendering, selectors
from documents.models import DocumentKind, DocumentLink, PatientDocument
from documents.rendering import Sheet
from patients.models import Patient
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
    )
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
