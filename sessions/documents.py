"""Patient sheets (aftercare and preparation): their content, print page, PDF, stored versions and links.

The words live in templates under `templates/documents/` so that a clinic can adapt them; this
module gathers the facts a sheet shows, keeps exactly what was printed, and manages the
patient's read-only link to it.
"""

import base64
import functools
import hashlib
import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import PurePosixPath
from urllib.parse import unquote, urljoin

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from patients.models import Patient, Scar, ScarStatus
from protocols.models import Evaluation, ProtocolParameters
from sessions.models import (
    Appointment,
    AppointmentStatus,
    Clinic,
    DocumentKind,
    DocumentLink,
    PatientDocument,
    TreatmentSession,
)
from sessions.selectors import scar_upcoming_appointment, window_after

DEFAULT_LINK_DAYS = 90
PDF_LIBRARIES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"
PDF_UNAVAILABLE = (
    "PDF not available on this server: install the weasyprint Python package and the system libraries "
    f"{PDF_LIBRARIES} (see the README)."
)
PAPER_SIZES = {"a4": "A4", "letter": "letter"}

# WeasyPrint resolves relative URLs against this base; the fetcher below serves only the app's
# static files under it and refuses every other URL (local files, internal hosts, redirects).
INTERNAL_BASE_URL = "https://cryocare.invalid/"

TEMPLATES = {DocumentKind.AFTERCARE: "documents/aftercare.html", DocumentKind.PREPARATION: "documents/preparation.html"}

# Sites in plain words for the sheet; the codes' own labels (protocols.codes) are not translated.
BODY_SITES = {
    "scalp": pgettext_lazy("body site", "Scalp"),
    "forehead": pgettext_lazy("body site", "Forehead"),
    "temple": pgettext_lazy("body site", "Temple"),
    "eyebrow": pgettext_lazy("body site", "Eyebrow"),
    "periorbital": pgettext_lazy("body site", "Around the eye"),
    "nose": pgettext_lazy("body site", "Nose"),
    "nasal_ala": pgettext_lazy("body site", "Side of the nostril"),
    "cheek": pgettext_lazy("body site", "Cheek"),
    "lip_vermilion": pgettext_lazy("body site", "Lip (red part)"),
    "perioral": pgettext_lazy("body site", "Around the mouth"),
    "chin": pgettext_lazy("body site", "Chin"),
    "beard_area": pgettext_lazy("body site", "Beard area"),
    "jaw": pgettext_lazy("body site", "Jaw"),
    "ear": pgettext_lazy("body site", "Ear"),
    "earlobe": pgettext_lazy("body site", "Earlobe"),
    "neck": pgettext_lazy("body site", "Neck"),
    "nape": pgettext_lazy("body site", "Back of the neck"),
    "shoulder": pgettext_lazy("body site", "Shoulder"),
    "chest": pgettext_lazy("body site", "Chest"),
    "presternal": pgettext_lazy("body site", "Breastbone area"),
    "breast": pgettext_lazy("body site", "Breast"),
    "abdomen": pgettext_lazy("body site", "Belly (abdomen)"),
    "upper_back": pgettext_lazy("body site", "Upper back"),
    "lower_back": pgettext_lazy("body site", "Lower back"),
    "upper_arm": pgettext_lazy("body site", "Upper arm"),
    "elbow": pgettext_lazy("body site", "Elbow"),
    "forearm": pgettext_lazy("body site", "Forearm"),
    "wrist": pgettext_lazy("body site", "Wrist"),
    "hand": pgettext_lazy("body site", "Hand"),
    "finger": pgettext_lazy("body site", "Finger"),
    "hip": pgettext_lazy("body site", "Hip"),
    "buttock": pgettext_lazy("body site", "Buttock"),
    "groin": pgettext_lazy("body site", "Groin"),
    "genital": pgettext_lazy("body site", "Genital area"),
    "thigh": pgettext_lazy("body site", "Thigh"),
    "knee": pgettext_lazy("body site", "Knee"),
    "lower_leg": pgettext_lazy("body site", "Lower leg"),
    "ankle": pgettext_lazy("body site", "Ankle"),
    "foot": pgettext_lazy("body site", "Foot"),
    "toe": pgettext_lazy("body site", "Toe"),
}
SIDES = {
    "left": _("%(site)s, left side"),
    "right": _("%(site)s, right side"),
    "midline": _("%(site)s, in the middle"),
}


class DocumentError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PdfUnavailable(Exception):
    pass


# Content --------------------------------------------------------------------------------------


def site_in_words(scar: Scar) -> str:
    site = str(BODY_SITES.get(scar.body_site) or scar.get_body_site_display())
    side = SIDES.get(scar.laterality)
    return str(side) % {"site": site} if side else site


def sheet_language(patient: Patient) -> str:
    languages = {code for code, _name in settings.LANGUAGES}
    return patient.preferred_language if patient.preferred_language in languages else settings.LANGUAGE_CODE


@dataclass(frozen=True)
class TreatedScar:
    site: str
    technique: str  # a code: the template says it in plain words


@dataclass(frozen=True)
class PrintableWarning:
    code: str
    title: str  # the engine's words: shown only if the template has no patient text for the code


@dataclass(frozen=True)
class BookingWindow:
    earliest: date
    latest: date


def printable_warnings(evaluations: list[Evaluation]) -> list[PrintableWarning]:
    """The findings the engine marked as printed on patient documents (RULES.md §5), once each."""
    found: dict[str, PrintableWarning] = {}
    for evaluation in evaluations:
        for finding in (evaluation.decision or {}).get("findings", []):
            if finding.get("printable") and finding.get("code") not in found:
                found[finding["code"]] = PrintableWarning(code=finding["code"], title=finding.get("title", ""))
    return [found[code] for code in sorted(found)]


def _decisions_for(appointment: Appointment, sessions: list[TreatmentSession]) -> list[Evaluation]:
    """The check-in decision of each treated scar, or its booking decision when there was none."""
    booked = {p.scar_id: p.booking_evaluation for p in appointment.planned.select_related("booking_evaluation")}
    evaluations = [session.treat_evaluation or booked.get(session.scar_id) for session in sessions]
    return [e for e in evaluations if e is not None]


def aftercare_context(*, appointment: Appointment, now: datetime) -> dict:
    if appointment.status != AppointmentStatus.COMPLETED:
        raise DocumentError("The aftercare sheet is printed once the session is completed and signed.")
    sessions = list(
        appointment.treatments.filter(completed_at__isnull=False)
        .select_related("scar", "treat_evaluation")
        .order_by("pk")
    )
    if not sessions:
        raise DocumentError("This appointment has no signed treatment record, so there is no aftercare sheet.")
    clinic = Clinic.current()
    upcoming = [scar_upcoming_appointment(scar=s.scar, now=now) for s in sessions]
    next_appointment = min((a for a in upcoming if a is not None), key=lambda a: a.starts_at, default=None)
    windows: list[BookingWindow] = []
    if next_appointment is None:
        parameters = ProtocolParameters.current()
        for session in sessions:
            if session.scar.status != ScarStatus.ACTIVE:
                continue  # treatment of this scar is finished: no next session to book
            window = window_after(session.performed_on, parameters)
            booking = BookingWindow(earliest=window.earliest, latest=window.latest)
            if booking not in windows:
                windows.append(booking)
    return {
        "clinic": clinic,
        "patient": appointment.patient,
        "treated_on": min(s.performed_on for s in sessions),
        "scars": [TreatedScar(site=site_in_words(s.scar), technique=s.technique) for s in sessions],
        "next_appointment": timezone.localtime(next_appointment.starts_at, clinic.zone) if next_appointment else None,
        "windows": windows,
        "warnings": printable_warnings(_decisions_for(appointment, sessions)),
    }


def first_appointment(*, patient: Patient, now: datetime) -> Appointment | None:
    """The patient's next confirmed appointment (a request still awaiting a clinician is not)."""
    return (
        Appointment.objects.filter(patient=patient, starts_at__gte=now, status=AppointmentStatus.SCHEDULED)
        .order_by("starts_at")
        .first()
    )


def preparation_context(*, patient: Patient, appointment: Appointment | None) -> dict:
    clinic = Clinic.current()
    scars = [site_in_words(p.scar) for p in appointment.planned.select_related("scar")] if appointment else []
    return {
        "clinic": clinic,
        "patient": patient,
        "appointment": appointment,
        "appointment_at": timezone.localtime(appointment.starts_at, clinic.zone) if appointment else None,
        "scars": scars,
        "first_session": not TreatmentSession.objects.filter(
            appointment__patient=patient, completed_at__isnull=False
        ).exists(),
    }


@dataclass(frozen=True)
class Sheet:
    """A sheet as it would be printed now: the content, before it is stored."""

    kind: str
    patient: Patient
    appointment: Appointment | None
    language: str
    body_html: str

    @property
    def content_sha256(self) -> str:
        return hashlib.sha256(self.body_html.encode()).hexdigest()


def _render_in(language: str, template: str, build: Callable[[], dict]) -> str:
    # The context is built in the patient's language too: site names are translated as it is made.
    with translation.override(language), timezone.override(Clinic.current().zone):
        return render_to_string(template, build())


def aftercare_sheet(*, appointment: Appointment, now: datetime | None = None) -> Sheet:
    now = now or timezone.now()
    language = sheet_language(appointment.patient)
    body = _render_in(
        language, TEMPLATES[DocumentKind.AFTERCARE], lambda: aftercare_context(appointment=appointment, now=now)
    )
    return Sheet(
        kind=DocumentKind.AFTERCARE,
        patient=appointment.patient,
        appointment=appointment,
        language=language,
        body_html=body,
    )


def preparation_sheet(*, patient: Patient, now: datetime | None = None) -> Sheet:
    appointment = first_appointment(patient=patient, now=now or timezone.now())
    language = sheet_language(patient)
    body = _render_in(
        language,
        TEMPLATES[DocumentKind.PREPARATION],
        lambda: preparation_context(patient=patient, appointment=appointment),
    )
    return Sheet(
        kind=DocumentKind.PREPARATION, patient=patient, appointment=appointment, language=language, body_html=body
    )


# The printed page ------------------------------------------------------------------------------


def qr_data_uri(url: str) -> str:
    """The link as a QR code, an SVG inlined as a data: URI (the PDF fetches nothing for it)."""
    import qrcode
    import qrcode.image.svg

    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return "data:image/svg+xml;base64," + base64.b64encode(image.to_string()).decode("ascii")


def page_context(
    *,
    body_html: str,
    language: str,
    kind: str,
    document: PatientDocument | None = None,
    link_url: str | None = None,
    link: DocumentLink | None = None,
) -> dict:
    return {
        # Rendered by our own templates with autoescaping on (sheet content, or a stored version of it).
        "body": mark_safe(body_html),
        "language": language,
        "kind": kind,
        "document": document,
        "link": link,
        "link_url": link_url,
        "qr_data_uri": qr_data_uri(link_url) if link_url else None,
        "clinic": Clinic.current(),
    }


def render_page(template: str, context: dict, request=None) -> str:
    with timezone.override(Clinic.current().zone):
        return render_to_string(template, context, request=request)


# PDF -----------------------------------------------------------------------------------------


def load_weasyprint():
    """WeasyPrint, imported only when a PDF is made: without its system libraries the app still runs."""
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: the Pango/HarfBuzz libraries are missing
        raise PdfUnavailable(PDF_UNAVAILABLE) from error
    return weasyprint


def pdf_unavailable_reason() -> str | None:
    try:
        load_weasyprint()
    except PdfUnavailable as error:
        return str(error)
    return None


def static_file_for(url: str) -> str | None:
    """The app's own static file that `url` names, or None for anything else."""
    prefix = urljoin(INTERNAL_BASE_URL, settings.STATIC_URL)
    if not url.startswith(prefix):
        return None
    relative = unquote(re.split(r"[?#]", url[len(prefix) :], maxsplit=1)[0])
    parts = PurePosixPath(relative).parts
    if not relative or relative.startswith("/") or ".." in parts or "\\" in relative:
        return None
    try:
        found = finders.find(relative)
    except SuspiciousFileOperation:
        return None
    return found if isinstance(found, str) else None


@functools.cache
def _fetcher_class(urls):
    class StaticOnlyFetcher(urls.URLFetcher):
        """Serves data: URIs and the app's static files; refuses every other URL (CVE-2025-68616 class)."""

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = static_file_for(url)
            if path is None:
                raise ValueError(f"Patient sheets only load the app's static files; refused {url[:100]!r}.")
            with open(path, "rb") as file:
                body = file.read()
            content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            return urls.URLFetcherResponse(url, body, {"Content-Type": content_type})

    return StaticOnlyFetcher


def static_only_fetcher():
    weasyprint = load_weasyprint()
    return _fetcher_class(weasyprint.urls)(allow_redirects=False)


def paper_size() -> str:
    return PAPER_SIZES.get(str(getattr(settings, "DOCUMENT_PAPER_SIZE", "A4")).lower(), "A4")


def render_pdf(html: str) -> bytes:
    weasyprint = load_weasyprint()
    fetcher = static_only_fetcher()
    page = weasyprint.CSS(string=f"@page {{ size: {paper_size()}; }}", url_fetcher=fetcher)
    return weasyprint.HTML(string=html, base_url=INTERNAL_BASE_URL, url_fetcher=fetcher).write_pdf(stylesheets=[page])


def document_pdf_html(*, document: PatientDocument, link: DocumentLink | None, public_url: Callable[[str], str]) -> str:
    context = page_context(
        body_html=document.body_html,
        language=document.language,
        kind=document.kind,
        document=document,
        link=link,
        link_url=public_url(link.token) if link else None,
    ) | {"for_pdf": True}
    return render_page("documents/print_base.html", context)


def _attach_pdf(*, document: PatientDocument, link: DocumentLink | None, public_url: Callable[[str], str]) -> bool:
    """Render and store the PDF once; False when this server cannot make PDFs."""
    try:
        pdf = render_pdf(document_pdf_html(document=document, link=link, public_url=public_url))
    except PdfUnavailable:
        return False
    document.pdf.save("sheet.pdf", ContentFile(pdf), save=False)  # the name is replaced by a random one
    document.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    document.save(update_fields=["pdf", "pdf_sha256"])
    return True


def stored_pdf(document: PatientDocument) -> bytes:
    """The stored PDF's bytes, checked against the hash recorded when it was printed."""
    if not document.pdf:
        raise DocumentError("No PDF is stored for this version.")
    with document.pdf.open("rb") as file:
        data = file.read()
    if hashlib.sha256(data).hexdigest() != document.pdf_sha256:
        raise DocumentError("The stored PDF does not match the hash recorded when it was printed.")
    return data


# Stored versions -------------------------------------------------------------------------------


def document_series(*, kind: str, patient: Patient, appointment: Appointment | None) -> QuerySet[PatientDocument]:
    """Every stored version of one sheet: aftercare per appointment, preparation per patient."""
    documents = PatientDocument.objects.filter(kind=kind).select_related("printed_by").order_by("-version")
    if kind == DocumentKind.AFTERCARE:
        return documents.filter(appointment=appointment)
    return documents.filter(patient=patient)


def series_of(document: PatientDocument) -> QuerySet[PatientDocument]:
    return document_series(kind=document.kind, patient=document.patient, appointment=document.appointment)


def _lock_series(sheet: Sheet) -> None:
    # Two clicks on "Print" at once must not both take the next version number.
    if sheet.kind == DocumentKind.AFTERCARE:
        Appointment.objects.select_for_update().filter(pk=sheet.appointment.pk).first()
    else:
        Patient.objects.select_for_update().filter(pk=sheet.patient.pk).first()


@transaction.atomic
def document_print(
    *,
    sheet: Sheet,
    user,
    public_url: Callable[[str], str],
    corrected: bool = False,
    now: datetime | None = None,
) -> tuple[PatientDocument, bool]:
    """Store the sheet as given to the patient, with its link; returns (document, created).

    Printing again with the same content gives back the stored version (and its stored PDF);
    a changed content, or an explicit correction, makes the next version.
    """
    now = now or timezone.now()
    _lock_series(sheet)
    latest = document_series(kind=sheet.kind, patient=sheet.patient, appointment=sheet.appointment).first()
    if latest is not None and latest.content_sha256 == sheet.content_sha256 and not corrected:
        if not latest.pdf:  # first printed while this server could not make PDFs
            _attach_pdf(document=latest, link=document_active_link(latest, now=now), public_url=public_url)
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
    link = document_link_create(document=document, user=user, now=now)
    _attach_pdf(document=document, link=link, public_url=public_url)
    return document, True


# Patient links ---------------------------------------------------------------------------------

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,32}")


def link_days() -> int:
    return int(getattr(settings, "DOCUMENT_LINK_DAYS", DEFAULT_LINK_DAYS))


def document_link_create(*, document: PatientDocument, user, now: datetime | None = None) -> DocumentLink:
    now = now or timezone.now()
    return DocumentLink.objects.create(
        document=document, created_by=user, created_at=now, expires_at=now + timedelta(days=link_days())
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


def document_active_link(document: PatientDocument, *, now: datetime | None = None) -> DocumentLink | None:
    now = now or timezone.now()
    return document.links.filter(revoked_at__isnull=True, expires_at__gt=now).order_by("-created_at", "-pk").first()


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
