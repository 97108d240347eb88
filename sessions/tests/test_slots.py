import datetime

import pytest

from clinic.models import Clinic, Closure, OpeningHours, WorkingHours
from sessions.slots import find_slots
from sessions.tests.factories import AppointmentFactory, RoomFactory

UTC = datetime.UTC
MONDAY = datetime.date(2027, 3, 1)
NOW = datetime.datetime(2027, 2, 20, 12, tzinfo=UTC)


@pytest.fixture
def clinic(db, clinician):
    Clinic.objects.update_or_create(
        pk=1, defaults={"time_zone": "UTC", "slot_step_minutes": 30, "default_visit_minutes": 30}
    )
    for weekday in range(5):
        OpeningHours.objects.create(weekday=weekday, opens=datetime.time(9), closes=datetime.time(12))
        WorkingHours.objects.create(
            clinician=clinician, weekday=weekday, starts=datetime.time(10), ends=datetime.time(17)
        )
    return RoomFactory(name="Room A")


def test_slots_lie_inside_opening_and_working_hours_earliest_first(clinic, patient, clinician):
    slots = find_slots(patient=patient, earliest=MONDAY, latest=MONDAY, minutes=30, now=NOW)
    assert [s.starts_at.time() for s in slots] == [
        datetime.time(10),
        datetime.time(10, 30),
        datetime.time(11),
        datetime.time(11, 30),
    ]
    assert all(s.clinician == clinician for s in slots)


def test_weekend_and_clinic_closures_have_no_slots(clinic, patient):
    Closure.objects.create(starts_on=MONDAY, ends_on=MONDAY, reason="Bank holiday")
    slots = find_slots(
        patient=patient,
        earliest=MONDAY - datetime.timedelta(days=2),
        latest=MONDAY + datetime.timedelta(days=1),
        minutes=30,
        now=NOW,
    )
    assert {s.starts_at.date() for s in slots} == {MONDAY + datetime.timedelta(days=1)}


def test_a_clinicians_day_off_has_no_slots_for_them(clinic, patient, clinician):
    Closure.objects.create(starts_on=MONDAY, ends_on=MONDAY, clinician=clinician, reason="Training")
    assert find_slots(patient=patient, earliest=MONDAY, latest=MONDAY, minutes=30, now=NOW) == []


def test_busy_clinician_room_or_patient_times_are_skipped(clinic, patient, clinician):
    AppointmentFactory(
        clinician=clinician,
        room=clinic,
        starts_at=datetime.datetime(2027, 3, 1, 10, tzinfo=UTC),
        ends_at=datetime.datetime(2027, 3, 1, 11, tzinfo=UTC),
    )
    slots = find_slots(patient=patient, earliest=MONDAY, latest=MONDAY, minutes=30, now=NOW)
    assert [s.starts_at.time() for s in slots] == [datetime.time(11), datetime.time(11, 30)]


def test_cancelled_appointments_free_their_time(clinic, patient, clinician):
    AppointmentFactory(
        clinician=clinician,
        room=clinic,
        status="cancelled",
        cancel_reason="ill",
        starts_at=datetime.datetime(2027, 3, 1, 10, tzinfo=UTC),
        ends_at=datetime.datetime(2027, 3, 1, 12, tzinfo=UTC),
    )
    assert len(find_slots(patient=patient, earliest=MONDAY, latest=MONDAY, minutes=30, now=NOW)) == 4


def test_no_slot_in_the_past(clinic, patient):
    now = datetime.datetime(2027, 3, 1, 11, 15, tzinfo=UTC)
    slots = find_slots(patient=patient, earliest=MONDAY, latest=MONDAY, minutes=30, now=now)
    assert [s.starts_at.time() for s in slots] == [datetime.time(11, 30)]


def test_slot_times_follow_the_clinic_time_zone(clinic, patient):
    Clinic.objects.filter(pk=1).update(time_zone="Europe/Madrid")
    slots = find_slots(patient=patient, earliest=MONDAY, latest=MONDAY, minutes=30, now=NOW)
    assert slots[0].starts_at.astimezone(UTC).time() == datetime.time(9)  # 10:00 in Madrid (CET, UTC+1)
