"""The slot finder: free (clinician, room) slots inside a date range, earliest first.

A slot lies within the clinic's opening hours and the clinician's working hours, on a day that
is not a clinic closure or the clinician's day off, and overlaps no active appointment of the
clinician, the room or the patient.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q

from clinic.models import Clinic, Closure, OpeningHours, Room, WorkingHours
from patients.roles import clinician_users, person_name
from sessions.models import ACTIVE_STATUSES, Appointment


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    ends_at: datetime
    clinician: object
    room: Room


def _overlaps(busy: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> bool:
    return any(b_start < end and start < b_end for b_start, b_end in busy)


def _intersect(a: tuple[time, time], b: tuple[time, time]) -> tuple[time, time] | None:
    start, end = max(a[0], b[0]), min(a[1], b[1])
    return (start, end) if start < end else None


def _spans_text(spans: list[tuple[time, time]]) -> str:
    return ", ".join(f"{start:%H:%M}–{end:%H:%M}" for start, end in sorted(spans)) or "none"


def schedule_problem(*, clinician, starts_at: datetime, minutes: int) -> str | None:
    """Why a time typed in by hand is not in the schedule, or None: the same rules as the slot finder.

    The visit must fall on a day the clinic is open and the clinician is not off, within one span of
    the clinic's opening hours and one of the clinician's working hours, in the clinic's time zone.
    """
    zone = Clinic.current().zone
    start = starts_at.astimezone(zone)
    end = start + timedelta(minutes=minutes)
    day = start.date()
    name = person_name(clinician)
    for closure in Closure.objects.filter(starts_on__lte=day, ends_on__gte=day).filter(
        Q(clinician__isnull=True) | Q(clinician=clinician)
    ):
        who = "The clinic is closed" if closure.clinician_id is None else f"{name} is off"
        return f"{who} on {day:%A %-d %B %Y} ({closure.reason})."
    if end.date() != day:
        return "A visit must end on the day it starts."
    weekday = day.weekday()
    opening = [(h.opens, h.closes) for h in OpeningHours.objects.filter(weekday=weekday)]
    if not any(opens <= start.time() and end.time() <= closes for opens, closes in opening):
        return f"Outside the clinic's opening hours on {day:%A}s ({_spans_text(opening)})."
    working = [(h.starts, h.ends) for h in WorkingHours.objects.filter(clinician=clinician, weekday=weekday)]
    if not any(begins <= start.time() and end.time() <= ends for begins, ends in working):
        return f"Outside {name}'s working hours on {day:%A}s ({_spans_text(working)})."
    return None


def find_slots(
    *,
    patient,
    earliest: date,
    latest: date,
    minutes: int,
    now: datetime,
    clinician=None,
    limit: int = 10,
) -> list[Slot]:
    clinic = Clinic.current()
    zone = clinic.zone
    step = timedelta(minutes=clinic.slot_step_minutes)
    length = timedelta(minutes=minutes)
    first_day = max(earliest, now.astimezone(zone).date())
    if first_day > latest:
        return []

    clinicians = clinician_users()
    if clinician is not None:
        clinicians = clinicians.filter(pk=clinician.pk)
    clinicians = list(clinicians)
    rooms = list(Room.objects.filter(active=True).order_by("name"))
    if not clinicians or not rooms:
        return []

    opening = defaultdict(list)
    for hours in OpeningHours.objects.all():
        opening[hours.weekday].append((hours.opens, hours.closes))
    working = defaultdict(list)
    for hours in WorkingHours.objects.filter(clinician__in=clinicians):
        working[(hours.clinician_id, hours.weekday)].append((hours.starts, hours.ends))

    closed_days: set[date] = set()
    days_off: dict[int, set[date]] = defaultdict(set)
    for closure in Closure.objects.filter(starts_on__lte=latest, ends_on__gte=first_day):
        day = max(closure.starts_on, first_day)
        while day <= min(closure.ends_on, latest):
            (days_off[closure.clinician_id] if closure.clinician_id else closed_days).add(day)
            day += timedelta(days=1)

    range_start = datetime.combine(first_day, time.min, tzinfo=zone)
    range_end = datetime.combine(latest + timedelta(days=1), time.min, tzinfo=zone)
    busy_clinician, busy_room, busy_patient = defaultdict(list), defaultdict(list), []
    for appt in Appointment.objects.filter(
        starts_at__lt=range_end, ends_at__gt=range_start, status__in=ACTIVE_STATUSES
    ).only("starts_at", "ends_at", "clinician_id", "room_id", "patient_id"):
        span = (appt.starts_at, appt.ends_at)
        busy_clinician[appt.clinician_id].append(span)
        busy_room[appt.room_id].append(span)
        if appt.patient_id == patient.pk:
            busy_patient.append(span)

    slots: list[Slot] = []
    day = first_day
    while day <= latest and len(slots) < limit:
        if day not in closed_days:
            day_slots: list[Slot] = []
            for person in clinicians:
                if day in days_off[person.pk]:
                    continue
                for open_span in opening[day.weekday()]:
                    for work_span in working[(person.pk, day.weekday())]:
                        span = _intersect(open_span, work_span)
                        if span is None:
                            continue
                        start = datetime.combine(day, span[0], tzinfo=zone)
                        end_of_span = datetime.combine(day, span[1], tzinfo=zone)
                        while start + length <= end_of_span:
                            end = start + length
                            if (
                                start > now
                                and not _overlaps(busy_clinician[person.pk], start, end)
                                and not _overlaps(busy_patient, start, end)
                            ):
                                room = next((r for r in rooms if not _overlaps(busy_room[r.pk], start, end)), None)
                                if room is not None:
                                    day_slots.append(Slot(start, end, person, room))
                            start += step
            day_slots.sort(key=lambda s: (s.starts_at, s.clinician.last_name, s.clinician.username))
            slots.extend(day_slots)
        day += timedelta(days=1)
    return slots[:limit]


def free_room(*, starts_at: datetime, minutes: int) -> Room | None:
    """The first active room (by name) with nothing booked over the time: what a time clicked on a
    calendar by clinician books, unless someone chooses another."""
    ends_at = starts_at + timedelta(minutes=minutes)
    busy = Appointment.objects.filter(
        starts_at__lt=ends_at, ends_at__gt=starts_at, status__in=ACTIVE_STATUSES
    ).values_list("room_id", flat=True)
    return Room.objects.filter(active=True).exclude(pk__in=list(busy)).order_by("name").first()
