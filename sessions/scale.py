"""A clinic at a real size, for measuring: `manage.py seed_scale --patients 10000`.

On top of the demo data (whose log-ins keep working) it adds, from a seeded random generator so
that the same seed and date give the same clinic:

- clinicians up to 10 (`clinician3`…, the demo password) with working hours, rooms up to 10;
- per patient about 3 scars, a signed consent for them, and a course of about 3 visits 4–6
  weeks apart over the last three years, each visit treating every scar (a signed treatment
  record per scar), with an assessment at the start, after the second visit and after the last;
- adverse events on some sessions, most of them resolved;
- most older courses ended (goal reached, declined, no response), some still open and overdue,
  so that about 15% of the active scars are on the worklist;
- 200 visits in the next two weeks for scars whose window is open.

Rows go in with `bulk_create` (no change history: nobody changed them), in batches, inside one
transaction; each scar's stored last freeze is then set by the service that keeps it.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection, transaction

from clinic.models import Clinic, OpeningHours, Room, WorkingHours
from patients.demo import DEMO_PASSWORD
from patients.models import Consent, CourseEndReason, Patient, Scar, ScarAssessment, ScarStatus
from patients.roles import CLINICIAN
from protocols.codes import AdverseEvent
from sessions.demo import CHECKLIST_DONE
from sessions.models import Appointment, AppointmentScar, AppointmentStatus, SessionAdverseEvent, TreatmentSession
from sessions.services import scars_last_freeze_refresh

MRN_PREFIX = "SCALE-"
CLINICIANS = 10
ROOMS = 10
UPCOMING_VISITS = 200
BATCH = 2000

GIVEN = (
    "Ana Ben Carla Dan Eva Femi Gina Hugo Iris Jon Kira Leo Mara Nico Olga Pablo Quinn Rosa Sam Tara Umar Vera "
    "Wes Xena Yara Zoe Amir Bea Cyril Dora Elif Farah Gil Hana Ivo Jana Karl Lina Milo Nia Oren Pia Raj Sara "
    "Tom Una Vik Wen Yusuf Zara"
).split()
FAMILY = (
    "Adams Baker Costa Diaz Evans Fischer Garcia Haddad Ito Jensen Khan Lopez Moreau Novak Okafor Patel Quinn "
    "Rossi Silva Tanaka Ueda Varga Weber Xu Yilmaz Zhang Ahmed Brown Clarke Dubois Eriksen Fernandes Gomez "
    "Hughes Ivanova Jones Kowalski Larsen Mensah Nguyen Olsen Popescu Reyes Schmidt Torres Usman Vidal Walsh "
    "Young Ziegler Murphy Kelly Byrne Ryan Doyle Romero Navarro Bianchi Conti Lindqvist"
).split()
SITES = ("abdomen", "chest", "presternal", "upper_arm", "shoulder", "upper_back", "forearm", "neck", "thigh", "earlobe")
VISIT_MINUTES = 30
SLOTS_PER_DAY = 16  # 09:00 to 17:00 in 30-minute visits


@dataclass
class _Visit:
    patient: int  # index into the plan's patients
    day: date
    scars: list[int]  # indexes into the plan's scars
    clinician: int  # the patient's clinician, who works in the room of the same index
    completed: bool = True
    slot: int = 0  # the 30-minute slot of the day


@dataclass
class _Plan:
    patients: list[Patient] = field(default_factory=list)
    scars: list[Scar] = field(default_factory=list)
    scar_patient: list[int] = field(default_factory=list)
    clinician_of: list[int] = field(default_factory=list)  # per patient
    assessments: list[tuple[int, date, int]] = field(default_factory=list)  # (scar, date, step)
    visits: list[_Visit] = field(default_factory=list)


def _weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _staff(rng: random.Random, published_password: bool) -> tuple[list, list[Room], object]:
    """Clinicians and rooms up to ten each, with working hours on the clinic's weekdays. The added
    clinicians log in with the published demo password on a developer's machine, and not at all
    elsewhere."""
    User = get_user_model()
    group = Group.objects.get_or_create(name=CLINICIAN)[0]
    clinicians = list(User.objects.filter(groups=group).order_by("pk"))
    for number in range(len(clinicians) + 1, CLINICIANS + 1):
        user, made = User.objects.get_or_create(
            username=f"clinician{number}",
            defaults={"first_name": rng.choice(GIVEN), "last_name": rng.choice(FAMILY)},
        )
        if made:
            if published_password:
                user.set_password(DEMO_PASSWORD)
            else:
                user.set_unusable_password()
            user.save(update_fields=["password"])
            user.groups.add(group)
        clinicians.append(user)
    for user in clinicians:
        if not WorkingHours.objects.filter(clinician=user).exists():
            WorkingHours.objects.bulk_create(
                WorkingHours(clinician=user, weekday=weekday, starts=time(9, 0), ends=time(17, 0))
                for weekday in range(5)
            )
    if not OpeningHours.objects.exists():
        OpeningHours.objects.bulk_create(
            OpeningHours(weekday=weekday, opens=time(8, 30), closes=time(17, 30)) for weekday in range(5)
        )
    for number in range(Room.objects.count() + 1, ROOMS + 1):
        Room.objects.get_or_create(name=f"Room {number}")
    rooms = list(Room.objects.filter(active=True).order_by("pk"))
    admin = User.objects.filter(is_staff=True).order_by("pk").first() or clinicians[0]
    return clinicians, rooms, admin


def _plan(*, rng: random.Random, patients: int, today: date, clinicians: int) -> _Plan:
    plan = _Plan()
    for index in range(patients):
        sex = rng.choice(("female", "male"))
        start = today - timedelta(days=rng.randrange(0, 3 * 365))
        plan.patients.append(
            Patient(
                mrn=f"{MRN_PREFIX}{index + 1:06d}",
                given_name=rng.choice(GIVEN),
                family_name=rng.choice(FAMILY),
                birth_date=today - timedelta(days=rng.randrange(18 * 365 + 30, 80 * 365)),
                sex=sex,
                fitzpatrick=rng.randint(1, 6),
                phone=f"+44 20 7946 {rng.randrange(10_000):04d}",
                email=f"patient{index + 1}@example.org",
                email_consent=rng.random() < 0.7,
                pregnancy_status="no" if sex == "female" else "unknown",
                pregnancy_confirmed_on=start if sex == "female" else None,
            )
        )
        scar_indexes = []
        for _ in range(rng.choices((2, 3, 4), weights=(25, 50, 25))[0]):
            scar_indexes.append(len(plan.scars))
            plan.scar_patient.append(index)
            plan.scars.append(
                Scar(
                    body_site=rng.choice(SITES),
                    laterality=rng.choice(("left", "right", "midline")),
                    morphology=rng.choices(("hypertrophic", "keloid"), weights=(60, 40))[0],
                    cause=rng.choice(("surgical", "traumatic", "burn", "acne", "piercing")),
                    onset_date=start - timedelta(days=rng.randrange(120, 2000)),
                )
            )
        # The course: a visit every 4–6 weeks, up to three, none today or later.
        clinician = rng.randrange(clinicians)
        plan.clinician_of.append(clinician)
        days = []
        day = _weekday_on_or_after(start + timedelta(days=rng.randrange(7, 21)))
        while len(days) < 3 and day < today:
            days.append(day)
            day = _weekday_on_or_after(day + timedelta(days=rng.randrange(28, 43)))
        for day in days:
            plan.visits.append(_Visit(patient=index, day=day, scars=scar_indexes, clinician=clinician))
        for scar in scar_indexes:
            plan.assessments.append((scar, start, 0))
            for step, day in enumerate(days[1:], start=1):
                plan.assessments.append((scar, day, step))
        _course_end(
            rng=rng,
            scars=[plan.scars[i] for i in scar_indexes],
            visits=len(days),
            last=days[-1] if days else None,
            today=today,
        )
    return plan


def _course_end(*, rng: random.Random, scars: list[Scar], visits: int, last: date | None, today: date) -> None:
    """A finished course is ended at a review 3–6 weeks after its last visit, a course left unfinished
    two months on; a few stay open, lost to follow-up (overdue on the worklist)."""
    if last is None:
        return
    ended_on = last + timedelta(days=rng.randrange(21, 43) if visits >= 3 else rng.randrange(60, 120))
    if ended_on > today or rng.random() < 0.035:
        return
    reason = rng.choices(
        (CourseEndReason.GOAL_REACHED, CourseEndReason.PATIENT_DECLINED, CourseEndReason.NO_RESPONSE),
        weights=(80, 12, 8),
    )[0]
    for scar in scars:
        scar.status = ScarStatus.RESOLVED
        scar.course_ended_on = ended_on
        scar.course_end_reason = reason


def _busy_slots(*, clinicians: list, rooms: list[Room], zone) -> set[tuple[int, date, int]]:
    """(clinician-and-room index, day, slot) already taken by a visit booked before (the demo's)."""
    index_of = {("clinician", user.pk): i for i, user in enumerate(clinicians)}
    index_of.update({("room", room.pk): i for i, room in enumerate(rooms)})
    busy = set()
    for appointment in Appointment.objects.exclude(status=AppointmentStatus.CANCELLED):
        starts, ends = appointment.starts_at.astimezone(zone), appointment.ends_at.astimezone(zone)
        day = starts.date()
        first = datetime.combine(day, time(9, 0), tzinfo=zone)
        for slot in range(SLOTS_PER_DAY):
            slot_starts = first + timedelta(minutes=VISIT_MINUTES * slot)
            if slot_starts < ends and starts < slot_starts + timedelta(minutes=VISIT_MINUTES):
                for key in (("clinician", appointment.clinician_id), ("room", appointment.room_id)):
                    if key in index_of:
                        busy.add((index_of[key], day, slot))
    return busy


def _place(visits: list[_Visit], *, busy: set[tuple[int, date, int]]) -> None:
    """Give each visit the next free slot of its clinician's day (weekdays, 09:00–17:00), or a later day."""
    for visit in sorted(visits, key=lambda v: (v.day, v.patient)):
        while True:
            free = [s for s in range(SLOTS_PER_DAY) if (visit.clinician, visit.day, s) not in busy]
            if free:
                break
            visit.day = _weekday_on_or_after(visit.day + timedelta(days=1))
        visit.slot = free[0]
        busy.add((visit.clinician, visit.day, visit.slot))


def _starts_at(visit: _Visit, zone) -> datetime:
    return datetime.combine(visit.day, time(9, 0), tzinfo=zone) + timedelta(minutes=VISIT_MINUTES * visit.slot)


def _upcoming(*, rng: random.Random, plan: _Plan, today: date) -> list[_Visit]:
    """Visits in the next two weeks for patients whose last visit was 3–5 weeks ago (their window is open)."""
    last_visit: dict[int, _Visit] = {}
    for visit in plan.visits:
        last_visit[visit.patient] = visit
    candidates = [
        v
        for v in last_visit.values()
        if 21 <= (today - v.day).days <= 35 and plan.scars[v.scars[0]].status == ScarStatus.ACTIVE
    ]
    rng.shuffle(candidates)
    first = today + timedelta(days=1)
    upcoming = []
    for number, visit in enumerate(candidates[:UPCOMING_VISITS]):
        day = _weekday_on_or_after(first + timedelta(days=number % 14))
        upcoming.append(
            _Visit(patient=visit.patient, day=day, scars=visit.scars, clinician=visit.clinician, completed=False)
        )
    return upcoming


@transaction.atomic
def seed_scale(*, patients: int, today: date, seed: int = 1, published_password: bool = True) -> dict[str, int]:
    """Add `patients` patients and their history (see the module). Refuses to run twice."""
    if Patient.objects.filter(mrn__startswith=MRN_PREFIX).exists():
        raise ValueError("This database already holds a scaled clinic (patients numbered SCALE-…).")
    rng = random.Random(seed)
    clinicians, rooms, admin = _staff(rng, published_password)
    pairs = min(len(clinicians), len(rooms))
    zone = Clinic.current().zone
    plan = _plan(rng=rng, patients=patients, today=today, clinicians=pairs)
    upcoming = _upcoming(rng=rng, plan=plan, today=today)
    # Historic visits and upcoming ones never share a day (the upcoming start tomorrow).
    busy = _busy_slots(clinicians=clinicians[:pairs], rooms=rooms[:pairs], zone=zone)
    _place(plan.visits, busy=busy)
    _place(upcoming, busy=busy)

    Patient.objects.bulk_create(plan.patients, batch_size=BATCH)
    for scar, patient in zip(plan.scars, plan.scar_patient, strict=True):
        scar.patient = plan.patients[patient]
    Scar.objects.bulk_create(plan.scars, batch_size=BATCH)

    consents = []
    for patient in plan.patients:
        consents.append(
            Consent(
                patient=patient,
                covers_spray=True,
                covers_contact=True,
                signed_on=today - timedelta(days=3 * 365 + 30),
                text_version="CRYO-CONSENT-2025.1",
                recorded_by=admin,
            )
        )
    Consent.objects.bulk_create(consents, batch_size=BATCH)
    Consent.scars.through.objects.bulk_create(
        (
            Consent.scars.through(consent_id=consents[patient].pk, scar_id=scar.pk)
            for scar, patient in zip(plan.scars, plan.scar_patient, strict=True)
        ),
        batch_size=BATCH,
    )

    assessments = []
    vss = {}
    for scar_index, day, step in plan.assessments:
        # Each later assessment is a little better than the one before.
        if scar_index not in vss:  # the baseline reading, drawn once per scar
            vss[scar_index] = (rng.randint(1, 3), rng.randint(0, 2), rng.randint(3, 5), rng.randint(2, 3))
        base = vss[scar_index]
        vascularity, pigmentation, pliability, height = (max(0, value - step) for value in base)
        assessments.append(
            ScarAssessment(
                scar=plan.scars[scar_index],
                assessed_on=day,
                assessor=clinicians[plan.clinician_of[plan.scar_patient[scar_index]]],
                length_mm=Decimal(rng.randint(10, 90)),
                width_mm=Decimal(rng.randint(3, 15)),
                height_mm=Decimal(max(1, 5 - step)),
                vss_vascularity=vascularity,
                vss_pigmentation=pigmentation,
                vss_pliability=pliability,
                vss_height=height,
                pain_score=rng.randint(0, 6),
                itch_score=rng.randint(0, 8),
            )
        )
    ScarAssessment.objects.bulk_create(assessments, batch_size=BATCH)

    counts = {"sessions": 0, "adverse events": 0}
    for visits, status in ((plan.visits, AppointmentStatus.COMPLETED), (upcoming, AppointmentStatus.SCHEDULED)):
        appointments = []
        for visit in visits:
            starts = _starts_at(visit, zone)
            appointments.append(
                Appointment(
                    patient=plan.patients[visit.patient],
                    clinician=clinicians[visit.clinician],
                    room=rooms[visit.clinician],
                    starts_at=starts,
                    ends_at=starts + timedelta(minutes=VISIT_MINUTES),
                    status=status,
                    booked_by=admin,
                )
            )
        Appointment.objects.bulk_create(appointments, batch_size=BATCH)
        AppointmentScar.objects.bulk_create(
            (
                AppointmentScar(appointment=appointment, scar=plan.scars[scar], technique="contact")
                for appointment, visit in zip(appointments, visits, strict=True)
                for scar in visit.scars
            ),
            batch_size=BATCH,
        )
        if status != AppointmentStatus.COMPLETED:
            continue
        sessions = []
        for appointment, visit in zip(appointments, visits, strict=True):
            for scar in visit.scars:
                sessions.append(
                    TreatmentSession(
                        appointment=appointment,
                        scar=plan.scars[scar],
                        performed_on=visit.day,
                        technique="contact",
                        applicator="cotton-tipped applicator",
                        freeze_seconds=rng.choice((10, 15, 20, 25)),
                        cycles=rng.choice((1, 2, 2, 3)),
                        thaw_seconds=45,
                        **CHECKLIST_DONE,
                        immediate_reaction="Erythema and mild oedema",
                        observation_minutes=30,
                        completed_at=appointment.ends_at,
                        completed_by=appointment.clinician,
                    )
                )
        TreatmentSession.objects.bulk_create(sessions, batch_size=BATCH)
        events = []
        for session in sessions:
            if rng.random() < 0.08:
                code = rng.choice((AdverseEvent.BLISTER, AdverseEvent.HYPOPIGMENTATION, AdverseEvent.INFECTION))
                resolved = rng.random() < 0.9
                events.append(
                    SessionAdverseEvent(
                        session=session,
                        code=code,
                        onset_on=session.performed_on + timedelta(days=1),
                        severity="mild",
                        resolved_on=session.performed_on + timedelta(days=14) if resolved else None,
                        recorded_by=session.completed_by,
                    )
                )
        SessionAdverseEvent.objects.bulk_create(events, batch_size=BATCH)
        counts["sessions"] = len(sessions)
        counts["adverse events"] = len(events)

    scar_ids = [scar.pk for scar in plan.scars]
    for start in range(0, len(scar_ids), BATCH):
        scars_last_freeze_refresh(scar_ids[start : start + BATCH])
    # The planner's statistics, as autovacuum would update them later: without them PostgreSQL
    # plans the fresh tables as nearly empty.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "patients": len(plan.patients),
        "scars": len(plan.scars),
        "assessments": len(assessments),
        "visits": len(plan.visits),
        **counts,
        "upcoming visits": len(upcoming),
        "clinicians": len(clinicians),
        "rooms": len(rooms),
    }
