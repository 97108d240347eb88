"""Reads for patient sheets: what a sheet says (its context), the stored versions and links.

The words live in templates under `templates/documents/` so that a clinic can adapt them; this
module gathers the facts a sheet shows. Rendering is in `documents.rendering`, writes in
`documents.services`.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clinic.models import Clinic
from documents.models import DocumentKind, DocumentLink, PatientDocument
from patients.models import CONSENT_ADULT_AGE, Patient, Scar, ScarStatus
from protocols.codes import Morphology, Technique
from protocols.models import ProtocolParameters
from protocols.rules import age_on
from sessions.decisions import scar_decision_or_errors
from sessions.models import Appointment, AppointmentKind, AppointmentStatus, TreatmentSession
from sessions.selectors import scar_upcoming_appointment, window_after

DEFAULT_LINK_DAYS = 90

# How to get ready for a freezing session: on the preparation sheet and in visit reminders (general
# advice for everyone, never anything about one patient's conditions).
PREPARATION_ADVICE = [
    _("Keep the area out of the sun for at least 7 days before the session. No sunbeds."),
    _("Bring a list of all your medicines, and of all creams and ointments you use on your skin."),
    _("Follow any personal advice your doctor gave you."),
]

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
    # The codes of the findings the engine marked as printed for the patient (RULES.md §5) on the
    # decision about this scar; the template says each in the patient's words for this area.
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class BookingWindow:
    earliest: date
    latest: date


# The engine's findings that mean the patient bleeds more easily: a blood thinner or a bleeding
# disorder (REL-06 for a probe inside the scar, WRN-05 for spray or contact). The sheets read the
# engine's findings rather than the medication list, so that "bleeds easily" is decided in one place.
BLEEDING_RISK_CODES = frozenset({"REL-06", "WRN-05"})


def _findings(decision: dict | None) -> list[dict]:
    return [f for f in (decision or {}).get("findings", []) if f.get("code")]


def printable_codes(decision: dict | None) -> tuple[str, ...]:
    """The codes of the decision's findings marked printable for the patient, once each, in order."""
    return tuple(sorted({f["code"] for f in _findings(decision) if f.get("printable")}))


def bleeds_easily(decisions: list[dict | None]) -> bool:
    return any(f["code"] in BLEEDING_RISK_CODES for decision in decisions for f in _findings(decision))


def _decisions_for(appointment: Appointment, sessions: list[TreatmentSession]) -> dict[int, list[dict]]:
    """Per treated session, what the engine said about it: the decision at its check-in (or at
    booking when there was none) and the decision on the records as they are now, for the day and
    technique of the treatment. A warning in either is printed: a sheet must not forget one because a
    record was missing at check-in, or because the visit was recorded without a check-in decision."""
    booked = {p.scar_id: p.booking_evaluation for p in appointment.planned.select_related("booking_evaluation")}
    decisions = {}
    for session in sessions:
        stored = session.treat_evaluation or booked.get(session.scar_id)
        now = scar_decision_or_errors(scar=session.scar, on_date=session.performed_on, technique=session.technique)
        decisions[session.pk] = [d for d in (stored.decision if stored else None, now) if d]
    return decisions


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
    decisions = _decisions_for(appointment, sessions)
    scars = [
        TreatedScar(
            site=site_in_words(s.scar),
            technique=s.technique,
            warnings=tuple(sorted({code for d in decisions[s.pk] for code in printable_codes(d)})),
        )
        for s in sessions
    ]
    return {
        "clinic": clinic,
        "patient": appointment.patient,
        "treated_on": min(s.performed_on for s in sessions),
        "scars": scars,
        "next_appointment": timezone.localtime(next_appointment.starts_at, clinic.zone) if next_appointment else None,
        "windows": windows,
        # Rendered in the patient's language (documents.rendering): the clinic's text in that language only.
        "after_hours_advice": clinic.after_hours_advice_in(translation.get_language()),
        "has_warnings": any(scar.warnings for scar in scars),
        "bleeds_easily": bleeds_easily([d for found in decisions.values() for d in found]),
    }


@dataclass(frozen=True)
class ConsentCover:
    """What a consent form asks the patient to agree to: scars, techniques, and who signs for a minor."""

    scars: tuple[Scar, ...]
    techniques: tuple[str, ...]
    guardian_name: str = ""
    guardian_relation: str = ""


@dataclass(frozen=True)
class ConsentScar:
    site: str
    morphology: str  # a code: the template says it in plain words
    goal: str  # a code, as above
    warnings: tuple[str, ...]  # printable codes for this scar by any of the techniques covered


def consent_cover(
    *, patient: Patient, scars, techniques, guardian_name: str = "", guardian_relation: str = ""
) -> ConsentCover:
    """The cover of a consent form, checked: raises ValidationError with a message per field."""
    scars = sorted(set(scars), key=lambda scar: scar.pk)
    techniques = [code for code in Technique.values if code in set(techniques)]
    guardian_name, guardian_relation = guardian_name.strip(), guardian_relation.strip()
    errors = {}
    if not scars:
        errors["scars"] = "Choose at least one scar the form covers."
    elif any(scar.patient_id != patient.pk for scar in scars):
        errors["scars"] = "A consent form can only cover this patient's own scars."
    elif any(scar.status != ScarStatus.ACTIVE for scar in scars):
        errors["scars"] = "A scar whose course has ended cannot be consented to; reopen its course first."
    if not techniques:
        errors["techniques"] = "Choose at least one technique the form covers."
    if bool(guardian_name) != bool(guardian_relation):
        missing = "guardian_relation" if guardian_name else "guardian_name"
        errors[missing] = "Give both the guardian's name and their relation to the patient, or neither."
    if errors:
        raise ValidationError(errors)
    return ConsentCover(tuple(scars), tuple(techniques), guardian_name, guardian_relation)


def _in_weeks(days: int) -> str:
    return f"{days // 7}" if days % 7 == 0 else f"{days / 7:.1f}"


def consent_context(*, patient: Patient, cover: ConsentCover, today: date) -> dict:
    """What the consent form says for this patient: each scar with the warnings the engine marks
    printable for it today by any technique covered, the expected course and who signs."""
    scars = []
    for scar in cover.scars:
        codes: set[str] = set()
        for technique in cover.techniques:
            codes.update(printable_codes(scar_decision_or_errors(scar=scar, on_date=today, technique=technique)))
        scars.append(
            ConsentScar(
                site=site_in_words(scar), morphology=scar.morphology, goal=scar.goal, warnings=tuple(sorted(codes))
            )
        )
    parameters = ProtocolParameters.current()
    morphologies = {scar.morphology for scar in cover.scars}
    return {
        "clinic": Clinic.current(),
        "patient": patient,
        "today": today,
        "scars": scars,
        "techniques": cover.techniques,
        "has_warnings": any(scar.warnings for scar in scars),
        "weeks_apart": (_in_weeks(parameters.min_interval_days), _in_weeks(parameters.max_interval_days)),
        "hypertrophic": Morphology.HYPERTROPHIC in morphologies,
        "keloid": Morphology.KELOID in morphologies,
        "minor": age_on(patient.birth_date, today) < CONSENT_ADULT_AGE,
        "guardian_name": cover.guardian_name,
        "guardian_relation": cover.guardian_relation,
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
    on_date = clinic.date_of(appointment.starts_at) if appointment else clinic.date_of()
    scars = [site_in_words(p.scar) for p in appointment.planned.select_related("scar")] if appointment else []
    return {
        "clinic": clinic,
        "patient": patient,
        "appointment": appointment,
        "appointment_at": timezone.localtime(appointment.starts_at, clinic.zone) if appointment else None,
        "scars": scars,
        "minor": age_on(patient.birth_date, on_date) < CONSENT_ADULT_AGE,
        "advice": PREPARATION_ADVICE,
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
