"""No page shown to a logged-in user may be kept by the browser: after log-out on a shared computer,
the back button must not show a patient's record."""

import pytest
from django.urls import reverse


def directives(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


@pytest.mark.parametrize("name", ["patients:list", "sessions:calendar_feed"])
def test_pages_for_a_logged_in_user_are_no_store_and_private(clinician_client, name):
    response = clinician_client.get(reverse(name))

    assert response.status_code == 200
    assert {"no-store", "private"} <= directives(response)


def test_a_patient_page_is_no_store(clinician_client, patient):
    response = clinician_client.get(reverse("sessions:patient", args=[patient.pk]))

    assert response.status_code == 200 and "no-store" in directives(response)


def test_error_pages_for_a_logged_in_user_are_no_store_too(clinician_client):
    response = clinician_client.get("/patients/999999999/")

    assert response.status_code == 404 and "no-store" in directives(response)


def test_an_anonymous_answer_is_left_alone(client, db):
    assert "no-store" not in directives(client.get(reverse("health")))


def test_static_files_are_not_affected(clinician_client, settings):
    # WhiteNoise, as in development, finding the files without collectstatic (read when the test
    # client builds its middleware, at its first request).
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = clinician_client.get("/static/css/cryocare.css")

    assert response.status_code == 200
    assert "no-store" not in directives(response)
