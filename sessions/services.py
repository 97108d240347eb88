"""Writes to the schedule and the treatment record. Each service validates, then changes, atomically.

Every booking and every check-in runs the protocol engine and stores what it said
(`protocols.models.Evaluation`); a block stops it, an override needs a clinician's reason.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from clinic import services as clinic_services
from clinic.models import Clinic, Closure, Room
from patients.models import Patient, PregnancyStatus, Scar, ScarStatus
from patients.roles import is_clinician, person_name
from protocols import limits
from protocols.codes import Sex, SiteFinding, Stage
from protocols.models import MIN_OVERRIDE_REASON, Evaluation, Outcome
from protocols.rules import age_on
from protocols.services import override_record
from sessions.decisions import evaluation_record
from sessions.models import (
    ACTIVE_STATUSES,
    WAITING_STATUSES,
    Appointment,
    AppointmentKind,
    AppointmentScar,
    AppointmentStatus,
    CalendarFeed,
    SessionAddendum,
    SessionAdverseEvent,
    TreatmentSession,
)
from sessions.selectors import freezes, visits_in_closure
from sessions.slots import schedule_problem


class ScheduleError(Exception):
    """A booking or a change the schedule refuses; `evaluations` holds the engine's decisions, if any."""

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        evaluations: list[Evaluation] | None = None,
        existing: Appointment | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.field = field
        self.evaluations = evaluations or []
        self.existing = existing  # the visit that stands in the way, to link to


@dataclass
class PlannedScar:
    scar: Scar
    technique: str


TRANSITIONS: dict[str, set[str]] = {
    AppointmentStatus.REQUESTED: {AppointmentStatus.SCHEDULED, AppointmentStatus.CANCELLED},
    AppointmentStatus.SCHEDULED: {AppointmentStatus.CHECKED_IN, AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW},
    AppointmentStatus.CHECKED_IN: {AppointmentStatus.COMPLETED, AppointmentStatus.CANCELLED},
    AppointmentStatus.COMPLETED: set(),
    AppointmentStatus.CANCELLED: set(),
    AppointmentStatus.NO_SHOW: set(),
}


def _require_transition(appointment: Appointment, to: str) -> None:
    if to not in TRANSITIONS[appointment.status]:
        raise ScheduleError(
            f"An appointment that is {appointment.get_status_display().lower()} cannot become "
            f"{AppointmentStatus(to).label.lower()}."
        )


def _appointment_for_change(appointment: Appointment, *, user, to: str | None = None) -> Appointment:
    """Lock the appointment's row until the transaction ends and re-read it; check it may become `to`.

    Every status change starts here (inside its transaction): of two conflicting changes made at
    the same moment, the second waits for the first and is then refused with the first's result,
    instead of both passing a check made on what each request read earlier. The change is
    recorded in the history as made by `user`.
    """
    Appointment.objects.select_for_update().values_list("pk", flat=True).get(pk=appointment.pk)
    appointment.refresh_from_db()
    if to is not None:
        _require_transition(appointment, to)
    appointment._history_user = user  # simple_history: who made this change, whatever the caller
    return appointment


def scars_last_freeze_refresh(scar_ids) -> None:
    """Set each scar's stored `last_freeze_on` and `last_freeze_by` (the clinician of that visit) from its
    treatment records (`selectors.freezes`).

    Called by every service that creates, changes, signs, cancels or enters in error a treatment
    record, in the same transaction; a test recomputes it from the history.
    """
    last = freezes().filter(scar=OuterRef("pk")).order_by("-performed_on", "-pk")
    Scar.objects.filter(pk__in=list(scar_ids)).update(
        last_freeze_on=Subquery(last.values("performed_on")[:1]),
        last_freeze_by=Subquery(last.values("appointment__clinician")[:1]),
    )


def _evaluate_all(
    *, planned: list[PlannedScar], on_date: date, stage: str, purpose: str, user, visit: Appointment | None = None
) -> list[Evaluation]:
    return [
        evaluation_record(
            scar=p.scar, on_date=on_date, technique=p.technique, stage=stage, purpose=purpose, user=user, visit=visit
        )
        for p in planned
    ]


def _apply_overrides(*, evaluations: list[Evaluation], user, reason: str, action: str) -> bool:
    """Override what needs it. Returns False when an override is needed but this user cannot give one.

    Raises ScheduleError for a block, or when a clinician gives no (or too short a) reason.
    """
    blocked = [e for e in evaluations if e.outcome == Outcome.BLOCKED]
    if blocked:
        raise ScheduleError(f"The protocol blocks this {action}.", evaluations=evaluations)
    needing = [e for e in evaluations if e.outcome == Outcome.NEEDS_OVERRIDE]
    if not needing:
        return True
    if not is_clinician(user):
        return False
    reason = (reason or "").strip()
    if len(reason) < MIN_OVERRIDE_REASON:
        raise ScheduleError(
            f"The protocol needs a clinician's override for this {action}: give a reason of at least "
            f"{MIN_OVERRIDE_REASON} characters.",
            field="override_reason",
            evaluations=evaluations,
        )
    for evaluation in needing:
        override_record(evaluation=evaluation, user=user, reason=reason)
    return True


SLOT_TAKEN = "That time is taken: the clinician, the room or the patient already has an appointment then."

def clash_message(appointment: Appointment) -> str:
    """What the new time clashes with, by name: "Room 1 is booked 09:30–10:00 for DEMO-0017." (the
    general sentence when the other booking is not committed yet)."""
    others = (
        Appointment.objects.filter(
            Q(clinician=appointment.clinician_id) | Q(room=appointment.room_id) | Q(patient=appointment.patient_id),
            starts_at__lt=appointment.ends_at,
            ends_at__gt=appointment.starts_at,
            status__in=ACTIVE_STATUSES,
        )
        .exclude(pk=appointment.pk)
        .select_related("clinician", "room", "patient")
        .order_by("starts_at")
    )
    zone = Clinic.current().zone
    clashes = []
    for other in others[:3]:
        when = f"{timezone.localtime(other.starts_at, zone):%H:%M}–{timezone.localtime(other.ends_at, zone):%H:%M}"
        if other.patient_id == appointment.patient_id:
            clashes.append(f"The patient already has a visit {when}.")
        elif other.clinician_id == appointment.clinician_id:
            clashes.append(f"{person_name(other.clinician)} is booked {when} for {other.patient.mrn}.")
        else:
            clashes.append(f"{other.room.name} is booked {when} for {other.patient.mrn}.")
    return " ".join(clashes) or SLOT_TAKEN


# PostgreSQL: deadlock_detected, serialization_failure. Two bookings of one slot check the three
# exclusion constraints (clinician, room, patient) in their own order and can wait on each other;
# PostgreSQL then aborts one of them. Retried, it meets the other's committed row and is refused.
_RETRYABLE_PGCODES = {"40P01", "40001"}


def appointment_slot_claim(appointment: Appointment, *, attempts: int = 3) -> None:
    """Save the appointment's time, or raise ScheduleError if the database finds the slot taken."""
    for attempt in range(attempts):
        try:
            with transaction.atomic():
                appointment.save()
            return
        except IntegrityError as error:
            if "overlap" in str(error):
                raise ScheduleError(clash_message(appointment), field="starts_at") from None
            raise
        except OperationalError as error:
            if getattr(error.__cause__, "pgcode", None) not in _RETRYABLE_PGCODES:
                raise
            if attempt == attempts - 1:
                raise ScheduleError(
                    "Another booking for that time was being made at the same moment. Please try again.",
                    field="starts_at",
                ) from None


def _check_plan(
    *,
    patient: Patient,
    planned: list[PlannedScar],
    clinician,
    room: Room,
    minutes: int,
    kind: str = AppointmentKind.TREATMENT,
) -> None:
    if not planned:
        verb = "review" if kind == AppointmentKind.REVIEW else "treat"
        raise ScheduleError(f"Choose at least one scar to {verb}.", field="scars")
    for p in planned:
        if p.scar.patient_id != patient.pk:
            raise ScheduleError("A scar on this appointment belongs to another patient.", field="scars")
        # A review may follow a course that has ended (RULES.md §6a, §6c); a freeze may not.
        if kind == AppointmentKind.TREATMENT and p.scar.status != ScarStatus.ACTIVE:
            raise ScheduleError(f"{p.scar.label}: its course has ended, so it is not treated.", field="scars")
    if not is_clinician(clinician):
        raise ScheduleError("Choose a clinician.", field="clinician")
    if not room.active:
        raise ScheduleError(f"{room} is not in use.", field="room")
    if minutes < 5:
        raise ScheduleError("An appointment lasts at least 5 minutes.", field="minutes")


# A scar waits for at most one treatment visit and one review visit (WAITING_STATUSES); a visit in
# progress (checked in) does not count, so the next visit can be booked during today's.


def _check_no_other_visit(planned: list[PlannedScar], *, kind: str = AppointmentKind.TREATMENT) -> None:
    # The scars' rows are locked so that two bookings of one scar at the same moment are taken in turn.
    scar_ids = sorted(p.scar.pk for p in planned)
    list(Scar.objects.select_for_update().filter(pk__in=scar_ids).values_list("pk", flat=True))
    other = (
        AppointmentScar.objects.filter(
            scar_id__in=scar_ids, appointment__status__in=WAITING_STATUSES, appointment__kind=kind
        )
        .select_related("appointment", "scar")
        .order_by("appointment__starts_at")
        .first()
    )
    if other is not None:
        visit = "review visit" if kind == AppointmentKind.REVIEW else "treatment visit"
        raise ScheduleError(
            f"{other.scar.label} already has a {visit} booked for "
            f"{timezone.localtime(other.appointment.starts_at):%Y-%m-%d %H:%M}: move that visit instead of "
            "booking a second one.",
            existing=other.appointment,
        )


def _check_time(*, clinician, starts_at: datetime, minutes: int) -> None:
    problem = schedule_problem(clinician=clinician, starts_at=starts_at, minutes=minutes)
    if problem:
        raise ScheduleError(problem, field="starts_at")


def _visit_claimed(
    *,
    patient: Patient,
    clinician,
    room: Room,
    starts_at: datetime,
    minutes: int,
    kind: str,
    status: str,
    user,
    notes: str,
) -> Appointment:
    """A new visit whose time the database has accepted (ScheduleError if the slot is taken)."""
    appointment = Appointment(
        patient=patient,
        clinician=clinician,
        room=room,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        kind=kind,
        status=status,
        booked_by=user,
        notes=notes,
    )
    appointment_slot_claim(appointment)
    return appointment


@transaction.atomic
def appointment_book(
    *,
    patient: Patient,
    planned: list[PlannedScar],
    clinician,
    room: Room,
    starts_at: datetime,
    minutes: int,
    user,
    override_reason: str = "",
    notes: str = "",
) -> Appointment:
    """Book after the engine's `schedule` check of every scar on the appointment's date.

    Blocked: refused. Needs an override: a clinician's reason books it; a clinic admin's booking
    waits as a request that a clinician approves. Eligible: booked.
    """
    _check_plan(patient=patient, planned=planned, clinician=clinician, room=room, minutes=minutes)
    _check_time(clinician=clinician, starts_at=starts_at, minutes=minutes)
    _check_no_other_visit(planned)
    on_date = Clinic.current().date_of(starts_at)
    evaluations = _evaluate_all(
        planned=planned, on_date=on_date, stage=Stage.SCHEDULE, purpose=Evaluation.Purpose.BOOKING, user=user
    )
    overridden = _apply_overrides(evaluations=evaluations, user=user, reason=override_reason, action="booking")
    appointment = _visit_claimed(
        patient=patient,
        clinician=clinician,
        room=room,
        starts_at=starts_at,
        minutes=minutes,
        kind=AppointmentKind.TREATMENT,
        status=AppointmentStatus.SCHEDULED if overridden else AppointmentStatus.REQUESTED,
        user=user,
        notes=notes,
    )
    AppointmentScar.objects.bulk_create(
        AppointmentScar(appointment=appointment, scar=p.scar, technique=p.technique, booking_evaluation=e)
        for p, e in zip(planned, evaluations, strict=True)
    )
    return appointment


@transaction.atomic
def review_book(
    *,
    patient: Patient,
    scars: list[Scar],
    clinician,
    room: Room,
    starts_at: datetime,
    minutes: int,
    user,
    notes: str = "",
) -> Appointment:
    """Book a review visit: assessment and follow-up, no freezing (RULES.md §6a).

    The engine does not evaluate it, so it is booked even for a scar the protocol blocks, and by a
    clinic admin without a clinician's approval; the schedule's rules (hours, closures, overlaps,
    one waiting review per scar) apply as to any visit. A booked review counts as booked on the
    worklist.
    """
    planned = [PlannedScar(scar=scar, technique="") for scar in scars]
    kind = AppointmentKind.REVIEW
    _check_plan(patient=patient, planned=planned, clinician=clinician, room=room, minutes=minutes, kind=kind)
    _check_time(clinician=clinician, starts_at=starts_at, minutes=minutes)
    _check_no_other_visit(planned, kind=kind)
    appointment = _visit_claimed(
        patient=patient,
        clinician=clinician,
        room=room,
        starts_at=starts_at,
        minutes=minutes,
        kind=kind,
        status=AppointmentStatus.SCHEDULED,
        user=user,
        notes=notes,
    )
    AppointmentScar.objects.bulk_create(AppointmentScar(appointment=appointment, scar=s, technique="") for s in scars)
    return appointment


def _booking_decided_again(appointment: Appointment, *, on_date: date, user, reason: str) -> bool:
    """Evaluate every scar of the visit afresh from today's records and keep that as its booking decision.

    A decision stored earlier is never reused (RULES.md §2a.9). Raises ScheduleError for a block or
    a missing reason; returns False when an override is needed and `user` cannot give one.
    """
    rows = list(appointment.planned.select_related("scar__patient"))
    evaluations = _evaluate_all(
        planned=[PlannedScar(scar=row.scar, technique=row.technique) for row in rows],
        on_date=on_date,
        stage=Stage.SCHEDULE,
        purpose=Evaluation.Purpose.BOOKING,
        user=user,
        visit=appointment,
    )
    overridden = _apply_overrides(evaluations=evaluations, user=user, reason=reason, action="booking")
    for row, evaluation in zip(rows, evaluations, strict=True):
        row.booking_evaluation = evaluation
        row.save(update_fields=["booking_evaluation"])
    return overridden


@transaction.atomic
def appointment_approve(*, appointment: Appointment, user, reason: str) -> Appointment:
    """A clinician approves a requested booking: the engine decides again from the records as they are
    now, and the clinician's reason overrides what needs it; a block found now refuses it."""
    appointment = _appointment_for_change(appointment, user=user, to=AppointmentStatus.SCHEDULED)
    if appointment.is_review:
        raise ScheduleError("A review visit is not checked by the protocol and needs no approval.")
    if not is_clinician(user):
        raise ScheduleError("Only a clinician can approve a booking that needs an override.")
    _booking_decided_again(
        appointment, on_date=Clinic.current().date_of(appointment.starts_at), user=user, reason=reason
    )
    appointment.status = AppointmentStatus.SCHEDULED
    appointment.save(update_fields=["status"])
    return appointment


@transaction.atomic
def appointment_reschedule(
    *,
    appointment: Appointment,
    starts_at: datetime,
    minutes: int,
    clinician,
    room: Room,
    user,
    override_reason: str = "",
) -> Appointment:
    """Move a booking; the engine checks a treatment visit's new date again. The old times stay in the
    history, and a visit flagged *to reschedule* is no longer flagged once moved."""
    appointment = _appointment_for_change(appointment, user=user)
    if appointment.status not in (AppointmentStatus.SCHEDULED, AppointmentStatus.REQUESTED):
        raise ScheduleError(f"A {appointment.get_status_display().lower()} appointment cannot be rescheduled.")
    planned = [
        PlannedScar(scar=row.scar, technique=row.technique) for row in appointment.planned.select_related("scar")
    ]
    _check_plan(
        patient=appointment.patient,
        planned=planned,
        clinician=clinician,
        room=room,
        minutes=minutes,
        kind=appointment.kind,
    )
    _check_time(clinician=clinician, starts_at=starts_at, minutes=minutes)
    overridden = appointment.is_review or _booking_decided_again(
        appointment, on_date=Clinic.current().date_of(starts_at), user=user, reason=override_reason
    )
    appointment.starts_at = starts_at
    appointment.ends_at = starts_at + timedelta(minutes=minutes)
    appointment.clinician = clinician
    appointment.room = room
    appointment.status = AppointmentStatus.SCHEDULED if overridden else AppointmentStatus.REQUESTED
    appointment.reschedule_reason = ""
    appointment_slot_claim(appointment)
    return appointment


@transaction.atomic
def appointment_cancel(*, appointment: Appointment, user, reason: str) -> Appointment:
    """Cancel a visit, with the reason. A visit in progress is cancelled by a clinician, and only while
    no freeze is recorded: a freeze that happened is signed, never cancelled away (RULES.md §6)."""
    appointment = _appointment_for_change(appointment, user=user, to=AppointmentStatus.CANCELLED)
    reason = (reason or "").strip()
    if not reason:
        raise ScheduleError("Give the reason for cancelling.", field="reason")
    if appointment.status == AppointmentStatus.CHECKED_IN:
        if not is_clinician(user):
            raise ScheduleError("A visit in progress is cancelled by a clinician.")
        frozen = appointment.treatments.filter(Q(freeze_seconds__isnull=False) | Q(cycles__isnull=False))
        if frozen.exists():
            raise ScheduleError(
                "A freeze is recorded on this visit: complete and sign the treatment record instead of "
                "cancelling (give reasons for anything outside the protocol)."
            )
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancel_reason = reason[:300]
    appointment.save(update_fields=["status", "cancel_reason"])
    scars_last_freeze_refresh(appointment.treatments.values_list("scar_id", flat=True))
    return appointment


@transaction.atomic
def appointment_no_show(*, appointment: Appointment, user) -> Appointment:
    appointment = _appointment_for_change(appointment, user=user, to=AppointmentStatus.NO_SHOW)
    appointment.status = AppointmentStatus.NO_SHOW
    appointment.save(update_fields=["status"])
    return appointment


@dataclass(frozen=True)
class ScarToday:
    """What the clinician finds on one scar at check-in (RULES.md §2a.6)."""

    site_findings: list[str]
    diagnosis_certain: bool


def pregnancy_asked(patient: Patient, on_date: date) -> bool:
    """Check-in asks today's pregnancy status of a female patient aged 12–50 (RULES.md §2a.6, WRN-10)."""
    return patient.sex == Sex.FEMALE and 12 <= age_on(patient.birth_date, on_date) <= 50


def _record_scars_today(rows: list[AppointmentScar], scars_today: dict[int, ScarToday]) -> None:
    for row in rows:
        today = scars_today.get(row.scar_id)
        if today is None:
            raise ScheduleError(f"Record today's findings for {row.scar.label}.", field=f"certain_{row.scar_id}")
        unknown = set(today.site_findings) - set(SiteFinding.values)
        if unknown:
            raise ScheduleError(f"Unknown site finding: {', '.join(sorted(unknown))}.", field=f"findings_{row.scar_id}")
        row.site_findings_today = sorted(set(today.site_findings))
        row.diagnosis_certain_today = today.diagnosis_certain
        row.save(update_fields=["site_findings_today", "diagnosis_certain_today"])


def _record_pregnancy_today(patient: Patient, status: str, today: date) -> None:
    if status not in PregnancyStatus.values:
        raise ScheduleError("Ask and record today's pregnancy status.", field="pregnancy_status")
    patient.pregnancy_status = status
    patient.pregnancy_confirmed_on = today if status != PregnancyStatus.UNKNOWN else None
    patient.save(update_fields=["pregnancy_status", "pregnancy_confirmed_on"])


@transaction.atomic
def appointment_check_in(
    *,
    appointment: Appointment,
    user,
    scars_today: dict[int, ScarToday],
    pregnancy_status: str = "",
    override_reason: str = "",
    today: date | None = None,
) -> Appointment:
    """Check the patient in: the engine re-checks every scar at stage `treat` from today's findings.

    `scars_today` holds, by scar id, the site findings and "diagnosis certain" the clinician records
    now; for a female patient aged 12–50, `pregnancy_status` is today's answer and is recorded.

    A block stops the treatment. Findings that need an override need a clinician's reason now.
    Only on the appointment's day in the clinic's time zone; the treatment records it opens, one
    per planned scar, carry that day.
    """
    appointment = _appointment_for_change(appointment, user=user, to=AppointmentStatus.CHECKED_IN)
    # One calendar: the clinic's days, in the time zone set in clinic set-up (RULES.md §2a.8).
    clinic = Clinic.current()
    visit_day = clinic.date_of(appointment.starts_at)
    today = today or clinic.date_of()
    if today != visit_day:
        raise ScheduleError(
            f"Check-in is on the day of the appointment, {visit_day:%A %-d %B %Y}; today is {today:%A %-d %B %Y}."
        )
    if appointment.is_review:  # no freeze, so nothing for the engine to decide and no treatment record
        appointment.status = AppointmentStatus.CHECKED_IN
        appointment.save(update_fields=["status"])
        return appointment
    if pregnancy_asked(appointment.patient, today):
        _record_pregnancy_today(appointment.patient, pregnancy_status, today)
    # Loaded after today's answers are saved: the facts are built from these rows' patient.
    planned_rows = list(appointment.planned.select_related("scar__patient"))
    _record_scars_today(planned_rows, scars_today)
    planned = [PlannedScar(scar=row.scar, technique=row.technique) for row in planned_rows]
    evaluations = _evaluate_all(
        planned=planned,
        on_date=today,
        stage=Stage.TREAT,
        purpose=Evaluation.Purpose.TREATMENT,
        user=user,
        visit=appointment,
    )
    if not _apply_overrides(evaluations=evaluations, user=user, reason=override_reason, action="treatment"):
        raise ScheduleError(
            "The protocol needs a clinician's override before this treatment: a clinician must check the patient in.",
            evaluations=evaluations,
        )
    for p, evaluation in zip(planned, evaluations, strict=True):
        TreatmentSession.objects.create(
            appointment=appointment, scar=p.scar, technique=p.technique, performed_on=today, treat_evaluation=evaluation
        )
    appointment.status = AppointmentStatus.CHECKED_IN
    appointment.save(update_fields=["status"])
    return appointment


HARD_LIMIT_FIELDS = ("technique", "freeze_seconds", "cycles", "started_at", "ended_at", "observation_minutes")


def hard_limit_problems(values: dict, *, signing: bool = False) -> list[limits.Problem]:
    """The RULES.md §6 hard limits a treatment record's values break (`values` keyed by field name)."""
    return limits.treatment_problems(**{name: values.get(name) for name in HARD_LIMIT_FIELDS}, signing=signing)


@dataclass
class ParameterLimits:
    max_freeze_seconds: int
    max_cycles: int
    min_minutes: int
    max_minutes: int


def parameter_limits(technique: str, parameters: dict) -> ParameterLimits:
    limits = parameters["freeze_limits"][technique]
    return ParameterLimits(
        max_freeze_seconds=limits["max_freeze_seconds"],
        max_cycles=limits["max_cycles"],
        min_minutes=parameters["session_minutes"]["min"],
        max_minutes=parameters["session_minutes"]["max"],
    )


def parameter_problems(
    *, technique: str, freeze_seconds, cycles, started_at, ended_at, parameters: dict
) -> dict[str, str]:
    """Values outside RULES.md §6 (as set in the clinic's parameters), by field: allowed only with a reason."""
    limits = parameter_limits(technique, parameters)
    problems: dict[str, str] = {}
    if freeze_seconds is not None and freeze_seconds > limits.max_freeze_seconds:
        problems["freeze_seconds"] = (
            f"Above the {limits.max_freeze_seconds} s per cycle of the protocol for this technique."
        )
    if cycles is not None and not 1 <= cycles <= limits.max_cycles:
        problems["cycles"] = f"Outside the protocol's 1–{limits.max_cycles} cycles for this technique."
    if started_at and ended_at:
        minutes = (datetime.combine(date.min, ended_at) - datetime.combine(date.min, started_at)).total_seconds() / 60
        # An end before the start is a hard limit (protocols.limits), checked before this.
        if not limits.min_minutes <= minutes <= limits.max_minutes:
            problems["ended_at"] = (
                f"The session took {minutes:.0f} min; the protocol says {limits.min_minutes}–{limits.max_minutes} min."
            )
    return problems


class RecordLocked(ScheduleError):
    pass


def _require_open(session: TreatmentSession) -> None:
    if session.locked:
        raise RecordLocked("This session is signed and locked. Add an addendum instead.")


@transaction.atomic
def treatment_update(
    *, session: TreatmentSession, data: dict, parameters: dict, user, override_reason: str = ""
) -> TreatmentSession:
    """Save the treatment record of a visit in progress.

    A change of technique is a new decision (RULES.md §2a.9): the engine checks the scar again at
    stage `treat` with the new technique; a block refuses the change, findings that need an
    override need the clinician's reason, and the record then carries that decision.
    """
    session = TreatmentSession.objects.select_for_update().get(pk=session.pk)
    _require_open(session)
    merged = {name: data.get(name, getattr(session, name)) for name in HARD_LIMIT_FIELDS}
    hard = hard_limit_problems(merged)
    if hard:  # RULES.md §6: typing errors, which no reason keeps
        raise ScheduleError(hard[0].sentence, field=hard[0].field)
    technique = data.get("technique", session.technique)
    if technique != session.technique:
        evaluation = evaluation_record(
            scar=session.scar,
            on_date=session.performed_on,
            technique=technique,
            stage=Stage.TREAT,
            purpose=Evaluation.Purpose.TREATMENT,
            user=user,
            visit=session.appointment,
        )
        if not _apply_overrides(
            evaluations=[evaluation], user=user, reason=override_reason, action="change of technique"
        ):
            raise ScheduleError("Only a clinician can change the technique.", evaluations=[evaluation])
        session.treat_evaluation = evaluation
    merged = {
        f: data.get(f, getattr(session, f)) for f in ("technique", "freeze_seconds", "cycles", "started_at", "ended_at")
    }
    problems = parameter_problems(parameters=parameters, **merged)
    if problems and not (data.get("out_of_range_reason") or "").strip():
        raise ScheduleError(
            "Parameters outside the protocol need a recorded reason: " + " ".join(problems.values()),
            field="out_of_range_reason",
        )
    for name, value in data.items():
        setattr(session, name, value)
    session.save()
    scars_last_freeze_refresh([session.scar_id])  # a freeze recorded (or cleared) moves the window
    return session


CHECKLIST = (
    "check_diagnosis_confirmed",
    "check_contraindications_reviewed",
    "check_site_disinfected",
    "check_no_sun_7_days",
    "check_medications_disclosed",
)


def completion_missing(session: TreatmentSession) -> list[limits.Problem]:
    """What the record still lacks before it can be signed, field by field (the page links each one
    to its field)."""
    values = {name: getattr(session, name) for name in HARD_LIMIT_FIELDS}
    missing = [
        limits.Problem(p.field, f"{TreatmentSession._meta.get_field(p.field).verbose_name} {p.message}.")
        for p in hard_limit_problems(values, signing=True)
        if getattr(session, p.field) is not None or p.field in ("started_at", "ended_at")
    ]
    for name in ("freeze_seconds", "cycles", "observation_minutes"):
        if getattr(session, name) is None:
            missing.append(limits.Problem(name, f"{TreatmentSession._meta.get_field(name).verbose_name} is missing."))
    if not session.immediate_reaction.strip():
        missing.append(limits.Problem("immediate_reaction", "record the immediate local reaction."))
    for name in CHECKLIST:
        if not getattr(session, name):
            verbose = TreatmentSession._meta.get_field(name).verbose_name
            missing.append(limits.Problem(name, f"checklist item “{verbose}” not confirmed."))
    return missing


def completion_problems(session: TreatmentSession) -> list[str]:
    return [f"{session.scar.label}: {m.message}" for m in completion_missing(session)]


@transaction.atomic
def appointment_complete(*, appointment: Appointment, user) -> Appointment:
    """Sign and lock every treatment record of the visit; the scars' next windows move.

    A review visit has no treatment record: completing it records that the patient was seen (the
    assessment itself is recorded on the scar).
    """
    if not is_clinician(user):
        raise ScheduleError("Only a clinician can sign a session.")
    appointment = _appointment_for_change(appointment, user=user, to=AppointmentStatus.COMPLETED)
    if appointment.is_review:
        appointment.status = AppointmentStatus.COMPLETED
        appointment.save(update_fields=["status"])
        return appointment
    sessions = list(appointment.treatments.select_related("scar").select_for_update(of=("self",)))
    problems = [p for s in sessions for p in completion_problems(s)]
    if not sessions:
        problems.append("There is no treatment record to sign.")
    if problems:
        raise ScheduleError("The session cannot be completed yet: " + " ".join(problems))
    now = timezone.now()
    for session in sessions:
        session.completed_at = now
        session.completed_by = user
        session.save(update_fields=["completed_at", "completed_by"])
    appointment.status = AppointmentStatus.COMPLETED
    appointment.save(update_fields=["status"])
    scars_last_freeze_refresh([session.scar_id for session in sessions])
    return appointment


class AlreadySubmitted(ScheduleError):
    """The same form was sent again (a double click): the record it made the first time stands."""

    def __init__(self, record):
        super().__init__("This form was sent twice; it was saved once.")
        self.record = record


def create_once(model, *, submission: str = "", **fields):
    """Create the record, unless a record was already made by the form with this one-time token
    (raises AlreadySubmitted). The unique column decides between two requests sent at once."""
    if not submission:
        return model.objects.create(**fields)
    existing = model.objects.filter(submission=submission).first()
    if existing is not None:
        raise AlreadySubmitted(existing)
    try:
        with transaction.atomic():
            return model.objects.create(submission=submission, **fields)
    except IntegrityError:
        raise AlreadySubmitted(model.objects.get(submission=submission)) from None


@transaction.atomic
def adverse_event_add(
    *,
    session: TreatmentSession,
    code: str,
    note: str,
    user,
    onset_on: date | None = None,
    severity: str = "",
    treatment_given: str = "",
    today: date | None = None,
    submission: str = "",
) -> SessionAdverseEvent:
    # Adverse events often show days later: they are added to signed records too.
    today = today or Clinic.current().date_of()
    if onset_on is not None and not session.performed_on <= onset_on <= today:
        raise ScheduleError(
            f"It began between the session ({session.performed_on:%Y-%m-%d}) and today ({today:%Y-%m-%d}).",
            field="onset_on",
        )
    return create_once(
        SessionAdverseEvent,
        submission=submission,
        session=session,
        code=code,
        note=note,
        onset_on=onset_on,
        severity=severity,
        treatment_given=treatment_given,
        recorded_by=user,
    )


MIN_ERROR_REASON = 10  # characters: what was wrong, for whoever reads the record later


def _entered_in_error(record: TreatmentSession | SessionAdverseEvent, *, reason: str, user):
    """Mark a record that does not describe what happened: kept, struck through, left out of facts."""
    reason = (reason or "").strip()
    if len(reason) < MIN_ERROR_REASON:
        raise ScheduleError(
            f"Say what is wrong with this record (at least {MIN_ERROR_REASON} characters).",
            field="entered_in_error_reason",
        )
    record = type(record).objects.select_for_update().get(pk=record.pk)
    if record.entered_in_error:
        raise ScheduleError("This record is already marked entered in error.")
    record.entered_in_error, record.entered_in_error_reason = True, reason[:300]
    record._history_user = user
    record.save(update_fields=["entered_in_error", "entered_in_error_reason"])
    return record


@transaction.atomic
def treatment_mark_entered_in_error(*, session: TreatmentSession, reason: str, user) -> TreatmentSession:
    """A treatment record for the wrong patient or scar, or a visit that did not take place.

    Never the way out of a record that is hard to sign: a freeze that happened is signed (§6).
    """
    session = _entered_in_error(session, reason=reason, user=user)
    scars_last_freeze_refresh([session.scar_id])
    return session


@transaction.atomic
def adverse_event_mark_entered_in_error(*, event: SessionAdverseEvent, reason: str, user) -> SessionAdverseEvent:
    return _entered_in_error(event, reason=reason, user=user)


@transaction.atomic
def adverse_event_resolve(
    *, event: SessionAdverseEvent, resolved_on: date, user, today: date | None = None
) -> SessionAdverseEvent:
    if resolved_on < event.session.performed_on:
        raise ScheduleError("An adverse event cannot resolve before the session.", field="resolved_on")
    # "Resolved" lifts ADV-01: a date still to come would lift it today (RULES.md §2a.4).
    today = today or Clinic.current().date_of()
    if resolved_on > today:
        raise ScheduleError(
            f"The resolution date cannot be in the future (today is {today:%Y-%m-%d}).", field="resolved_on"
        )
    event.resolved_on = resolved_on
    event.save(update_fields=["resolved_on"])
    return event


@transaction.atomic
def addendum_add(*, session: TreatmentSession, text: str, user, submission: str = "") -> SessionAddendum:
    text = (text or "").strip()
    if len(text) < 3:
        raise ScheduleError("Write the addendum.", field="text")
    return create_once(SessionAddendum, submission=submission, session=session, text=text, author=user)


# Closures over booked visits ---------------------------------------------------------------


class ClosureNeedsConfirmation(ScheduleError):
    """The closure falls on booked visits that the clinic admin has not yet seen and confirmed."""

    def __init__(self, visits: list[Appointment]):
        super().__init__(
            f"{len(visits)} booked visit{'s' if len(visits) != 1 else ''} fall{'s' if len(visits) == 1 else ''} "
            "in this closure. Confirm to add it: they will be flagged to reschedule on the worklist."
        )
        self.visits = visits


@transaction.atomic
def closure_add(
    *, starts_on: date, ends_on: date, reason: str, clinician=None, user, confirmed: frozenset[int] = frozenset()
) -> tuple[Closure, list[Appointment]]:
    """Add a closure (the whole clinic, or one clinician's days off) and flag the visits it falls on.

    The visits booked in it are locked and compared with `confirmed` (the ids the clinic admin was
    shown): if any was not shown, nothing is saved and ClosureNeedsConfirmation lists them all.
    Confirmed, each is flagged *to reschedule* with the closure's reason; none is moved or cancelled.
    """
    visits = list(
        visits_in_closure(starts_on=starts_on, ends_on=ends_on, clinician=clinician).select_for_update(of=("self",))
    )
    if {v.pk for v in visits} - confirmed:
        raise ClosureNeedsConfirmation(visits)
    closure = clinic_services.closure_add(starts_on=starts_on, ends_on=ends_on, reason=reason, clinician=clinician)
    who = "The clinic is closed" if clinician is None else "The clinician is away"
    for visit in visits:
        visit.reschedule_reason = f"{who} that day ({closure.reason})."[:300]
        visit._history_user = user
        visit.save(update_fields=["reschedule_reason"])
    return closure, visits


# The clinician's private calendar feed --------------------------------------------------------


@transaction.atomic
def calendar_feed_get_or_create(*, clinician) -> CalendarFeed:
    feed, _ = CalendarFeed.objects.get_or_create(clinician=clinician)
    return feed


@transaction.atomic
def calendar_feed_regenerate(*, feed: CalendarFeed) -> CalendarFeed:
    """A new secret token: calendars subscribed with the old URL get 404 from now on."""
    feed.regenerate()
    feed.save(update_fields=["token", "created_at"])
    return feed
