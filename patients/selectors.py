"""Reads of the patient record."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Prefetch, Q, QuerySet

from patients.models import (
    CONSENT_ADULT_AGE,
    AccessEvent,
    AssessmentPhoto,
    Consent,
    Patient,
    PatientCondition,
    PatientMedication,
    Scar,
    ScarAssessment,
)
from patients.roles import person_name
from protocols.codes import Technique
from protocols.rules import age_on


def patient_search(*, query: str = "", include_archived: bool = False) -> QuerySet[Patient]:
    patients = Patient.objects.all()
    if not include_archived:
        patients = patients.filter(archived=False)
    for term in query.split():
        patients = patients.filter(
            Q(given_name__icontains=term) | Q(family_name__icontains=term) | Q(mrn__icontains=term)
        )
    return patients.only("pk", "mrn", "given_name", "family_name", "birth_date", "archived")


def scars_with_latest_assessment(*, patient: Patient) -> list[Scar]:
    """The patient's scars, each with `.latest_assessment` (or None), in two queries."""
    scars = list(patient.scars.all())
    latest: dict[int, ScarAssessment] = {}
    for assessment in ScarAssessment.objects.filter(scar__in=scars, entered_in_error=False).order_by(
        "scar_id", "-assessed_on", "-pk"
    ):
        latest.setdefault(assessment.scar_id, assessment)
    for scar in scars:
        scar.latest_assessment = latest.get(scar.pk)
    return scars


def scar_assessments(*, scar: Scar) -> QuerySet[ScarAssessment]:
    return scar.assessments.select_related("assessor").prefetch_related(
        Prefetch("photos", queryset=AssessmentPhoto.objects.filter(entered_in_error=False))
    )


def consent_for(*, scar: Scar, technique: str, on_date: date) -> bool | None:
    """`patient.consent` for treating `scar` by `technique` on `on_date` (RULES.md §2a.7).

    Read are the consents of the scar's patient, not entered in error, that cover this scar and
    this technique and were signed on or before `on_date`. Then:

    - True if one of them is in force on `on_date` and valid for the patient's age: not withdrawn
      by then (no `withdrawn_on`, or `withdrawn_on` after `on_date`: a consent withdrawn later
      was valid on `on_date`, so a past date is judged by what was on file for it; withdrawn
      on `on_date` itself counts as withdrawn), and either the patient is 18 or older on
      `on_date` (whole years) or a guardian is named on it;
    - False if there are such consents but none of them is (withdrawn, or a minor's without a
      guardian);
    - None if nothing on file covers this scar and technique by `on_date`.

    A technique that is not a code of `protocols.codes.Technique` raises ValueError.
    """
    if technique not in Technique.values:
        raise ValueError(f"{technique!r} is not a technique code")
    consents = list(
        Consent.objects.filter(
            patient_id=scar.patient_id,
            entered_in_error=False,
            scars=scar,
            signed_on__lte=on_date,
            **{Consent.covers_field(technique): True},
        ).only("withdrawn_on", "guardian_name")
    )
    if not consents:
        return None
    adult = age_on(scar.patient.birth_date, on_date) >= CONSENT_ADULT_AGE
    return any(
        (consent.withdrawn_on is None or consent.withdrawn_on > on_date) and (adult or bool(consent.guardian_name))
        for consent in consents
    )


def patient_consents(*, patient: Patient) -> QuerySet[Consent]:
    """Every consent of the patient, newest first, entered in error included (the page marks them),
    with the printed form it was signed on when there is one (`signed_form`, kept by documents)."""
    return patient.consents.select_related("recorded_by", "signed_form").prefetch_related("scars")


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    user: str
    kind: str
    record: str
    change: str
    fields: list[str]


_CHANGE = {"+": "created", "~": "changed", "-": "deleted"}


def patient_history(*, patient: Patient, limit: int = 100) -> list[HistoryEntry]:
    """Every recorded change to the patient's clinical record, newest first, with who and what."""
    sources = [
        ("Patient", Patient.history.filter(id=patient.pk)),
        ("Condition", PatientCondition.history.filter(patient_id=patient.pk)),
        ("Medication", PatientMedication.history.filter(patient_id=patient.pk)),
        ("Scar", Scar.history.filter(patient_id=patient.pk)),
        ("Assessment", ScarAssessment.history.filter(scar__patient_id=patient.pk)),
        ("Consent", Consent.history.filter(patient_id=patient.pk)),
        ("Photo", AssessmentPhoto.history.filter(assessment__scar__patient_id=patient.pk)),
    ]
    entries: list[HistoryEntry] = []
    for kind, records in sources:
        for record in records.select_related("history_user").order_by("-history_date")[:limit]:
            fields: list[str] = []
            if record.history_type == "~":
                previous = record.prev_record
                if previous is not None:
                    fields = [c.field for c in record.diff_against(previous).changes]
            entries.append(
                HistoryEntry(
                    at=record.history_date,
                    user=person_name(record.history_user) if record.history_user else "system",
                    kind=kind,
                    record=f"#{record.id}",
                    change=_CHANGE.get(record.history_type, record.history_type),
                    fields=fields,
                )
            )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def access_log_search(*, patient: str = "", user: str = "", since: date, until: date) -> QuerySet[AccessEvent]:
    """The access log between two dates (inclusive, in the server's time zone), newest first,
    narrowed by patient (part of the MRN or name) and user (part of the user name)."""
    events = AccessEvent.objects.select_related("user", "patient").filter(at__date__gte=since, at__date__lte=until)
    if patient:
        events = events.filter(
            Q(patient__mrn__icontains=patient)
            | Q(patient__family_name__icontains=patient)
            | Q(patient__given_name__icontains=patient)
        )
    if user:
        events = events.filter(user__username__icontains=user)
    return events.order_by("-at", "-pk")
