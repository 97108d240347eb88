"""The access log is complete: lists and exports with their filter and row count, calendars, the
feed, the patient's link, refused attempts; a GET is never a change; clinic admins search it."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from documents.models import DocumentLink, PatientDocument
from patients.models import AccessEvent
from patients.tests.factories import PatientFactory
from sessions.models import CalendarFeed


def _last(**filters) -> AccessEvent:
    return AccessEvent.objects.filter(**filters).order_by("-pk").first()


def test_the_patient_list_and_search_are_logged_with_filter_and_rows(clinician_client, clinician):
    PatientFactory(family_name="Quince")
    PatientFactory(family_name="Other")
    clinician_client.get(reverse("patients:list"), {"q": "quin"}, REMOTE_ADDR="10.1.2.3")
    event = _last(object_id="patient list")
    assert (event.user, event.action, event.object_type) == (clinician, "view", "list")
    assert event.detail == "q=quin" and event.row_count == 1 and event.address == "10.1.2.3"


@pytest.mark.parametrize(
    ("url", "name", "action"),
    [
        ("sessions:calendar_day", "day calendar", "view"),
        ("sessions:calendar_week", "week calendar", "view"),
        ("sessions:due", "worklist", "view"),
        ("sessions:due_csv", "worklist CSV", "export"),
    ],
)
def test_calendars_worklist_and_its_export_are_logged(clinician_client, clinician, url, name, action):
    clinician_client.get(reverse(url))
    event = _last(object_id=name)
    assert event is not None and event.user == clinician and event.action == action and event.row_count == 0


def test_the_calendar_feed_is_logged_as_an_export_by_its_clinician(client, clinician):
    feed = CalendarFeed.objects.create(clinician=clinician)
    assert client.get(reverse("sessions:ical_feed", args=[feed.token])).status_code == 200
    event = _last(object_id="calendar feed")
    assert event.user == clinician and event.action == "export"


def test_the_patients_link_page_and_pdf_are_logged_without_a_user(client, clinician):
    patient = PatientFactory()
    document = PatientDocument.objects.create(
        kind="preparation", patient=patient, version=1, language="en", body_html="<p>x</p>",
        content_sha256="0" * 64, printed_by=clinician, printed_at=timezone.now(),
    )  # fmt: skip
    now = timezone.now()
    link = DocumentLink.objects.create(
        document=document, created_by=clinician, created_at=now, expires_at=now + datetime.timedelta(days=1)
    )
    assert client.get(reverse("documents:public_document", args=[link.token])).status_code == 200
    event = _last(object_type="patientdocument")
    assert event.user is None and event.patient == patient and event.action == "view"
    assert "patient's link" in event.detail


def test_a_refused_attempt_is_logged(admin_client_, clinic_admin, patient):
    response = admin_client_.get(reverse("patients:condition_add", args=[patient.pk]))
    assert response.status_code == 403
    event = _last(action="refused")
    assert event.user == clinic_admin and event.object_id == "patients:condition_add"
    assert "Only clinicians" in event.detail


def test_a_user_without_a_role_is_logged_as_refused(client, outsider, patient):
    client.force_login(outsider)
    assert client.get(reverse("sessions:patient", args=[patient.pk])).status_code == 404
    event = _last(action="refused")
    assert event.user == outsider and event.detail == "no clinic role"


def test_opening_an_edit_form_is_a_view_and_saving_it_a_change(clinician_client, patient):
    clinician_client.get(reverse("patients:edit", args=[patient.pk]))
    assert _last(object_type="patient").action == "view"


def test_clinic_admins_search_the_log_and_export_it(admin_client_, clinician, patient):
    other = Client()
    other.force_login(clinician)
    other.get(reverse("sessions:patient", args=[patient.pk]))
    page = admin_client_.get(reverse("patients:access_log_search"), {"patient": patient.mrn, "user": "clinician"})
    assert page.status_code == 200
    rows = list(page.context["page"].object_list)
    assert rows and all(e.patient == patient and "clinician" in e.user.username for e in rows)
    csv = admin_client_.get(reverse("patients:access_log_csv"), {"patient": patient.mrn}).content.decode()
    assert patient.mrn in csv.splitlines()[1]
    assert _last(object_id="access log CSV").action == "export"


def test_a_clinician_may_not_search_the_log_and_the_refusal_is_logged(clinician_client, clinician):
    assert clinician_client.get(reverse("patients:access_log_search")).status_code == 403
    assert _last(action="refused").object_id == "patients:access_log_search"


def test_a_search_with_dates_the_wrong_way_round_says_so(admin_client_):
    response = admin_client_.get(reverse("patients:access_log_search"), {"since": "2026-05-02", "until": "2026-05-01"})
    assert response.status_code == 200 and "The start date is after the end date." in response.content.decode()
