"""Alerts in the patient banner: every condition and medication a rule reads, as the engine sees it
today, with what the rules do — on the patient, scar, booking and visit pages."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from patients.tests.factories import ConditionFactory, MedicationFactory, ScarFactory
from sessions.alerts import patient_alerts
from sessions.models import SessionAdverseEvent
from sessions.tests.factories import AppointmentScarFactory, TreatmentSessionFactory

TODAY = datetime.date(2026, 11, 20)
pytestmark = pytest.mark.usefixtures("clock")


@pytest.fixture
def clock():
    with time_machine.travel(datetime.datetime(2026, 11, 20, 9, tzinfo=datetime.UTC), tick=False):
        yield


def _by_label(patient):
    return {a.label: a for a in patient_alerts(patient, today=TODAY)}


def test_raynaud_blocks_and_shows_on_every_patient_page(clinician_client, scar):
    ConditionFactory(patient=scar.patient, code="raynaud")
    visit = AppointmentScarFactory(scar=scar).appointment
    for url in (
        reverse("sessions:patient", args=[scar.patient.pk]),
        reverse("sessions:scar", args=[scar.pk]),
        reverse("sessions:book", args=[scar.pk]),
        reverse("sessions:appointment", args=[visit.pk]),
    ):
        body = clinician_client.get(url).content.decode()
        assert "Raynaud phenomenon</strong>" in body and "— blocks cryotherapy" in body, url
        assert 'href="/protocols/rules/#rule-ABS-05"' in body or "#rule-ABS-05" in body, url


def test_a_blood_thinner_needs_an_override_for_one_technique_and_warns_for_the_others(patient):
    MedicationFactory(patient=patient, code="anticoagulant", drug_name="apixaban 5 mg")
    alert = _by_label(patient)["Anticoagulant"]
    assert (alert.severity, alert.detail) == ("override", "apixaban 5 mg")
    assert [(e.code, e.severity) for e in alert.effects] == [("REL-06", "override"), ("WRN-05", "warn")]


def test_a_reaction_on_another_scar_shows_as_hypersensitivity(patient, clinician):
    other = ScarFactory(patient=patient, body_site="chest")
    session = TreatmentSessionFactory(scar=other, performed_on=datetime.date(2026, 10, 1))
    SessionAdverseEvent.objects.create(session=session, code="urticaria", recorded_by=clinician)
    alert = _by_label(patient)["Hypersensitivity to cryotherapy"]
    assert alert.severity == "block" and alert.detail == "from a reaction on an earlier session"
    assert "ABS-06" in [e.code for e in alert.effects]


def test_what_the_engine_does_not_read_is_not_an_alert(patient):
    ConditionFactory(patient=patient, code="diabetes", entered_in_error=True)
    MedicationFactory(patient=patient, code="anticoagulant", stopped_on=datetime.date(2026, 10, 1))
    MedicationFactory(patient=patient, code="immunosuppressant", started_on=datetime.date(2026, 12, 1))
    assert _by_label(patient) == {}


def test_isotretinoin_warns_for_a_year_after_it_stops(patient):
    MedicationFactory(patient=patient, code="isotretinoin", drug_name="", stopped_on=datetime.date(2026, 5, 1))
    alert = _by_label(patient)["Isotretinoin"]
    assert (alert.severity, alert.detail, [e.code for e in alert.effects]) == ("warn", "stopped 2026-05-01", ["WRN-04"])
    MedicationFactory(patient=patient, code="isotretinoin", stopped_on=datetime.date(2025, 10, 1))
    assert len(_by_label(patient)) == 1


def test_most_severe_first(patient):
    ConditionFactory(patient=patient, code="diabetes")
    ConditionFactory(patient=patient, code="cold_urticaria")
    MedicationFactory(patient=patient, code="immunosuppressant", drug_name="")
    assert [a.severity for a in patient_alerts(patient, today=TODAY)] == ["block", "override", "override"]
