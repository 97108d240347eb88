"""Demo treatment history and bookings, added to the demo patients (idempotent)."""

import random
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from clinic.models import Clinic, Room
from patients.models import Scar, ScarStatus
from sessions.models import Appointment, AppointmentScar, AppointmentStatus, SessionAdverseEvent, TreatmentSession
from sessions.selectors import scar_window
from sessions.services import PlannedScar, ScheduleError, appointment_book, scars_last_freeze_refresh
from sessions.slots import find_slots

# Demo patients whose contraindication or scar should not have had sessions.
NO_HISTORY = {"DEMO-0004", "DEMO-0011", "DEMO-0012", "DEMO-0013", "DEMO-0014", "DEMO-0016", "DEMO-0015"}

# The pre-treatment checklist of a demo session, every item done.
CHECKLIST_DONE = {
    "check_diagnosis_confirmed": True,
    "check_contraindications_reviewed": True,
    "check_site_disinfected": True,
    "check_no_sun_7_days": True,
    "check_medications_disclosed": True,
}


def _at(day: date, slot: int, zone) -> datetime:
    # One 30-minute slot per index from 09:00; slots are unique per day across the demo.
    return datetime.combine(day, time(9, 0), tzinfo=zone) + timedelta(minutes=30 * slot)


@transaction.atomic
def seed_sessions(*, today: date) -> int:
    """Completed sessions for most demo scars, spaced 4–6 weeks, ending at varied points of their window."""
    if TreatmentSession.objects.exists():
        return 0
    clinic = Clinic.current()
    zone = clinic.zone
    users = {
        u.username: u for u in get_user_model().objects.filter(username__in=["clinician", "clinician2", "clinicadmin"])
    }
    rooms = list(Room.objects.order_by("name"))
    if not rooms or "clinician" not in users:
        return 0
    rng = random.Random(4242)
    used: dict[date, int] = {}
    created = 0
    scars = (
        Scar.objects.filter(status=ScarStatus.ACTIVE, patient__mrn__startswith="DEMO-")
        .select_related("patient")
        .order_by("patient__mrn", "pk")
    )
    for scar in scars:
        if scar.patient.mrn in NO_HISTORY or scar.morphology not in ("hypertrophic", "keloid"):
            continue
        first_assessment = scar.assessments.order_by("assessed_on").first()
        if first_assessment is None:
            continue
        # Days since the last session: spread over not-yet-due, open, closing and overdue.
        last_gap = rng.choice([10, 16, 24, 30, 36, 38, 40, 47, 60])
        count = rng.randint(1, 4)
        last = today - timedelta(days=last_gap)
        days = [last - timedelta(days=35 * i) for i in range(count)][::-1]
        days = [d for d in days if d >= first_assessment.assessed_on]
        clinician = users["clinician"] if rng.random() < 0.6 else users.get("clinician2", users["clinician"])
        for day in days:
            while day.weekday() >= 5:
                day -= timedelta(days=1)
            slot = used.get(day, 0)
            used[day] = slot + 1
            starts = _at(day, slot, zone)
            appointment = Appointment.objects.create(
                patient=scar.patient,
                clinician=clinician,
                room=rooms[slot % len(rooms)],
                starts_at=starts,
                ends_at=starts + timedelta(minutes=30),
                status=AppointmentStatus.COMPLETED,
                booked_by=users.get("clinicadmin", clinician),
            )
            AppointmentScar.objects.create(appointment=appointment, scar=scar, technique="contact")
            session = TreatmentSession.objects.create(
                appointment=appointment,
                scar=scar,
                performed_on=day,
                technique="contact",
                applicator="cotton-tipped applicator",
                freeze_seconds=rng.choice([10, 15, 20, 25]),
                cycles=rng.choice([1, 2, 2, 3]),
                thaw_seconds=45,
                **CHECKLIST_DONE,
                immediate_reaction=rng.choice(["Erythema and mild oedema", "Whitening, then redness", "Mild swelling"]),
                observation_minutes=30,
                started_at=time(9, 5),
                ended_at=time(9, 25),
                completed_at=starts + timedelta(minutes=30),
                completed_by=clinician,
            )
            if rng.random() < 0.2:
                SessionAdverseEvent.objects.create(
                    session=session, code="blister", recorded_by=clinician, resolved_on=day + timedelta(days=10)
                )
            created += 1
    scars_last_freeze_refresh(Scar.objects.values_list("pk", flat=True))
    return created


def seed_upcoming(*, today: date, limit: int = 6) -> int:
    """Book a few due demo scars through the real booking service, so the calendar has a day to show."""
    if Appointment.objects.filter(starts_at__gt=timezone.now()).exists():
        return 0
    admin = get_user_model().objects.filter(username="clinicadmin").first()
    if admin is None:
        return 0
    booked = 0
    for scar in (
        Scar.objects.filter(status=ScarStatus.ACTIVE, treatments__completed_at__isnull=False).distinct().order_by("pk")
    ):
        window = scar_window(scar=scar)
        if window is None or window.state(today) != "open":
            continue
        slots = find_slots(
            patient=scar.patient,
            earliest=window.earliest,
            latest=window.latest,
            minutes=30,
            now=timezone.now(),
            limit=1,
        )
        if not slots:
            continue
        try:
            with transaction.atomic():
                appointment_book(
                    patient=scar.patient,
                    planned=[PlannedScar(scar=scar, technique="contact")],
                    clinician=slots[0].clinician,
                    room=slots[0].room,
                    starts_at=slots[0].starts_at,
                    minutes=30,
                    user=admin,
                )
        except ScheduleError:
            continue
        booked += 1
        if booked >= limit:
            break
    return booked
