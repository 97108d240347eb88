"""How the app builds the engine's facts (RULES.md §2a, v1.1): each rule built in the database and
read back through `facts_for` and the engine's decision, never a hand-written document."""

import datetime

import pytest

from clinic.models import Clinic
from patients.tests.factories import ScarAssessmentFactory, ScarFactory
from protocols.engine import evaluate
from sessions import services
from sessions.facts import facts_for
from sessions.models import SessionAdverseEvent
from sessions.tests.factories import AppointmentScarFactory, TreatmentSessionFactory

DAY = datetime.date(2026, 12, 1)
UTC = datetime.UTC


@pytest.fixture
def assessed_scar(scar, clinician):
    ScarAssessmentFactory(scar=scar, assessor=clinician, assessed_on=datetime.date(2026, 10, 1))
    return scar


def _codes(facts: dict) -> list[str]:
    return [f["code"] for f in evaluate(facts)["findings"]]


# 1. The session being decided is never part of its own history.


def test_the_visit_being_decided_is_left_out_of_its_own_history(assessed_scar, clinician):
    session = TreatmentSessionFactory(scar=assessed_scar, performed_on=DAY, unsigned=True, freeze_seconds=20, cycles=2)
    visit = session.appointment
    assert [h["date"] for h in facts_for(assessed_scar, DAY, "contact")["history"]] == ["2026-12-01"]
    deciding = facts_for(assessed_scar, DAY, "contact", "treat", exclude_appointment=visit)
    assert deciding["history"] == [] and "REL-12" not in _codes(deciding)


# 2. A freeze that was performed counts, signed or not; a cancelled visit keeps its adverse events.


def test_an_unsigned_record_with_a_freeze_counts_as_a_completed_session(assessed_scar):
    TreatmentSessionFactory(scar=assessed_scar, performed_on=DAY, unsigned=True, freeze_seconds=15, cycles=1)
    facts = facts_for(assessed_scar, DAY, "contact")
    assert facts["history"][0]["status"] == "completed"
    assert "REL-12" in _codes(facts)  # a second freeze the same day is 0 days after the first


def test_an_unsigned_record_without_a_freeze_does_not_count(assessed_scar):
    TreatmentSessionFactory(scar=assessed_scar, performed_on=DAY, unsigned=True)
    assert facts_for(assessed_scar, DAY, "contact")["history"] == []


def test_a_visit_cancelled_after_check_in_keeps_its_adverse_events(assessed_scar, clinician):
    session = TreatmentSessionFactory(scar=assessed_scar, performed_on=datetime.date(2026, 11, 20), unsigned=True)
    appointment = session.appointment
    appointment.status, appointment.cancel_reason = "cancelled", "fainted before the freeze"
    appointment.save()
    AppointmentScarFactory(appointment=appointment, scar=assessed_scar)  # what the visit planned
    SessionAdverseEvent.objects.create(session=session, code="urticaria", recorded_by=clinician)
    [entry] = facts_for(assessed_scar, DAY, "contact")["history"]
    assert entry["status"] == "cancelled" and entry["adverse_events"] == [{"code": "urticaria", "resolved": False}]


# 3. A reaction on one scar protects every scar.


def test_urticaria_on_another_scar_blocks_this_one(assessed_scar, clinician):
    other = ScarFactory(patient=assessed_scar.patient)
    session = TreatmentSessionFactory(scar=other, performed_on=datetime.date(2026, 11, 2))
    services.adverse_event_add(session=session, code="urticaria", note="hives", user=clinician)
    facts = facts_for(assessed_scar, DAY, "contact")
    assert "cryotherapy_hypersensitivity" in facts["patient"]["conditions"]
    assert evaluate(facts)["outcome"] == "blocked" and "ABS-06" in _codes(facts)


# 4. Resolved means resolved by then.


@pytest.mark.parametrize(("resolved_on", "resolved"), [(DAY, True), (DAY + datetime.timedelta(days=1), False)])
def test_an_adverse_event_is_resolved_only_from_its_resolution_date(assessed_scar, clinician, resolved_on, resolved):
    session = TreatmentSessionFactory(scar=assessed_scar, performed_on=datetime.date(2026, 11, 2))
    SessionAdverseEvent.objects.create(
        session=session, code="infection", resolved_on=resolved_on, recorded_by=clinician
    )
    facts = facts_for(assessed_scar, DAY, "contact")
    assert facts["history"][0]["adverse_events"] == [{"code": "infection", "resolved": resolved}]
    assert ("ADV-01" in _codes(facts)) is not resolved


# 5. "Not pregnant" goes stale.


@pytest.mark.parametrize(
    ("status", "confirmed_days_before", "pregnant"),
    [("no", 30, False), ("no", 31, None), ("no", None, None), ("yes", 400, True), ("unknown", 1, None)],
)
def test_a_not_pregnant_status_holds_for_the_protocols_number_of_days(
    assessed_scar, status, confirmed_days_before, pregnant
):
    patient = assessed_scar.patient
    patient.pregnancy_status = status
    patient.pregnancy_confirmed_on = (
        None if confirmed_days_before is None else DAY - datetime.timedelta(days=confirmed_days_before)
    )
    patient.save()
    facts = facts_for(assessed_scar, DAY, "contact")
    assert facts["patient"]["pregnant"] is pregnant
    assert ("WRN-10" in _codes(facts)) is (pregnant is None)  # a female patient aged 41


# 8. Dates are the clinic's dates.


def test_a_cancelled_visits_date_is_the_clinics_date(assessed_scar):
    clinic = Clinic.current()
    clinic.time_zone = "Pacific/Auckland"  # 13 hours ahead of UTC in December
    clinic.save()
    AppointmentScarFactory(
        scar=assessed_scar,
        appointment__starts_at=datetime.datetime(2026, 11, 30, 20, 0, tzinfo=UTC),
        appointment__status="cancelled",
        appointment__cancel_reason="storm",
    )
    [entry] = facts_for(assessed_scar, DAY, "contact")["history"]
    assert entry == {"date": "2026-12-01", "status": "cancelled", "technique": "contact", "adverse_events": []}
