"""Build the engine's facts document (`cryocare.facts/1`, RULES.md §2) from the database.

This is the one module that reads records for the engine: the patient's history, the scar and its
assessments (patients) and its sessions (this app). What it reads is what the engine decides on,
and the document is stored with every recorded evaluation (`protocols.models.Evaluation`).
"""

from datetime import date

from django.utils import timezone

from patients.models import PregnancyStatus, Scar
from sessions.models import AppointmentScar, AppointmentStatus, TreatmentSession

PREGNANT = {PregnancyStatus.YES: True, PregnancyStatus.NO: False, PregnancyStatus.UNKNOWN: None}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _mm(value) -> float | None:
    return None if value is None else float(value)


def scar_session_history(*, scar: Scar) -> list[dict]:
    """The scar's sessions as the engine's `history` entries (RULES.md §2).

    A signed treatment record is a `completed` session; a cancelled or missed appointment that
    planned this scar is a `cancelled` or `no_show` one. An unsigned record does not count yet.
    """
    history = []
    for session in (
        TreatmentSession.objects.filter(scar=scar, completed_at__isnull=False)
        .prefetch_related("adverse_events")
        .order_by("performed_on", "pk")
    ):
        history.append(
            {
                "date": session.performed_on.isoformat(),
                "status": "completed",
                "technique": session.technique,
                "adverse_events": [
                    {"code": event.code, "resolved": event.resolved_on is not None}
                    for event in session.adverse_events.all()
                ],
            }
        )
    for planned in AppointmentScar.objects.filter(
        scar=scar, appointment__status__in=[AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW]
    ).select_related("appointment"):
        appointment = planned.appointment
        history.append(
            {
                "date": timezone.localdate(appointment.starts_at).isoformat(),
                "status": "cancelled" if appointment.status == AppointmentStatus.CANCELLED else "no_show",
                "technique": planned.technique,
                "adverse_events": [],
            }
        )
    return history


def facts_for(scar: Scar, on_date: date, technique: str, stage: str = "schedule") -> dict:
    patient = scar.patient
    # Entries marked "entered in error" stay in the record but are never read as clinical facts.
    conditions = sorted({c.code for c in patient.conditions.all() if not c.entered_in_error})
    medications = [
        {"code": m.code, "stopped": _iso(m.stopped_on)}
        for m in patient.medications.all()
        if not m.entered_in_error and (m.started_on is None or m.started_on <= on_date)
    ]
    assessments = [a for a in scar.assessments.all() if not a.entered_in_error]
    assessments.sort(key=lambda a: (a.assessed_on, a.pk))
    # The scar's current state (size, site findings, diagnosis) is its latest examination up to the date.
    current = next((a for a in reversed(assessments) if a.assessed_on <= on_date), None)
    return {
        "schema": "cryocare.facts/1",
        "on_date": on_date.isoformat(),
        "stage": str(stage),
        "technique": str(technique),
        "patient": {
            "birth_date": patient.birth_date.isoformat(),
            "sex": patient.sex,
            "fitzpatrick": patient.fitzpatrick,
            "pregnant": PREGNANT[patient.pregnancy_status],
            "consent": patient.consent_date is not None and patient.consent_date <= on_date,
            "conditions": conditions,
            "medications": medications,
        },
        "scar": {
            "morphology": scar.morphology,
            "cause": scar.cause,
            "body_site": scar.body_site,
            "onset_date": _iso(scar.onset_date),
            "length_mm": _mm(current.length_mm) if current else None,
            "width_mm": _mm(current.width_mm) if current else None,
            "height_mm": _mm(current.height_mm) if current else None,
            "site_findings": list(current.site_findings) if current else [],
            "diagnosis_uncertain": current.diagnosis_uncertain if current else False,
        },
        "history": scar_session_history(scar=scar),
        "assessments": [
            {
                "date": a.assessed_on.isoformat(),
                "vss": {
                    "vascularity": a.vss_vascularity,
                    "pigmentation": a.vss_pigmentation,
                    "pliability": a.vss_pliability,
                    "height": a.vss_height,
                }
                if a.vss_scored
                else None,
            }
            for a in assessments
        ],
    }
