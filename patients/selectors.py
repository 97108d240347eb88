"""Reads of the patient record."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet

from patients.models import (
    AssessmentPhoto,
    Patient,
    PatientCondition,
    PatientMedication,
    Scar,
    ScarAssessment,
)


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
                    user=record.history_user.get_username() if record.history_user else "system",
                    kind=kind,
                    record=f"#{record.id}",
                    change=_CHANGE.get(record.history_type, record.history_type),
                    fields=fields,
                )
            )
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
