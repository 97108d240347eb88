"""No double booking, guaranteed by the database: two requests booking one slot at the same moment."""

import datetime
import threading

import pytest
from django.db import IntegrityError, connection, transaction

from patients.tests.factories import PatientFactory
from sessions.models import Appointment
from sessions.services import ScheduleError, appointment_slot_claim
from sessions.tests.factories import AppointmentFactory, ClinicianFactory, RoomFactory

START = datetime.datetime(2031, 5, 5, 10, tzinfo=datetime.UTC)


def test_overlapping_appointment_for_the_same_clinician_is_refused(db):
    first = AppointmentFactory(starts_at=START, ends_at=START + datetime.timedelta(minutes=30))
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(
            clinician=first.clinician,
            starts_at=START + datetime.timedelta(minutes=15),
            ends_at=START + datetime.timedelta(minutes=45),
        )


@pytest.mark.parametrize("shared", ["room", "patient"])
def test_overlapping_appointment_for_the_same_room_or_patient_is_refused(db, shared):
    first = AppointmentFactory(starts_at=START, ends_at=START + datetime.timedelta(minutes=30))
    with pytest.raises(IntegrityError), transaction.atomic():
        AppointmentFactory(
            **{shared: getattr(first, shared)}, starts_at=START, ends_at=START + datetime.timedelta(minutes=30)
        )


def test_back_to_back_and_cancelled_appointments_are_allowed(db):
    first = AppointmentFactory(starts_at=START, ends_at=START + datetime.timedelta(minutes=30))
    AppointmentFactory(
        clinician=first.clinician,
        starts_at=START + datetime.timedelta(minutes=30),
        ends_at=START + datetime.timedelta(minutes=60),
    )
    first.status, first.cancel_reason = "cancelled", "patient ill"
    first.save()
    AppointmentFactory(clinician=first.clinician, starts_at=START, ends_at=START + datetime.timedelta(minutes=30))
    assert Appointment.objects.count() == 3


@pytest.mark.postgres
@pytest.mark.parametrize("attempt", range(5))
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_bookings_of_one_slot_leave_exactly_one(attempt):
    """Both requests hold an open transaction and claim the same clinician and room at once.

    Repeated, because PostgreSQL may resolve the race either by making one wait for the other or
    by aborting one of them as a deadlock (each has checked one exclusion constraint the other
    needs); the service must turn both into a plain "slot taken" refusal.
    """
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://...)")
    clinician = ClinicianFactory()
    room = RoomFactory()
    patients = [PatientFactory(), PatientFactory()]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def book(patient):
        from django.db import connections

        try:
            with transaction.atomic():
                appointment = Appointment(
                    patient=patient,
                    clinician=clinician,
                    room=room,
                    starts_at=START,
                    ends_at=START + datetime.timedelta(minutes=30),
                    booked_by=clinician,
                )
                barrier.wait(timeout=10)  # both transactions are open before either inserts
                appointment_slot_claim(appointment)
            outcomes.append("booked")
        except ScheduleError as refused:
            outcomes.append(f"refused: {refused.field}")
        except Exception as error:  # anything else would reach the user as a server error
            outcomes.append(f"error: {error!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=(p,)) for p in patients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["booked", "refused: starts_at"]
    assert Appointment.objects.filter(starts_at=START).count() == 1
