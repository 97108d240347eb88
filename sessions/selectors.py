"""Reads of the schedule and the treatment record."""

from datetime import date, datetime, time, timedelta

from django.db.models import Max, Prefetch, Q, QuerySet
from django.utils import timezone

from clinic.models import Clinic
from patients.models import Scar
from protocols import window
from protocols.models import ProtocolParameters
from protocols.window import Window, WindowState
from sessions.models import (
    ACTIVE_STATUSES,
    WAITING_STATUSES,
    Appointment,
    AppointmentScar,
    AppointmentStatus,
    SessionAdverseEvent,
    TreatmentSession,
)


def window_after(last_session: date, parameters: ProtocolParameters | None = None) -> Window:
    """The window after a session on `last_session`, with the clinic's parameters (or those given)."""
    parameters = parameters or ProtocolParameters.current()
    return window.window_after(
        last_session,
        min_interval_days=parameters.min_interval_days,
        max_interval_days=parameters.max_interval_days,
    )


def freezes() -> QuerySet[TreatmentSession]:
    """The treatment records that are sessions (RULES.md §2a.2): a recorded freeze, signed or not, or a
    signed record; not one entered in error, nor one of a visit cancelled or missed."""
    return (
        TreatmentSession.objects.filter(entered_in_error=False)
        .exclude(appointment__status__in=[AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW])
        .filter(Q(completed_at__isnull=False) | Q(freeze_seconds__isnull=False) | Q(cycles__isnull=False))
    )


def last_freeze_on(scar_id: int) -> date | None:
    """The date of the scar's last freeze, computed from its treatment records."""
    return freezes().filter(scar_id=scar_id).aggregate(last=Max("performed_on"))["last"]


def scar_window(*, scar: Scar) -> Window | None:
    """The next-session window after the scar's last freeze (None before the first), from the date
    stored on the scar's row (read afresh: the object given may predate a service that moved it)."""
    last = Scar.objects.filter(pk=scar.pk).values_list("last_freeze_on", flat=True).first()
    return window_after(last) if last else None


def scar_booking_range(*, scar: Scar, today: date) -> tuple[Window | None, date, date]:
    """(window, earliest, latest) to offer slots in: the scar's window; before its first session, or
    once the window has closed, the days from today to the protocol's longest interval."""
    window = scar_window(scar=scar)
    if window is not None and window.state(today) != WindowState.OVERDUE:
        return window, window.earliest, window.latest
    # Before the first session, or once the window has closed: from today.
    return window, today, today + timedelta(days=ProtocolParameters.current().max_interval_days)


def scar_course(*, scar: Scar) -> list[TreatmentSession]:
    """The scar's treatment records in order, numbered: session 1, 2, ... (signed ones only are numbered;
    one entered in error is listed, struck through, without a number)."""
    sessions = list(
        TreatmentSession.objects.filter(scar=scar)
        .select_related("appointment", "completed_by")
        .prefetch_related("adverse_events", "addenda__author")
        .order_by("performed_on", "pk")
    )
    number = 0
    for session in sessions:
        if session.locked and not session.entered_in_error:
            number += 1
            session.number = number
        else:
            session.number = None
    return sessions


def patient_appointments(*, patient) -> QuerySet[Appointment]:
    return (
        Appointment.objects.filter(patient=patient)
        .select_related("clinician", "room")
        .prefetch_related("planned__scar")
        .order_by("-starts_at")
    )


def scar_upcoming_appointment(*, scar: Scar, now=None) -> Appointment | None:
    now = now or timezone.now()
    return (
        Appointment.objects.filter(planned__scar=scar, starts_at__gte=now, status__in=ACTIVE_STATUSES)
        .exclude(status=AppointmentStatus.COMPLETED)
        .order_by("starts_at")
        .first()
    )


def appointments_between(*, start, end, clinician=None) -> QuerySet[Appointment]:
    appointments = Appointment.objects.filter(starts_at__lt=end, ends_at__gt=start).exclude(
        Q(status=AppointmentStatus.CANCELLED)
    )
    if clinician is not None:
        appointments = appointments.filter(clinician=clinician)
    return (
        appointments.select_related("patient", "clinician", "room")
        .prefetch_related(planned_scars())
        .order_by("starts_at")
    )


def planned_scars() -> Prefetch:
    """Prefetch each appointment's planned scars with their scar, in one query."""
    return Prefetch("planned", queryset=AppointmentScar.objects.select_related("scar"))


def visits_in_closure(*, starts_on: date, ends_on: date, clinician=None) -> QuerySet[Appointment]:
    """Requested and scheduled visits on the clinic's days `starts_on`–`ends_on` (inclusive): the whole
    clinic's, or one clinician's for a clinician's day off."""
    zone = Clinic.current().zone
    start = datetime.combine(starts_on, time.min, tzinfo=zone)
    end = datetime.combine(ends_on + timedelta(days=1), time.min, tzinfo=zone)
    visits = Appointment.objects.filter(starts_at__lt=end, ends_at__gt=start, status__in=WAITING_STATUSES)
    if clinician is not None:
        visits = visits.filter(clinician=clinician)
    return visits.select_related("patient", "clinician", "room").order_by("starts_at", "pk")


def visits_to_reschedule() -> QuerySet[Appointment]:
    """Booked visits flagged *to reschedule* (e.g. a closure was added over their day), soonest first."""
    return (
        Appointment.objects.filter(status__in=WAITING_STATUSES)
        .exclude(reschedule_reason="")
        .select_related("patient", "clinician", "room")
        .prefetch_related(planned_scars())
        .order_by("starts_at", "pk")
    )


# --- What waits for people: the home page and the daily digest ------------------------------------


def requests_waiting(*, today: date, clinician=None) -> QuerySet[Appointment]:
    """Booking requests awaiting a clinician's decision, for `today` (the clinic's date) or later: an
    older one can no longer take place as booked. Soonest first."""
    start = datetime.combine(today, time.min, tzinfo=Clinic.current().zone)
    requests = Appointment.objects.filter(status=AppointmentStatus.REQUESTED, starts_at__gte=start)
    if clinician is not None:
        requests = requests.filter(clinician=clinician)
    return requests.select_related("patient", "clinician", "room").order_by("starts_at", "pk")


def unsigned_records(*, clinician) -> QuerySet[TreatmentSession]:
    """Treatment records of the clinician's visits not signed yet (nor entered in error, nor of a
    visit cancelled or missed), oldest first."""
    return (
        TreatmentSession.objects.filter(
            appointment__clinician=clinician, completed_at__isnull=True, entered_in_error=False
        )
        .exclude(appointment__status__in=[AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW])
        .select_related("appointment__patient", "scar")
        .order_by("performed_on", "pk")
    )


def adverse_events_to_follow(*, clinician, since: date) -> QuerySet:
    """Adverse events on the clinician's visits recorded since `since`, not yet resolved (nor entered
    in error): the ones to follow up."""
    return (
        SessionAdverseEvent.objects.filter(
            session__appointment__clinician=clinician,
            resolved_on__isnull=True,
            entered_in_error=False,
            session__entered_in_error=False,
            recorded_at__date__gte=since,
        )
        .select_related("session__appointment__patient", "session__scar")
        .order_by("-recorded_at", "-pk")
    )
