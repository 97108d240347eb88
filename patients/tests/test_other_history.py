"""Conditions and medications without a code: free text beside the coded history, kept out of the
engine's facts, shown in the banner as not checked by the engine."""

import datetime

from django.urls import reverse

from patients.models import Patient
from sessions.facts import facts_for

OTHER = {"other_conditions": "Vitiligo on both hands", "other_medications": "Fish oil capsules"}


def test_a_clinician_records_them_and_every_patient_page_shows_them_as_unchecked(clinician_client, scar):
    url = reverse("patients:other_history", args=[scar.patient.pk])
    response = clinician_client.post(url, OTHER)
    assert response.status_code == 302
    patient = Patient.objects.get(pk=scar.patient.pk)
    assert (patient.other_conditions, patient.other_medications) == (
        OTHER["other_conditions"],
        OTHER["other_medications"],
    )
    for page in (reverse("sessions:patient", args=[patient.pk]), reverse("sessions:scar", args=[scar.pk])):
        body = clinician_client.get(page).content.decode()
        assert "Vitiligo on both hands" in body and "not checked by the protocol engine: judge it yourself" in body
    assert patient.history.first().history_user.username == "dr_clinician"


def test_the_engine_never_reads_them(scar):
    before = facts_for(scar, datetime.date(2026, 11, 20), "contact")
    Patient.objects.filter(pk=scar.patient.pk).update(**OTHER)
    scar.patient.refresh_from_db()
    assert facts_for(scar, datetime.date(2026, 11, 20), "contact") == before


def test_a_clinic_admin_cannot_write_them(admin_client_, patient):
    response = admin_client_.post(reverse("patients:other_history", args=[patient.pk]), OTHER)
    assert response.status_code == 403
    assert Patient.objects.get(pk=patient.pk).other_conditions == ""
