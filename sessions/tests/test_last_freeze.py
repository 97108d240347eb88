"""Each scar's stored `last_freeze_on` follows its treatment records through every service that
changes them, and always equals the date recomputed from the history (RULES.md §2a.2)."""

import datetime
import io

import pytest
from django.core.management import call_command

from patients.models import Scar
from patients.tests.factories import ScarAssessmentFactory, ScarFactory
from protocols.services import clinic_parameters
from sessions import services, worklist
from sessions.selectors import freezes, last_freeze_on
from sessions.tests.factories import AppointmentScarFactory, TreatmentSessionFactory, all_clear

TODAY = datetime.date(2026, 11, 22)
VISIT = datetime.datetime(2026, 11, 22, 10, 0, tzinfo=datetime.UTC)


def stored(scar) -> datetime.date | None:
    return Scar.objects.values_list("last_freeze_on", flat=True).get(pk=scar.pk)


def assert_matches_history(scar) -> None:
    assert stored(scar) == last_freeze_on(scar.pk)
    # The clinician kept alongside is that of the last freeze's visit.
    last = freezes().filter(scar=scar).order_by("-performed_on", "-pk").first()
    stored_by = Scar.objects.values_list("last_freeze_by", flat=True).get(pk=scar.pk)
    assert stored_by == (last.appointment.clinician_id if last else None)


@pytest.fixture
def earlier(scar, clinician):
    """The scar was assessed, and treated and signed on 2026-10-25."""
    ScarAssessmentFactory(scar=scar, assessor=clinician, assessed_on=datetime.date(2026, 10, 20))
    TreatmentSessionFactory(scar=scar, performed_on=datetime.date(2026, 10, 25), completed_by=clinician)
    return scar


@pytest.fixture
def checked_in(earlier, clinician):
    planned = AppointmentScarFactory(scar=earlier, appointment__clinician=clinician, appointment__starts_at=VISIT)
    appointment = planned.appointment
    services.appointment_check_in(
        appointment=appointment,
        user=clinician,
        scars_today=all_clear(appointment),
        pregnancy_status="no",
        today=TODAY,
        override_reason="Patient travels next month",
    )
    return appointment


def _record_freeze(appointment, clinician, **values):
    session = appointment.treatments.get()
    data = {"freeze_seconds": 20, "cycles": 2, **values}
    return services.treatment_update(session=session, data=data, parameters=clinic_parameters(), user=clinician)


def test_a_recorded_freeze_moves_it_before_signing(checked_in, clinician, earlier):
    assert stored(earlier) == datetime.date(2026, 10, 25)  # checked in: nothing frozen yet
    _record_freeze(checked_in, clinician)
    assert stored(earlier) == TODAY
    assert_matches_history(earlier)


def test_clearing_the_freeze_before_signing_moves_it_back(checked_in, clinician, earlier):
    _record_freeze(checked_in, clinician)
    _record_freeze(checked_in, clinician, freeze_seconds=None, cycles=None)
    assert stored(earlier) == datetime.date(2026, 10, 25)
    assert_matches_history(earlier)


def test_signing_keeps_it_on_the_day(checked_in, clinician, earlier):
    _record_freeze(
        checked_in,
        clinician,
        thaw_seconds=50,
        immediate_reaction="Erythema",
        observation_minutes=30,
        started_at=datetime.time(10, 0),
        ended_at=datetime.time(10, 20),
        **dict.fromkeys(services.CHECKLIST, True),
    )
    services.appointment_complete(appointment=checked_in, user=clinician)
    assert stored(earlier) == TODAY
    assert_matches_history(earlier)


def test_a_record_entered_in_error_no_longer_counts(checked_in, clinician, earlier):
    session = _record_freeze(checked_in, clinician)
    services.treatment_mark_entered_in_error(session=session, reason="Recorded on the wrong patient", user=clinician)
    assert stored(earlier) == datetime.date(2026, 10, 25)
    assert_matches_history(earlier)


def test_cancelling_a_visit_in_progress_without_a_freeze_leaves_it(checked_in, clinician, earlier):
    services.appointment_cancel(appointment=checked_in, user=clinician, reason="Patient felt faint")
    assert stored(earlier) == datetime.date(2026, 10, 25)
    assert_matches_history(earlier)


def test_the_worklist_reads_the_stored_date(checked_in, clinician, earlier):
    """An unsigned freeze today is the last session: the scar is not due until its new window."""
    now = datetime.datetime(2026, 11, 22, 18, tzinfo=datetime.UTC)  # after the visit: it is no longer "booked"
    assert earlier.pk in {s.pk for s in worklist.due_scars(today=TODAY, now=now)}  # window from 2026-10-25
    _record_freeze(checked_in, clinician)
    assert earlier.pk not in {s.pk for s in worklist.due_scars(today=TODAY, now=now)}


def test_after_seed_demo_every_scar_matches_its_history(db):
    call_command("seed_demo", force=True, stdout=io.StringIO())
    scars = list(Scar.objects.all())
    assert scars and any(s.last_freeze_on for s in scars)
    assert {s.pk: s.last_freeze_on for s in scars} == {s.pk: last_freeze_on(s.pk) for s in scars}


def test_a_scar_without_a_session_has_none(db):
    scar = ScarFactory()
    assert stored(scar) is None and last_freeze_on(scar.pk) is None
