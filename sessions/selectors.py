"""Reads of the schedule and the treatment record."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Max, Q, QuerySet
from django.utils import timezone

from patients.models import Scar
from protocols.models import ProtocolParameters
from sessions.models import ACTIVE_STATUSES, Appointment, AppointmentScar, AppointmentStatus, TreatmentSession


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


@dataclass(frozen=True)
class Window:
    last_session: date
    earliest: date
    latest: date

    def state(self, today: date) -> str:
        if today < self.earliest:
            return "not_yet"
        if today > self.latest:
            return "overdue"
        if (self.latest - today).days <= 7:
            return "closing"
        return "open"


def window_after(last_session: date, parameters: ProtocolParameters | None = None) -> Window:
    parameters = parameters or ProtocolParameters.current()
    return Window(
        last_session=last_session,
        earliest=last_session + timedelta(days=parameters.min_interval_days),
        latest=last_session + timedelta(days=parameters.max_interval_days),
    )


def scar_window(*, scar: Scar) -> Window | None:
    """The next-session window after the scar's last completed session (None before the first)."""
    last = TreatmentSession.objects.filter(scar=scar, completed_at__isnull=False).aggregate(last=Max("performed_on"))[
        "last"
    ]
    return window_after(last) if last else None


def scar_course(*, scar: Scar) -> list[TreatmentSession]:
    """The scar's treatment records in order, numbered: session 1, 2, ... (signed ones only are numbered)."""
    sessions = list(
        TreatmentSession.objects.filter(scar=scar)
        .select_related("appointment", "completed_by")
        .prefetch_related("adverse_events", "addenda__author")
        .order_by("performed_on", "pk")
    )
    number = 0
    for session in sessions:
        if session.locked:
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
        .prefetch_related("planned__scar")
        .order_by("starts_at")
    )
