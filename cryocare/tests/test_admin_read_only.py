"""The Django admin shows clinical records to everyone, superusers included, and changes none:
clinical writes go through the app's services (roles, the protocol engine, the audit trail)."""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from patients.models import Patient
from patients.tests.factories import PatientFactory, ScarAssessmentFactory

CLINICAL_MODELS = {
    "patients": {"patient", "patientcondition", "patientmedication", "scar", "scarassessment", "consent",
                 "accessevent", "rolechange"},
    "protocols": {"evaluation", "override", "protocolparameters", "protocolparameterschange"},
    "treatment_sessions": {"appointment", "treatmentsession"},
    "documents": {"patientdocument"},
}  # fmt: skip


@pytest.fixture
def superuser_client(client, db):
    user = get_user_model().objects.create_superuser("root_admin", "root@example.org", "a-long-password-123")
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("app", "model"), [(app, model) for app, models in CLINICAL_MODELS.items() for model in sorted(models)]
)
def test_no_one_may_add_change_or_delete_a_clinical_record_in_the_admin(rf, app, model, db):
    model_admin = next(
        ma for m, ma in admin.site._registry.items() if m._meta.app_label == app and m._meta.model_name == model
    )
    request = rf.get("/admin/")
    request.user = get_user_model().objects.create_superuser("root_rf", "r@example.org", "a-long-password-123")
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.has_view_permission(request)


def test_a_superusers_post_to_change_a_patient_is_refused_and_nothing_changes(superuser_client):
    patient = PatientFactory(family_name="Original")
    url = reverse("admin:patients_patient_change", args=[patient.pk])
    page = superuser_client.get(url)
    assert page.status_code == 200 and "Original" in page.content.decode()
    response = superuser_client.post(url, {"family_name": "Changed", "mrn": patient.mrn})
    assert response.status_code == 403
    assert Patient.objects.get(pk=patient.pk).family_name == "Original"


def test_a_superuser_cannot_delete_an_assessment_in_the_admin(superuser_client):
    assessment = ScarAssessmentFactory()
    url = reverse("admin:patients_scarassessment_delete", args=[assessment.pk])
    assert superuser_client.post(url, {"post": "yes"}).status_code == 403
    assert type(assessment).objects.filter(pk=assessment.pk).exists()
