import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from patients.models import AccessEvent, Patient, PatientMedication
from patients.tests.factories import PatientFactory

VALID = {
    "given_name": "Ada",
    "family_name": "Lovelace",
    "birth_date": "1990-12-10",
    "sex": "female",
    "preferred_language": "en",
    "pregnancy_status": "unknown",
}


def test_new_patient_without_mrn_gets_a_generated_unique_one(clinician_client):
    response = clinician_client.post(reverse("patients:create"), VALID)
    patient = Patient.objects.get(family_name="Lovelace")
    assert response.status_code == 302
    assert patient.mrn.startswith("CC-") and len(patient.mrn) == 9


def test_duplicate_mrn_is_refused_on_the_field(clinician_client, patient):
    response = clinician_client.post(reverse("patients:create"), {**VALID, "mrn": patient.mrn})
    assert response.status_code == 200
    assert "mrn" in response.context["form"].errors
    assert Patient.objects.count() == 1


def test_future_birth_date_is_refused(clinician_client):
    response = clinician_client.post(reverse("patients:create"), {**VALID, "birth_date": "2999-01-01"})
    assert "birth_date" in response.context["form"].errors


def test_a_birth_date_before_1900_is_refused_on_the_field(clinician_client, patient):
    response = clinician_client.post(reverse("patients:create"), {**VALID, "birth_date": "1800-01-01"})
    assert response.status_code == 200
    assert "not plausible" in response.context["form"].errors["birth_date"][0]
    assert not Patient.objects.filter(family_name="Lovelace").exists()
    edit = clinician_client.post(reverse("patients:edit", args=[patient.pk]), {**VALID, "birth_date": "1899-12-31"})
    assert edit.status_code == 200
    patient.refresh_from_db()
    assert patient.birth_date.year > 1900


def test_the_database_refuses_a_birth_date_before_1900(patient):
    patient.birth_date = datetime.date(1899, 12, 31)
    with pytest.raises(IntegrityError), transaction.atomic():
        patient.save()


def test_list_searches_by_name_and_mrn(clinician_client):
    PatientFactory(given_name="Zelda", family_name="Quince", mrn="Q-1")
    PatientFactory(given_name="Ann", family_name="Other", mrn="Q-2")
    names = [p.family_name for p in clinician_client.get(reverse("patients:list"), {"q": "quin"}).context["page"]]
    assert names == ["Quince"]
    names = [p.family_name for p in clinician_client.get(reverse("patients:list"), {"q": "Q-2"}).context["page"]]
    assert names == ["Other"]


def test_list_is_paginated_and_hides_archived(clinician_client):
    PatientFactory.create_batch(30)
    PatientFactory(family_name="Gone", archived=True)
    page = clinician_client.get(reverse("patients:list")).context["page"]
    assert len(page) == 25 and page.paginator.count == 30
    page2 = clinician_client.get(reverse("patients:list"), {"page": 2}).context["page"]
    assert len(page2) == 5
    archived = clinician_client.get(reverse("patients:list"), {"archived": "1", "q": "Gone"}).context["page"]
    assert [p.family_name for p in archived] == ["Gone"]


def test_archiving_keeps_the_record(clinician_client, patient):
    data = {**VALID, "mrn": patient.mrn, "archived": "on"}
    clinician_client.post(reverse("patients:edit", args=[patient.pk]), data)
    patient.refresh_from_db()
    assert patient.archived is True


def test_change_is_kept_with_who_and_shown_on_the_record_history_page(clinician_client, clinician, patient):
    clinician_client.post(
        reverse("patients:edit", args=[patient.pk]), {**VALID, "mrn": patient.mrn, "family_name": "Newname"}
    )
    latest = patient.history.first()
    assert latest.history_user == clinician and latest.family_name == "Newname"
    history_url = reverse("patients:history", args=[patient.pk])
    assert history_url in clinician_client.get(reverse("sessions:patient", args=[patient.pk])).content.decode()
    page = clinician_client.get(history_url)
    entry = page.context["history"][0]
    assert entry.user == clinician.username and "family_name" in entry.fields
    assert "family_name" in page.content.decode()
    # Reading the history is itself logged, like any read of the record.
    assert AccessEvent.objects.filter(patient=patient, path=history_url).exists()


def test_medication_stop_before_start_is_refused_on_the_field(clinician_client, patient):
    response = clinician_client.post(
        reverse("patients:medication_add", args=[patient.pk]),
        {"code": "isotretinoin", "started_on": "2026-05-01", "stopped_on": "2026-04-01"},
    )
    assert "stopped_on" in response.context["form"].errors
    assert not PatientMedication.objects.exists()


def test_condition_codes_are_the_rules_codes(clinician_client, patient):
    response = clinician_client.post(reverse("patients:condition_add", args=[patient.pk]), {"code": "not_a_code"})
    assert "code" in response.context["form"].errors
    clinician_client.post(reverse("patients:condition_add", args=[patient.pk]), {"code": "raynaud", "note": "mild"})
    assert list(patient.conditions.values_list("code", flat=True)) == ["raynaud"]


@pytest.mark.django_db
def test_patient_page_shows_scars_with_latest_assessment(clinician_client, assessment):
    from patients.tests.factories import ScarAssessmentFactory

    ScarAssessmentFactory(scar=assessment.scar, assessed_on="2026-11-10", vss_height=0, vss_pliability=1)
    response = clinician_client.get(reverse("sessions:patient", args=[assessment.scar.patient_id]))
    scar = response.context["scars"][0]
    assert str(scar.latest_assessment.assessed_on) == "2026-11-10"
    assert b"2026-11-10" in response.content


def test_the_search_box_asks_for_the_results_only(clinician_client):
    PatientFactory(family_name="Quintero", given_name="Ines")
    PatientFactory(family_name="Olsen", given_name="Per")
    response = clinician_client.get(reverse("patients:list"), {"q": "quin"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.startswith('<div id="patient-results"') and "<html" not in body
    assert "Quintero, Ines" in body and "Olsen" not in body
    assert AccessEvent.objects.filter(object_id="patient list", detail="q=quin", row_count=1).exists()
