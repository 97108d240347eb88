"""Every URL of the project, for every kind of visitor: who may open it, and what the others get.

A URL pattern without an entry in MATRIX fails `test_every_url_has_an_entry`: a new page is added
here with who may see it. Another patient's record is never shown: each patient-data URL is also
opened, as a clinician, with the object of a patient that does not exist (404).
"""

import datetime
import io

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from PIL import Image

from clinic.models import Clinic
from documents.models import DocumentLink, PatientDocument
from patients.models import AssessmentPhoto, Consent
from patients.tests.factories import (
    ConditionFactory,
    MedicationFactory,
    PatientFactory,
    ScarAssessmentFactory,
    ScarFactory,
    UserFactory,
)
from sessions.models import CalendarFeed, SessionAdverseEvent
from sessions.tests.factories import AppointmentScarFactory, RoomFactory, TreatmentSessionFactory

ROLES = ("anonymous", "outsider", "clinician", "clinic_admin")
LOGIN = "login"  # a redirect to the log-in page

# name: (url kwargs from the fixture objects, {role: expected GET status}); a status that is the
# same for every logged-in role may be given once as "staff".
PUBLIC = {"anonymous": 200, "outsider": 200, "clinician": 200, "clinic_admin": 200}


def staff(status, *, outsider=None, clinician=None, clinic_admin=None):
    """Behind the log-in: anonymous visitors go to the log-in page, a user without a role gets 404
    (a POST-only URL answers a GET with 405 to everyone logged in, before looking at anything)."""
    return {
        "anonymous": LOGIN,
        "outsider": outsider or (405 if status == 405 else 404),
        "clinician": status if clinician is None else clinician,
        "clinic_admin": status if clinic_admin is None else clinic_admin,
    }


MATRIX = {
    "home": ({}, staff(200)),
    "health": ({}, PUBLIC),
    "login": ({}, PUBLIC),
    "logout": ({}, staff(405, outsider=405)),
    "session_keepalive": ({}, {"anonymous": 401, "outsider": 200, "clinician": 200, "clinic_admin": 200}),
    "patients:list": ({}, staff(200)),
    "patients:access_log_search": ({}, staff(200, clinician=403)),
    "patients:access_log_csv": ({}, staff(200, clinician=403)),
    "patients:create": ({}, staff(200)),
    "patients:edit": ({"patient_id": "patient"}, staff(200)),
    "patients:access_log": ({"patient_id": "patient"}, staff(200)),
    "patients:history": ({"patient_id": "patient"}, staff(200)),
    "patients:condition_add": ({"patient_id": "patient"}, staff(200, clinic_admin=403)),
    "patients:other_history": ({"patient_id": "patient"}, staff(200, clinic_admin=403)),
    "patients:condition_edit": ({"patient_id": "patient", "condition_id": "condition"}, staff(200, clinic_admin=403)),
    "patients:medication_add": ({"patient_id": "patient"}, staff(200, clinic_admin=403)),
    "patients:medication_edit": (
        {"patient_id": "patient", "medication_id": "medication"},
        staff(200, clinic_admin=403),
    ),
    "patients:scar_create": ({"patient_id": "patient"}, staff(200, clinic_admin=403)),
    "patients:scar_edit": ({"scar_id": "scar"}, staff(200, clinic_admin=403)),
    "patients:scar_course_end": ({"scar_id": "scar"}, staff(405)),
    "patients:scar_course_reopen": ({"scar_id": "scar"}, staff(405)),
    "patients:assessment_create": ({"scar_id": "scar"}, staff(200, clinic_admin=403)),
    "patients:assessment_edit": ({"assessment_id": "assessment"}, staff(200, clinic_admin=403)),
    "patients:consent_add": ({"patient_id": "patient"}, staff(200, clinic_admin=403)),
    "patients:consent_withdraw": ({"consent_id": "consent"}, staff(200, clinic_admin=403)),
    "patients:photo": ({"photo_id": "photo"}, staff(200)),
    "protocols:rules": ({}, staff(200)),
    "protocols:parameters": ({}, staff(200)),
    "protocols:api_evaluate": ({}, {"anonymous": 401, "outsider": 403, "clinician": 405, "clinic_admin": 405}),
    "sessions:patient": ({"patient_id": "patient"}, staff(200)),
    "sessions:scar": ({"scar_id": "scar"}, staff(200)),
    "sessions:book": ({"scar_id": "scar"}, staff(200)),
    "sessions:book_review": ({"scar_id": "scar"}, staff(200)),
    "sessions:appointment": ({"appointment_id": "appointment"}, staff(200)),
    "sessions:reschedule": ({"appointment_id": "appointment"}, staff(200)),
    "sessions:appointment_approve": ({"appointment_id": "appointment"}, staff(405)),
    "sessions:appointment_check_in": ({"appointment_id": "appointment"}, staff(200)),
    "sessions:appointment_cancel": ({"appointment_id": "appointment"}, staff(405)),
    "sessions:appointment_no_show": ({"appointment_id": "appointment"}, staff(405)),
    "sessions:appointment_complete": ({"appointment_id": "appointment"}, staff(405)),
    "sessions:treatment": ({"session_id": "treatment"}, staff(302, clinic_admin=403)),  # not in progress: to the visit
    "sessions:addendum_add": ({"session_id": "treatment"}, staff(405)),
    "sessions:adverse_event_add": ({"session_id": "treatment"}, staff(405)),
    "sessions:treatment_entered_in_error": ({"session_id": "treatment"}, staff(405)),
    "sessions:adverse_event_entered_in_error": ({"event_id": "adverse_event"}, staff(405)),
    "sessions:adverse_event_resolve": ({"event_id": "adverse_event"}, staff(405)),
    "sessions:calendar_day": ({}, staff(200)),
    "sessions:calendar_week": ({}, staff(200)),
    "sessions:calendar_feed": ({}, staff(200, clinic_admin=403)),
    "sessions:ical_feed": ({"token": "feed_token"}, PUBLIC),
    "sessions:closure_add": ({}, staff(200, clinician=403)),
    "sessions:due": ({}, staff(200)),
    "sessions:requests": ({}, staff(200)),
    "sessions:book_at": ({}, staff(200)),
    "sessions:due_csv": ({}, staff(200)),
    "clinic:settings": ({}, staff(200, clinician=403)),
    "clinic:row_add": ({"section": "rooms"}, staff(405)),
    "clinic:room_set_active": ({"room_id": "room"}, staff(405)),
    "clinic:row_remove": ({"section": "rooms", "row_id": "room"}, staff(405)),
    "documents:aftercare_print": ({"appointment_id": "appointment"}, staff(302)),  # not completed: to the visit
    "documents:aftercare_versions": ({"appointment_id": "appointment"}, staff(200)),
    "documents:preparation_print": ({"patient_id": "patient"}, staff(200)),
    "documents:preparation_versions": ({"patient_id": "patient"}, staff(200)),
    "documents:consent_print": ({"patient_id": "patient"}, staff(200)),
    "documents:consent_versions": ({"patient_id": "patient"}, staff(200)),
    "documents:consent_signed": ({"document_id": "document"}, staff(404, clinic_admin=403)),  # not a consent form
    "documents:document": ({"document_id": "document"}, staff(200)),
    "documents:document_pdf": ({"document_id": "document"}, staff(302)),
    "documents:document_link_create": ({"document_id": "document"}, staff(405)),
    "documents:document_link_revoke": ({"link_id": "link"}, staff(405)),
    "documents:public_document": ({"token": "link_token"}, PUBLIC),
    "documents:public_document_pdf": ({"token": "link_token"}, {r: 404 for r in ROLES}),
    "notifications:outbox": ({}, staff(200, clinician=403)),
    "notifications:retry": ({"message_id": "room"}, staff(405)),
    "outcomes:scar_progress": ({"scar_id": "scar"}, staff(200)),
    "outcomes:reports": ({}, staff(200)),
    "outcomes:report_csv": ({"name": "attendance"}, staff(200)),
    "exchange:patient_fhir": ({"patient_id": "patient"}, staff(200)),
    "exchange:cds_discovery": ({}, PUBLIC),
    # Token-authenticated, POST only: a GET is refused before any token is looked at.
    "exchange:cds_appointment_book": ({}, {"anonymous": 405, "outsider": 405, "clinician": 405, "clinic_admin": 405}),
    "exchange:cds_clients": ({}, staff(200, clinician=403)),
    "exchange:cds_client_revoke": ({"client_id": "room"}, staff(405)),
}


def _url_names(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # the Django admin: read-only for clinical records (test_admin_read_only)
            yield from _url_names(pattern.url_patterns, pattern.namespace or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}:{pattern.name}" if namespace else pattern.name


def test_every_url_has_an_entry():
    missing = sorted(set(_url_names(get_resolver().url_patterns)) - set(MATRIX))
    assert not missing, f"new URL without an entry in the matrix: {missing}"
    assert not set(MATRIX) - set(_url_names(get_resolver().url_patterns)), "entries for URLs that no longer exist"


def _png() -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="PNG")
    return SimpleUploadedFile("p.png", out.getvalue(), "image/png")


@pytest.fixture
def objects(db, django_user_model):
    clinician = UserFactory(username="matrix_clinician")
    clinician.groups.add(Group.objects.get_or_create(name="Clinician")[0])
    patient = PatientFactory()
    scar = ScarFactory(patient=patient)
    assessment = ScarAssessmentFactory(scar=scar, assessor=clinician)
    planned = AppointmentScarFactory(scar=scar, appointment__clinician=clinician, appointment__patient=patient)
    treatment = TreatmentSessionFactory(scar=scar, appointment=planned.appointment, completed_by=clinician)
    document = PatientDocument.objects.create(
        kind="preparation", patient=patient, version=1, language="en", body_html="<p>x</p>",
        content_sha256="0" * 64, printed_by=clinician, printed_at=timezone.now(),
    )  # fmt: skip
    now = timezone.now()
    link = DocumentLink.objects.create(
        document=document, created_by=clinician, created_at=now, expires_at=now + datetime.timedelta(days=1)
    )
    Clinic.current()
    return {
        "patient": patient.pk,
        "scar": scar.pk,
        "assessment": assessment.pk,
        "condition": ConditionFactory(patient=patient).pk,
        "medication": MedicationFactory(patient=patient).pk,
        "consent": Consent.objects.filter(patient=patient).first().pk,
        "photo": AssessmentPhoto.objects.create(assessment=assessment, image=_png(), uploaded_by=clinician).pk,
        "appointment": planned.appointment_id,
        "treatment": treatment.pk,
        "adverse_event": SessionAdverseEvent.objects.create(
            session=treatment, code="blister", recorded_by=clinician
        ).pk,
        "document": document.pk,
        "link": link.pk,
        "link_token": link.token,
        "feed_token": CalendarFeed.objects.create(clinician=clinician).token,
        "room": RoomFactory().pk,
    }


def _client_for(role, client, outsider, clinician, clinic_admin):
    users = {"outsider": outsider, "clinician": clinician, "clinic_admin": clinic_admin}
    if role != "anonymous":
        client.force_login(users[role])
    return client


def _status(response) -> int | str:
    if response.status_code == 302 and response["Location"].startswith(reverse("login")):
        return LOGIN
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_who_may_open_each_url(name, role, objects, client, outsider, clinician, clinic_admin, settings):
    settings.MEDIA_ROOT = settings.MEDIA_ROOT  # photos land in the test's media folder (conftest)
    params, expected = MATRIX[name]
    url = reverse(name, kwargs={key: objects.get(value, value) for key, value in params.items()})
    response = _client_for(role, client, outsider, clinician, clinic_admin).get(url)
    assert _status(response) == expected[role], f"{role} GET {url}"


@pytest.mark.parametrize(
    "name", sorted(n for n, (params, _) in MATRIX.items() if any(v in params.values() for v in ("patient", "scar",
    "assessment", "condition", "medication", "consent", "photo", "appointment", "treatment", "document")))
)  # fmt: skip
def test_a_record_that_is_not_there_is_404_never_another_patients(name, objects, clinician_client):
    params, expected = MATRIX[name]
    kwargs = {key: (999_999 if value in objects and isinstance(objects[value], int) else objects.get(value, value))
              for key, value in params.items()}  # fmt: skip
    if expected["clinician"] in (405,):
        pytest.skip("POST only")
    assert clinician_client.get(reverse(name, kwargs=kwargs)).status_code == 404
