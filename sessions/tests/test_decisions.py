"""The engine on a scar's records: facts from the database, the eligibility panel, overrides."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from patients.tests.factories import ConditionFactory, MedicationFactory, ScarAssessmentFactory
from protocols.engine import RULESET, evaluate
from protocols.models import Evaluation, Override, ProtocolParameters
from sessions import decisions
from sessions.facts import facts_for
from sessions.tests.factories import AppointmentScarFactory, TreatmentSessionFactory

DAY = datetime.date(2026, 12, 1)


def test_facts_for_reads_the_record(scar, clinician):
    patient = scar.patient
    patient.pregnancy_confirmed_on = datetime.date(2026, 11, 20)  # "not pregnant", confirmed 11 days before
    patient.save()
    ConditionFactory(patient=patient, code="diabetes")
    ConditionFactory(patient=patient, code="raynaud", entered_in_error=True)
    MedicationFactory(patient=patient, code="isotretinoin", stopped_on=datetime.date(2026, 6, 1))
    MedicationFactory(patient=patient, code="anticoagulant", started_on=datetime.date(2027, 1, 1))  # not yet
    ScarAssessmentFactory(scar=scar, assessor=clinician, assessed_on=datetime.date(2026, 10, 1), height_mm=4)
    ScarAssessmentFactory(
        scar=scar,
        assessor=clinician,
        assessed_on=datetime.date(2026, 11, 20),
        height_mm=3,
        site_findings=["inflammation"],
    )
    ScarAssessmentFactory(scar=scar, assessor=clinician, assessed_on=datetime.date(2026, 11, 25), entered_in_error=True)
    TreatmentSessionFactory(scar=scar, performed_on=datetime.date(2026, 11, 2), completed_by=clinician)
    cancelled = AppointmentScarFactory(scar=scar, appointment__status="cancelled", appointment__cancel_reason="ill")

    facts = facts_for(scar, DAY, "contact", "treat")

    assert facts["patient"]["conditions"] == ["diabetes"]
    assert facts["patient"]["medications"] == [{"code": "isotretinoin", "stopped": "2026-06-01"}]
    assert facts["patient"]["pregnant"] is False and facts["patient"]["consent"] is True
    assert facts["scar"]["height_mm"] == 3.0 and facts["scar"]["site_findings"] == ["inflammation"]
    assert [a["date"] for a in facts["assessments"]] == ["2026-10-01", "2026-11-20"]
    assert facts["history"][0] == {
        "date": "2026-11-02",
        "status": "completed",
        "technique": "contact",
        "adverse_events": [],
    }
    assert facts["history"][1]["status"] == "cancelled"
    assert cancelled.appointment.status == "cancelled"
    assert evaluate(facts)["outcome"] == "blocked"  # ABS-07: inflammation on the latest examination


def test_unsigned_session_is_not_a_completed_one(scar, clinician):
    ScarAssessmentFactory(scar=scar, assessor=clinician)
    TreatmentSessionFactory(scar=scar, unsigned=True)
    assert facts_for(scar, DAY, "contact")["history"] == []


def test_changed_parameters_are_used_and_recorded(scar, clinician):
    ScarAssessmentFactory(scar=scar, assessor=clinician, assessed_on=datetime.date(2026, 10, 20))
    TreatmentSessionFactory(scar=scar, performed_on=datetime.date(2026, 11, 2), completed_by=clinician)
    ProtocolParameters.objects.update_or_create(pk=1, defaults={"min_interval_days": 28, "max_interval_days": 56})
    _, decision = decisions.scar_decision(scar=scar, on_date=datetime.date(2026, 11, 26), technique="contact")
    assert decision["window"] == {"earliest": "2026-11-30", "latest": "2026-12-28"}
    assert decision["parameters"]["min_interval_days"] == 28
    assert "REL-12" in [f["code"] for f in decision["findings"]]


@pytest.fixture
def early_scar(scar, clinician):
    """Treated 2026-11-02: a session on 2026-11-16 is too early (REL-12, needs an override)."""
    ScarAssessmentFactory(scar=scar, assessor=clinician, assessed_on=datetime.date(2026, 10, 20))
    TreatmentSessionFactory(scar=scar, performed_on=datetime.date(2026, 11, 2), completed_by=clinician)
    return scar


def _override(client, scar, reason, on="2026-11-16"):
    return client.post(
        reverse("sessions:scar", args=[scar.pk]),
        {"on": on, "technique": "contact", "stage": "schedule", "reason": reason},
    )


def test_override_with_a_reason_is_stored_with_the_decision(clinician_client, clinician, early_scar):
    response = _override(clinician_client, early_scar, "Leaves the country on Friday")
    assert response.status_code == 302
    override = Override.objects.get()
    evaluation = override.evaluation
    assert (override.created_by, override.reason) == (clinician, "Leaves the country on Friday")
    assert evaluation.outcome == "needs_override" and evaluation.ruleset == RULESET
    assert evaluation.facts["on_date"] == "2026-11-16" and evaluation.parameters["min_interval_days"] == 21
    page = clinician_client.get(reverse("sessions:scar", args=[early_scar.pk]))
    assert "Leaves the country on Friday" in page.content.decode()


def test_short_reason_is_refused_on_the_field_and_nothing_is_stored(clinician_client, early_scar):
    response = _override(clinician_client, early_scar, "too short")
    assert response.status_code == 200
    assert "reason" in response.context["override_form"].errors
    assert not Override.objects.exists() and not Evaluation.objects.exists()


def test_a_block_cannot_be_overridden_by_anyone(clinician_client, early_scar):
    ConditionFactory(patient=early_scar.patient, code="cryoglobulinemia")
    response = _override(clinician_client, early_scar, "The patient insists strongly")
    assert "cannot be overridden" in response.content.decode()
    assert not Override.objects.exists() and not Evaluation.objects.exists()


def test_eligible_decision_needs_no_override(clinician_client, early_scar):
    response = _override(clinician_client, early_scar, "Just to be sure of it", on="2026-11-30")
    assert "does not need an override" in response.content.decode()
    assert not Override.objects.exists()


def test_clinic_admin_cannot_override(admin_client_, early_scar):
    assert _override(admin_client_, early_scar, "Leaves the country on Friday").status_code == 403
    assert not Override.objects.exists()


def test_database_refuses_an_override_of_a_block_or_a_short_reason(early_scar, clinician):
    evaluation = decisions.evaluation_record(
        scar=early_scar,
        on_date=datetime.date(2026, 11, 16),
        technique="contact",
        stage="schedule",
        purpose="check",
        user=clinician,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Override.objects.create(evaluation=evaluation, reason="short", created_by=clinician)
    with pytest.raises(IntegrityError), transaction.atomic():
        Override.objects.create(
            evaluation=evaluation, reason="a long enough reason", overridden_outcome="blocked", created_by=clinician
        )


def test_eligibility_panel_shows_findings_inside_and_outside_the_window(clinician_client, early_scar):
    url = reverse("sessions:scar", args=[early_scar.pk])
    outside = clinician_client.get(url, {"on": "2026-11-16", "technique": "contact", "stage": "schedule"})
    assert outside.context["panel"].decision["outcome"] == "needs_override"
    assert "REL-12" in outside.content.decode()
    inside = clinician_client.get(url, {"on": "2026-11-23", "technique": "contact", "stage": "schedule"})
    assert inside.context["panel"].decision["outcome"] == "eligible"
    assert inside.context["panel"].decision["window"] == {"earliest": "2026-11-23", "latest": "2026-12-14"}


def test_eligibility_panel_with_a_bad_date_shows_a_field_error(clinician_client, early_scar):
    response = clinician_client.get(reverse("sessions:scar", args=[early_scar.pk]), {"on": "2026-02-30"})
    assert response.status_code == 200
    assert "on" in response.context["panel"].form.errors


def test_changing_the_date_in_the_panel_returns_the_panel_alone_decided_again(clinician_client, scar, clinician):
    ScarAssessmentFactory(scar=scar, assessor=clinician, assessed_on=datetime.date(2026, 10, 20))
    response = clinician_client.get(
        reverse("sessions:scar", args=[scar.pk]),
        {"on": "2026-11-20", "technique": "intralesional", "stage": "schedule"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert body.lstrip().startswith("<div class=\"card shadow-sm mb-3\" id=\"eligibility\">") and "<html" not in body
    assert response.context["panel"].values["technique"] == "intralesional"
    assert 'data-outcome="' in body
