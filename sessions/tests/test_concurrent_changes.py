"""Two people changing one appointment at the same moment (PostgreSQL, real threads and connections).

Each status change locks the appointment's row and checks the transition on what is in the
database then: the second of two conflicting changes waits for the first and is refused with a
message, never a server error, and the visit always ends in a state that one order of the two
changes would give. Repeated, because which thread wins varies from run to run.
"""

import datetime
import threading

import pytest
from django.db import connection, connections, transaction

from patients.tests.factories import ScarAssessmentFactory, ScarFactory
from protocols.engine import DEFAULT_PARAMETERS
from sessions import services
from sessions.models import AppointmentStatus, TreatmentSession
from sessions.tests.factories import AppointmentScarFactory, ClinicianFactory, all_clear

TODAY = datetime.date(2026, 11, 22)
VISIT = datetime.datetime(2026, 11, 22, 10, 0, tzinfo=datetime.UTC)
RECORD = {
    "freeze_seconds": 20,
    "cycles": 2,
    "observation_minutes": 30,
    "immediate_reaction": "Erythema",
    "started_at": datetime.time(10, 0),
    "ended_at": datetime.time(10, 20),
    **dict.fromkeys(services.CHECKLIST, True),
}

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://...)")


def _at_once(*changes) -> list[str]:
    """Run each change in its own thread and connection, all released together; "ok" or the refusal."""
    barrier = threading.Barrier(len(changes))
    outcomes: dict[int, str] = {}

    def run(index, change):
        try:
            barrier.wait(timeout=10)
            change()
            outcomes[index] = "ok"
        except services.ScheduleError as refused:
            outcomes[index] = "refused"
            assert refused.message
        except Exception as error:  # anything else would reach the user as a server error
            outcomes[index] = f"error: {error!r}"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, change)) for i, change in enumerate(changes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return [outcomes.get(i, "hung") for i in range(len(changes))]


def _visit(*, scars: int = 1):
    clinician = ClinicianFactory()
    first = AppointmentScarFactory(scar=ScarFactory(), appointment__clinician=clinician, appointment__starts_at=VISIT)
    appointment = first.appointment
    for _ in range(scars - 1):
        AppointmentScarFactory(appointment=appointment, scar=ScarFactory(patient=appointment.patient))
    for planned in appointment.planned.all():
        ScarAssessmentFactory(scar=planned.scar, assessor=clinician, assessed_on=datetime.date(2026, 11, 1))
    return appointment, clinician


def _check_in(appointment, user):
    return lambda: services.appointment_check_in(
        appointment=appointment, user=user, scars_today=all_clear(appointment), pregnancy_status="no", today=TODAY
    )


def _cancel(appointment, user):
    return lambda: services.appointment_cancel(appointment=appointment, user=user, reason="Patient phoned in ill")


@pytest.mark.parametrize("attempt", range(5))
def test_two_clinicians_checking_in_at_once_open_the_records_once(attempt):
    appointment, clinician = _visit(scars=2)
    other = ClinicianFactory()
    outcomes = _at_once(_check_in(appointment, clinician), _check_in(appointment, other))
    assert sorted(outcomes) == ["ok", "refused"]
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CHECKED_IN
    assert TreatmentSession.objects.filter(appointment=appointment).count() == 2


@pytest.mark.parametrize("attempt", range(5))
def test_check_in_and_cancel_at_once_end_as_one_order_of_the_two(attempt):
    appointment, clinician = _visit()
    check_in, cancel = _at_once(_check_in(appointment, clinician), _cancel(appointment, clinician))
    appointment.refresh_from_db()
    records = TreatmentSession.objects.filter(appointment=appointment)
    if check_in == "ok":  # checked in first; a visit in progress may still be cancelled
        assert cancel == "ok" and appointment.status == AppointmentStatus.CANCELLED
        assert records.count() == 1 and not records.filter(completed_at__isnull=False).exists()
    else:  # cancelled first: nothing to check in
        assert (check_in, cancel) == ("refused", "ok")
        assert appointment.status == AppointmentStatus.CANCELLED and not records.exists()


@pytest.mark.parametrize("attempt", range(5))
def test_complete_and_cancel_at_once_never_leave_a_cancelled_visit_with_a_signed_record(attempt):
    """A recorded freeze is signed, never cancelled: whichever comes first, the visit ends signed."""
    appointment, clinician = _visit()
    services.appointment_check_in(
        appointment=appointment, user=clinician, scars_today=all_clear(appointment), pregnancy_status="no", today=TODAY
    )
    session = TreatmentSession.objects.get(appointment=appointment)
    services.treatment_update(session=session, data=RECORD, parameters=DEFAULT_PARAMETERS, user=clinician)
    complete = lambda: services.appointment_complete(appointment=appointment, user=clinician)  # noqa: E731
    outcomes = _at_once(complete, _cancel(appointment, clinician))
    assert outcomes == ["ok", "refused"]
    appointment.refresh_from_db()
    session.refresh_from_db()
    assert appointment.status == AppointmentStatus.COMPLETED and session.locked


def test_each_change_is_recorded_as_made_by_the_user_passed_in():
    appointment, clinician = _visit()
    with transaction.atomic():
        services.appointment_check_in(
            appointment=appointment,
            user=clinician,
            scars_today=all_clear(appointment),
            pregnancy_status="no",
            today=TODAY,
        )
    assert appointment.history.first().history_user == clinician
