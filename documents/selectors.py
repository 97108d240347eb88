"""Reads for patient sheets: what a sheet says (its context), the stored versions and links.

The words live in templates under `templates/documents/` so that a clinic can adapt them; this
module gathers the facts a sheet shows. Rendering is in `documents.rendering`, writes in
`documents.services`.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clinic.models import Clinic
from documents.models import DocumentKind, DocumentLink, PatientDocument
from patients.models import Patient, Scar, ScarStatus
from protocols.models import Evaluation, ProtocolParameters
from sessions.models import Appointment, AppointmentKind, AppointmentStatus, TreatmentSession
from sessions.selectors import scar_upcoming_appointment, window_after

DEFAULT_LINK_DAYS = 90

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
    """The patient's next confirmed treatment visit (a request still awaiting a clinician is not, nor
    a review visit, which has no freeze to prepare for)."""
    return (
        Appointment.objects.filter(
            patient=patient, starts_at__gte=now, status=AppointmentStatus.SCHEDULED, kind=AppointmentKind.TREATMENT
        )
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


def document_series(*, kind: str, patient: Patient, appointment: Appointment | None) -> QuerySet[PatientDocument]:
    """Every stored version of one sheet: aftercare per appointment, preparation per patient."""
    documents = PatientDocument.objects.filter(kind=kind).select_related("printed_by").order_by("-version")
    if kind == DocumentKind.AFTERCARE:
        return documents.filter(appointment=appointment)
    return documents.filter(patient=patient)


def series_of(document: PatientDocument) -> QuerySet[PatientDocument]:
    return document_series(kind=document.kind, patient=document.patient, appointment=document.appointment)


def document_active_link(document: PatientDocument, *, now: datetime | None = None) -> DocumentLink | None:
    now = now or timezone.now()
    return document.links.filter(revoked_at__isnull=True, expires_at__gt=now).order_by("-created_at", "-pk").first()


def link_days() -> int:
    return int(getattr(settings, "DOCUMENT_LINK_DAYS", DEFAULT_LINK_DAYS))


def stored_pdf(document: PatientDocument) -> bytes:
    """The stored PDF's bytes, checked against the hash recorded when it was printed."""
    if not document.pdf:
        raise DocumentError("No PDF is stored for this version.")
    with document.pdf.open("rb") as file:
        data = file.read()
    if hashlib.sha256(data).hexdigest() != document.pdf_sha256:
        raise DocumentError("The stored PDF does not match the hash recorded when it was printed.")
    return data
