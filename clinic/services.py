"""Writes to the clinic set-up: details, opening hours, rooms, closures, working hours.

Each service validates the row as the database will (`full_clean`), so a bad value comes back
as a ValidationError keyed by field rather than as an IntegrityError.
"""

from datetime import date, time

from django.core.exceptions import ValidationError
from django.db import transaction

from clinic.models import Clinic, Closure, OpeningHours, Room, WorkingHours


@transaction.atomic
def clinic_update(*, clinic: Clinic, data: dict) -> Clinic:
    for field, value in data.items():
        setattr(clinic, field, value)
    clinic.full_clean()
    clinic.save()
    return clinic


def _overlap_error(rows, *, start_field: str, end_field: str, start: time, end: time, message: str) -> None:
    """Two rows for the same day that overlap would double-count the same hours in the slot finder."""
    clash = rows.filter(**{f"{start_field}__lt": end, f"{end_field}__gt": start}).first()
    if clash is not None:
        raise ValidationError({start_field: f"{message} ({clash})."})


@transaction.atomic
def opening_hours_add(*, weekday: int, opens: time, closes: time) -> OpeningHours:
    hours = OpeningHours(weekday=weekday, opens=opens, closes=closes)
    hours.full_clean()
    _overlap_error(
        OpeningHours.objects.filter(weekday=weekday),
        start_field="opens",
        end_field="closes",
        start=opens,
        end=closes,
        message="These hours overlap opening hours already set for that day",
    )
    hours.save()
    return hours


@transaction.atomic
def room_add(*, name: str) -> Room:
    room = Room(name=name.strip())
    room.full_clean()
    room.save()
    return room


@transaction.atomic
def room_set_active(*, room: Room, active: bool) -> Room:
    """Rooms are never deleted: past appointments keep pointing at them."""
    room.active = active
    room.save(update_fields=["active"])
    return room


@transaction.atomic
def closure_add(*, starts_on: date, ends_on: date, reason: str, clinician=None) -> Closure:
    closure = Closure(starts_on=starts_on, ends_on=ends_on, reason=reason, clinician=clinician)
    closure.full_clean()
    closure.save()
    return closure


@transaction.atomic
def working_hours_add(*, clinician, weekday: int, starts: time, ends: time) -> WorkingHours:
    hours = WorkingHours(clinician=clinician, weekday=weekday, starts=starts, ends=ends)
    hours.full_clean()
    _overlap_error(
        WorkingHours.objects.filter(clinician=clinician, weekday=weekday),
        start_field="starts",
        end_field="ends",
        start=starts,
        end=ends,
        message="These hours overlap working hours already set for this clinician on that day",
    )
    hours.save()
    return hours


@transaction.atomic
def setup_row_remove(*, row: OpeningHours | Closure | WorkingHours) -> None:
    """Opening hours, closures and working hours are configuration, not clinical records: removing one deletes it."""
    row.delete()
