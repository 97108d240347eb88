"""Rendering patient sheets: the sheet's HTML in the patient's language, the print page, the QR
code and the PDF (WeasyPrint, fetching nothing but the app's own static files)."""

import base64
import functools
import hashlib
import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import PurePosixPath
from urllib.parse import unquote, urljoin

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from clinic.models import Clinic
from documents import selectors
from documents.models import DocumentKind, DocumentLink, PatientDocument
from patients.models import Patient
from sessions.models import Appointment

PDF_LIBRARIES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"
PDF_UNAVAILABLE = (
    "PDF not available on this server: install the weasyprint Python package and the system libraries "
    f"{PDF_LIBRARIES} (see the README)."
)
PAPER_SIZES = {"a4": "A4", "letter": "letter"}

# WeasyPrint resolves relative URLs against this base; the fetcher below serves only the app's
# static files under it and refuses every other URL (local files, internal hosts, redirects).
INTERNAL_BASE_URL = "https://cryocare.invalid/"

TEMPLATES = {
    DocumentKind.AFTERCARE: "documents/aftercare.html",
    DocumentKind.PREPARATION: "documents/preparation.html",
    DocumentKind.CONSENT: "documents/consent.html",
}


class PdfUnavailable(Exception):
    pass


@dataclass(frozen=True)
class Sheet:
    """A sheet as it would be printed now: the content, before it is stored."""

    kind: str
    patient: Patient
    appointment: Appointment | None
    language: str
    body_html: str
    cover: selectors.ConsentCover | None = None  # a consent form's scars and techniques

    @property
    def content_sha256(self) -> str:
        return hashlib.sha256(self.body_html.encode()).hexdigest()


def _render_in(language: str, template: str, build: Callable[[], dict]) -> str:
    # The context is built in the patient's language too: site names are translated as it is made.
    with translation.override(language), timezone.override(Clinic.current().zone):
        return render_to_string(template, build())


def aftercare_sheet(*, appointment: Appointment, now: datetime | None = None) -> Sheet:
    now = now or timezone.now()
    language = selectors.sheet_language(appointment.patient)
    body = _render_in(
        language,
        TEMPLATES[DocumentKind.AFTERCARE],
        lambda: selectors.aftercare_context(appointment=appointment, now=now),
    )
    return Sheet(
        kind=DocumentKind.AFTERCARE,
        patient=appointment.patient,
        appointment=appointment,
        language=language,
        body_html=body,
    )


def preparation_sheet(*, patient: Patient, now: datetime | None = None) -> Sheet:
    appointment = selectors.first_appointment(patient=patient, now=now or timezone.now())
    language = selectors.sheet_language(patient)
    body = _render_in(
        language,
        TEMPLATES[DocumentKind.PREPARATION],
        lambda: selectors.preparation_context(patient=patient, appointment=appointment),
    )
    return Sheet(
        kind=DocumentKind.PREPARATION, patient=patient, appointment=appointment, language=language, body_html=body
    )


def consent_sheet(*, patient: Patient, cover: selectors.ConsentCover, today: date | None = None) -> Sheet:
    today = today or Clinic.current().date_of()
    language = selectors.sheet_language(patient)
    body = _render_in(
        language,
        TEMPLATES[DocumentKind.CONSENT],
        lambda: selectors.consent_context(patient=patient, cover=cover, today=today),
    )
    return Sheet(
        kind=DocumentKind.CONSENT, patient=patient, appointment=None, language=language, body_html=body, cover=cover
    )


def qr_data_uri(url: str) -> str:
    """The link as a QR code, an SVG inlined as a data: URI (the PDF fetches nothing for it)."""
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


def stored_page_context(
    *, document: PatientDocument, link: DocumentLink | None, public_url: Callable[[str], str]
) -> dict:
    """The print page of a stored version, with the patient's link (and its QR code) if one is given."""
    return page_context(
        body_html=document.body_html,
        language=document.language,
        kind=document.kind,
        document=document,
        link=link,
        link_url=public_url(link.token) if link else None,
    )


def document_pdf_html(*, document: PatientDocument, link: DocumentLink | None, public_url: Callable[[str], str]) -> str:
    context = stored_page_context(document=document, link=link, public_url=public_url) | {"for_pdf": True}
    return render_page("documents/print_base.html", context)


def document_pdf(*, document: PatientDocument, link: DocumentLink | None, public_url: Callable[[str], str]) -> bytes:
    """The stored version's PDF, as it will be given to the patient (raises PdfUnavailable)."""
    return render_pdf(document_pdf_html(document=document, link=link, public_url=public_url))
