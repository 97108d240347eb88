import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from patients.access import Need, access, can, require
from patients.models import AccessEvent, ScarAssessment
from patients.tests.factories import ConditionFactory, PatientFactory

# Reachable without a log-in on purpose; each answers an anonymous request itself and is tested
# in its own module (the API and the session keep-alive with 401, the calendar feed and patient
# links by their secret token).
PUBLIC_URL_NAMES = {
    "login",
    "health",
    "session_keepalive",
    "protocols:api_evaluate",
    "sessions:ical_feed",
    "documents:public_document",
    "documents:public_document_pdf",
    "exchange:cds_discovery",  # service descriptions only
    "exchange:cds_appointment_book",  # a bearer token instead of a log-in (exchange/tests/test_cds_hooks.py)
}


def _all_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            yield from _all_patterns(entry, namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{prefix}{entry.name}", entry


def _url_for(name: str, pattern: URLPattern) -> str:
    kwargs = {key: 1 for key in pattern.pattern.converters}
    return reverse(name, kwargs=kwargs)


@pytest.mark.django_db
def test_every_page_redirects_an_anonymous_user_to_login(client: Client, assessment):
    checked = 0
    for name, pattern in _all_patterns():
        if name in PUBLIC_URL_NAMES:
            continue
        url = _url_for(name, pattern)
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url
        checked += 1
    assert checked >= 10


@pytest.mark.django_db
def test_user_without_a_clinic_role_gets_404_for_a_patient(client, outsider, patient):
    client.force_login(outsider)
    assert client.get(reverse("sessions:patient", args=[patient.pk])).status_code == 404
    assert client.get(reverse("patients:list")).status_code == 404


def test_clinic_admin_cannot_create_an_assessment(admin_client_, scar):
    url = reverse("patients:assessment_create", args=[scar.pk])
    assert admin_client_.get(url).status_code == 403
    response = admin_client_.post(url, {"assessed_on": "2026-11-01"})
    assert response.status_code == 403
    assert not ScarAssessment.objects.exists()


def test_clinic_admin_cannot_add_a_scar_or_a_condition(admin_client_, patient):
    assert admin_client_.post(reverse("patients:scar_create", args=[patient.pk]), {}).status_code == 403
    assert (
        admin_client_.post(reverse("patients:condition_add", args=[patient.pk]), {"code": "raynaud"}).status_code == 403
    )
    assert not patient.scars.exists() and not patient.conditions.exists()


def test_clinic_admin_edits_demographics_but_not_clinical_facts(admin_client_, patient):
    response = admin_client_.post(
        reverse("patients:edit", args=[patient.pk]),
        {
            "given_name": "Renamed",
            "family_name": patient.family_name,
            "birth_date": "1985-04-12",
            "sex": "female",
            "preferred_language": "es",
            "fitzpatrick": "6",
            "pregnancy_status": "yes",
            "mrn": patient.mrn,
        },
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.given_name == "Renamed"
    assert patient.preferred_language == "es"
    assert patient.fitzpatrick == 2
    assert patient.pregnancy_status == "no"


def test_condition_of_another_patient_is_not_found_through_this_patients_url(clinician_client, patient):
    other = ConditionFactory(patient=PatientFactory())
    response = clinician_client.get(reverse("patients:condition_edit", args=[patient.pk, other.pk]))
    assert response.status_code == 404


def test_unknown_patient_id_is_404_not_an_error(clinician_client):
    assert clinician_client.get(reverse("sessions:patient", args=[999999])).status_code == 404


def test_reading_a_patient_is_recorded(clinician_client, clinician, patient):
    clinician_client.get(reverse("sessions:patient", args=[patient.pk]))
    event = AccessEvent.objects.get()
    assert (event.user, event.patient, event.action) == (clinician, patient, "view")


def test_post_without_csrf_token_is_rejected(clinician, patient):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clinician)
    response = client.post(reverse("patients:condition_add", args=[patient.pk]), {"code": "raynaud"})
    assert response.status_code == 403
    assert not patient.conditions.exists()


def test_script_in_a_patient_name_is_shown_as_text(clinician_client):
    patient = PatientFactory(given_name="<script>alert(1)</script>")
    body = clinician_client.get(reverse("sessions:patient", args=[patient.pk])).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_photo_of_a_patient_is_not_served_to_a_user_without_role(client, outsider):
    client.force_login(outsider)
    assert client.get(reverse("patients:photo", args=[1])).status_code == 404


# The access layer itself: one answer per role and need, one log entry per access.


@pytest.mark.parametrize("need", list(Need))
def test_a_user_without_a_clinic_role_gets_404_for_every_need(outsider, need):
    with pytest.raises(Http404):
        require(outsider, need)


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [
        (
            "clinician",
            {Need.READ, Need.CLINICAL_WRITE, Need.DEMOGRAPHICS_WRITE, Need.SCHEDULE_WRITE, Need.OWN_CALENDAR},
        ),
        ("clinic_admin", {Need.READ, Need.DEMOGRAPHICS_WRITE, Need.SCHEDULE_WRITE, Need.CLINIC_SETUP}),
    ],
)
def test_each_role_is_allowed_its_needs_and_refused_the_others_with_403(request, persona, allowed):
    user = request.getfixturevalue(persona)
    for need in Need:
        if need in allowed:
            require(user, need)
            assert can(user, need)
        else:
            with pytest.raises(PermissionDenied):
                require(user, need)
            assert not can(user, need)


def test_access_finds_the_patient_of_a_nested_record_and_logs_one_change(rf, clinician, assessment):
    request = rf.post("/somewhere/")
    request.user = clinician
    assert access(request, ScarAssessment, assessment.pk, Need.CLINICAL_WRITE) == assessment
    event = AccessEvent.objects.get()
    assert (event.patient, event.action, event.object_type) == (assessment.scar.patient, "change", "scarassessment")


def test_access_to_a_missing_record_is_404_and_logs_nothing(rf, clinician):
    request = rf.get("/")
    request.user = clinician
    with pytest.raises(Http404):
        access(request, ScarAssessment, 999999)
    assert not AccessEvent.objects.exists()


def test_opening_the_access_log_is_recorded_once(clinician_client, patient):
    clinician_client.get(reverse("patients:access_log", args=[patient.pk]))
    assert AccessEvent.objects.filter(patient=patient).count() == 1


def test_templates_get_can_flags_not_roles(client, clinician, clinic_admin, patient):
    url = reverse("sessions:patient", args=[patient.pk])
    add_scar = reverse("patients:scar_create", args=[patient.pk])
    client.force_login(clinician)
    response = client.get(url)
    assert response.context["can_clinical_write"] and not response.context["can_clinic_setup"]
    assert add_scar in response.content.decode()
    client.force_login(clinic_admin)
    response = client.get(url)
    assert response.context["can_clinic_setup"] and not response.context["can_clinical_write"]
    assert add_scar not in response.content.decode()
