"""Build the engine's facts document (`cryocare.facts/1`, RULES.md §2) from the database.

This is the one module that reads records for the engine: the patient's history, the scar and its
assessments (patients) and its sessions (this app). What it reads is what the engine decides on,
and the document is stored with every recorded evaluation (`protocols.models.Evaluation`).
"""

from datetime import date

from clinic.models import Clinic
from patients.models import PregnancyStatus, Scar
from patients.selectors import consent_for
from protocols.codes import AdverseEvent, Condition
from protocols.models import ProtocolParameters
from sessions.models import (
    Appointment,
    AppointmentKind,
    AppointmentScar,
    AppointmentStatus,
    SessionAdverseEvent,
    TreatmentSession,
)
from sessions.selectors import freezes


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _mm(value) -> float | None:
    return None if value is None else float(value)


def _adverse_events(session: TreatmentSession, on_date: date) -> list[dict]:
    # Resolved means resolved by then: a resolution dated after on_date is not yet (§2a.4).
    return [
        {"code": event.code, "resolved": event.resolved_on is not None and event.resolved_on <= on_date}
        for event in session.adverse_events.all()
        if not event.entered_in_error
    ]


def scar_session_history(*, scar: Scar, on_date: date, exclude_appointment: Appointment | None = None) -> list[dict]:
    """The scar's sessions as the engine's `history` entries (RULES.md §2 and §2a.1, .2, .4, .8).

    A treatment record that holds a freeze is a `completed` session from that moment, signed or
    not. A cancelled or missed appointment that planned this scar is a `cancelled` or `no_show`
    one, and a visit cancelled after check-in keeps its adverse events. Records and adverse events
    entered in error are left out. The visit being decided (`exclude_appointment`) is never part
    of its own history. Dates are the clinic's dates.
    """
    history = []
    sessions = freezes().filter(scar=scar).prefetch_related("adverse_events").order_by("performed_on", "pk")
    if exclude_appointment is not None:
        sessions = sessions.exclude(appointment=exclude_appointment)
    for session in sessions:
        history.append(
            {
                "date": session.performed_on.isoformat(),
                "status": "completed",
                "technique": session.technique,
                "adverse_events": _adverse_events(session, on_date),
            }
        )
    # Only treatment visits: a missed review was no missed freeze (RULES.md §6a).
    missed = AppointmentScar.objects.filter(
        scar=scar,
        appointment__kind=AppointmentKind.TREATMENT,
        appointment__status__in=[AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW],
    ).select_related("appointment")
    if exclude_appointment is not None:
        missed = missed.exclude(appointment=exclude_appointment)
    records = {
        session.appointment_id: session
        for session in TreatmentSession.objects.filter(
            scar=scar, entered_in_error=False, appointment__in=[p.appointment_id for p in missed]
        ).prefetch_related("adverse_events")
    }
    clinic = Clinic.current()  # once: every date below is on the clinic's calendar
    for planned in missed:
        appointment = planned.appointment
        record = records.get(appointment.pk)
        history.append(
            {
                "date": clinic.date_of(appointment.starts_at).isoformat(),
                "status": "cancelled" if appointment.status == AppointmentStatus.CANCELLED else "no_show",
                "technique": planned.technique,
                "adverse_events": _adverse_events(record, on_date) if record else [],
            }
        )
    return history


def _pregnant(patient, on_date: date, valid_days: int) -> bool | None:
    """Recorded "pregnant" holds until changed; "not pregnant" only while recently confirmed (§2a.5)."""
    if patient.pregnancy_status == PregnancyStatus.YES:
        return True
    confirmed = patient.pregnancy_confirmed_on
    if (
        patient.pregnancy_status == PregnancyStatus.NO
        and confirmed is not None
        and confirmed <= on_date
        and (on_date - confirmed).days <= valid_days
    ):
        return False
    return None


def _reacted_to_cryotherapy(patient) -> bool:
    """An urticaria or hypersensitivity reaction on any session of any of the patient's scars (§2a.3)."""
    return SessionAdverseEvent.objects.filter(
        session__appointment__patient=patient,
        session__entered_in_error=False,
        entered_in_error=False,
        code__in=[AdverseEvent.URTICARIA, AdverseEvent.HYPERSENSITIVITY],
    ).exists()


def recorded_conditions(patient) -> set[str]:
    """The patient's recorded condition codes (never one entered in error)."""
    return {c.code for c in patient.conditions.all() if not c.entered_in_error}


def derived_conditions(patient) -> set[str]:
    """Conditions the record shows without a code: a hypersensitivity from a reaction on any session
    of any scar (§2a.3)."""
    return {Condition.CRYOTHERAPY_HYPERSENSITIVITY} if _reacted_to_cryotherapy(patient) else set()


def patient_conditions(patient) -> list[str]:
    """The patient's condition codes as the engine reads them: the recorded and the derived ones."""
    return sorted(recorded_conditions(patient) | derived_conditions(patient))


def patient_medications(patient, on_date: date) -> list:
    """The patient's medication records the engine reads on `on_date`: started by then, not entered in error."""
    return [
        m
        for m in patient.medications.all()
        if not m.entered_in_error and (m.started_on is None or m.started_on <= on_date)
    ]


def facts_for(scar: Scar, on_date: date, technique: str, stage: str = "schedule", *, exclude_appointment=None) -> dict:
    """The facts for deciding on `scar` on `on_date`; `exclude_appointment` is the visit being decided."""
    patient = scar.patient
    conditions = patient_conditions(patient)
    medications = [{"code": m.code, "stopped": _iso(m.stopped_on)} for m in patient_medications(patient, on_date)]
    # At stage `treat` the site is today's, as recorded at check-in for the visit being decided.
    checked_today = None
    if stage == "treat" and exclude_appointment is not None:
        checked_today = (
            AppointmentScar.objects.filter(appointment=exclude_appointment, scar=scar)
            .exclude(diagnosis_certain_today__isnull=True)
            .first()
        )
    assessments = [a for a in scar.assessments.all() if not a.entered_in_error]
    assessments.sort(key=lambda a: (a.assessed_on, a.pk))
    # The scar's current state (size, site findings, diagnosis) is its latest examination up to the date.
    current = next((a for a in reversed(assessments) if a.assessed_on <= on_date), None)
    if checked_today is not None:
        site_findings = list(checked_today.site_findings_today)
        diagnosis_uncertain = not checked_today.diagnosis_certain_today
    elif current is not None:
        site_findings, diagnosis_uncertain = list(current.site_findings), current.diagnosis_uncertain
    else:
        site_findings, diagnosis_uncertain = [], False
    return {
        "schema": "cryocare.facts/1",
        "on_date": on_date.isoformat(),
        "stage": str(stage),
        "technique": str(technique),
        "patient": {
            "birth_date": patient.birth_date.isoformat(),
            "sex": patient.sex,
            "fitzpatrick": patient.fitzpatrick,
            "pregnant": _pregnant(patient, on_date, ProtocolParameters.current().pregnancy_status_valid_days),
            "consent": consent_for(scar=scar, technique=technique, on_date=on_date),
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
            "site_findings": site_findings,
            "diagnosis_uncertain": diagnosis_uncertain,
        },
        "history": scar_session_history(scar=scar, on_date=on_date, exclude_appointment=exclude_appointment),
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
