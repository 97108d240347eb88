"""Ending and reopening a scar's course (RULES.md §6c)."""

import datetime

from django.urls import reverse

from patients.models import ScarStatus
from sessions.tests.factories import TreatmentSessionFactory
from sessions.worklist import due_scars

TODAY = datetime.date(2026, 12, 1)


def test_a_clinician_ends_a_course_with_a_reason_and_the_scar_leaves_the_worklist(clinician_client, scar):
    TreatmentSessionFactory(scar=scar, performed_on=TODAY - datetime.timedelta(days=30))
    assert scar in due_scars(today=TODAY)
    response = clinician_client.post(
        reverse("patients:scar_course_end", args=[scar.pk]), {"reason": "goal_reached", "note": "Flat and soft"}
    )
    assert response.status_code == 302
    scar.refresh_from_db()
    assert (scar.status, scar.course_end_reason, scar.course_end_note) == ("resolved", "goal_reached", "Flat and soft")
    assert scar.course_ended_on is not None
    assert scar not in due_scars(today=TODAY)
    assert scar.treatments.count() == 1  # the history stays


def test_an_ended_course_reopens(clinician_client, scar):
    clinician_client.post(reverse("patients:scar_course_end", args=[scar.pk]), {"reason": "patient_declined"})
    clinician_client.post(reverse("patients:scar_course_reopen", args=[scar.pk]))
    scar.refresh_from_db()
    assert scar.status == ScarStatus.ACTIVE and scar.course_ended_on is None and scar.course_end_reason == ""
    assert scar.history.first().history_user is not None


def test_an_unknown_reason_is_refused_and_nothing_changes(clinician_client, scar):
    clinician_client.post(reverse("patients:scar_course_end", args=[scar.pk]), {"reason": "bored"})
    scar.refresh_from_db()
    assert scar.status == ScarStatus.ACTIVE


def test_a_clinic_admin_cannot_end_a_course(admin_client_, scar):
    response = admin_client_.post(reverse("patients:scar_course_end", args=[scar.pk]), {"reason": "referred"})
    assert response.status_code == 403
    scar.refresh_from_db()
    assert scar.status == ScarStatus.ACTIVE


def test_the_scar_page_offers_end_and_reopen(clinician_client, scar):
    page = clinician_client.get(reverse("sessions:scar", args=[scar.pk])).content.decode()
    assert reverse("patients:scar_course_end", args=[scar.pk]) in page
    clinician_client.post(reverse("patients:scar_course_end", args=[scar.pk]), {"reason": "no_response"})
    page = clinician_client.get(reverse("sessions:scar", args=[scar.pk])).content.decode()
    assert "Course ended on" in page and "no response" in page
    assert reverse("patients:scar_course_reopen", args=[scar.pk]) in page
