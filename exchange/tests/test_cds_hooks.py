"""The CDS Hooks service: discovery, bearer tokens, and cards that say what the app itself decides
for the same scars on the draft appointment's date."""

import datetime
import json

import pytest
from django.test import Client
from django.urls import reverse

from clinic.demo import seed_clinic
from exchange import codes
from exchange.cds import SERVICE_ID
from exchange.models import CdsClient
from exchange.services import cds_client_create, cds_client_revoke
from patients.demo import seed_demo
from patients.models import AccessEvent, Patient, Scar, ScarStatus
from patients.tests.factories import ScarAssessmentFactory
from protocols.services import protocol_evaluate
from sessions.decisions import scar_decision
from sessions.demo import seed_sessions
from sessions.facts import facts_for

ON = datetime.date(2031, 3, 12)
SERVICE_URL = f"/cds-services/{SERVICE_ID}"
INDICATOR = {"block": "critical", "override": "warning", "warn": "info"}


def hook_request(mrn: str | None, *, start: str = "2031-03-12T10:00:00+00:00", resources=()) -> dict:
    patient = {"resourceType": "Patient", "id": "p1"}
    if mrn is not None:
        patient["identifier"] = [{"system": codes.MRN, "value": mrn}]
    appointment = {
        "resourceType": "Appointment",
        "status": "proposed",
        "start": start,
        "participant": [{"status": "needs-action"}],
    }
    return {
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "hook": "appointment-book",
        "context": {
            "userId": "PractitionerRole/1",
            "patientId": "p1",
            "appointments": {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": appointment}]},
        },
        "prefetch": {
            "patient": patient,
            "history": {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in resources]},
        },
    }


@pytest.fixture
def token(clinic_admin):
    return cds_client_create(name="Front desk EHR", user=clinic_admin)[1]


def post(body, token, client=None):
    client = client or Client()
    return client.post(
        SERVICE_URL, data=json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


def _finding_cards(cards):
    return sorted(
        (c["summary"].rsplit(": ", 1)[1], c["source"]["topic"]["code"], c["indicator"])
        for c in cards
        if "topic" in c["source"]
    )


def test_discovery_needs_no_token_and_lists_the_service(db):
    response = Client().get("/cds-services")
    assert response.status_code == 200
    (service,) = response.json()["services"]
    assert (service["hook"], service["id"]) == ("appointment-book", SERVICE_ID)
    assert service["prefetch"] == {"patient": "Patient/{{context.patientId}}"}


@pytest.mark.django_db
def test_cards_for_every_demo_patient_are_the_apps_own_decisions(clinic_admin, token):
    seed_demo(today=ON)
    seed_clinic()
    seed_sessions(today=ON)
    patients = Patient.objects.filter(mrn__startswith="DEMO-")
    compared = 0
    for patient in patients:
        cards = post(hook_request(patient.mrn), token).json()["cards"]
        expected = []
        for scar in Scar.objects.filter(patient=patient, status=ScarStatus.ACTIVE):
            decision = scar_decision(scar=scar, on_date=ON, technique="contact")[1]
            expected += [(scar.label, f["code"], INDICATOR[f["severity"]]) for f in decision["findings"]]
            outcome = next(c for c in cards if c["summary"].startswith(f"{scar.label}: "))
            assert outcome["indicator"] == "info"
            compared += 1
        assert _finding_cards(cards) == sorted(expected), patient.mrn
    assert compared >= 30


@pytest.mark.django_db
def test_a_raynaud_patient_gets_a_critical_card_citing_abs_05(clinic_admin, token):
    seed_demo(today=ON)
    raynaud = Patient.objects.get(conditions__code="raynaud")
    cards = post(hook_request(raynaud.mrn), token).json()["cards"]
    critical = [c for c in cards if c["indicator"] == "critical"]
    assert critical and all(c["source"]["topic"]["code"] == "ABS-05" for c in critical)
    assert "Raynaud" in critical[0]["summary"] and "Sources:" in critical[0]["detail"]


def test_a_condition_in_cryocares_code_system_is_added_to_the_facts(scar, clinician, token):
    ScarAssessmentFactory(scar=scar, assessor=clinician, assessed_on=datetime.date(2031, 3, 1))
    sent = {"resourceType": "Condition", "code": {"coding": [{"system": codes.CONDITION, "code": "raynaud"}]}}
    cards = post(hook_request(scar.patient.mrn, resources=[sent]), token).json()["cards"]
    assert ("ABS-05", "critical") in {(c["source"].get("topic", {}).get("code"), c["indicator"]) for c in cards}
    assert not any(c["summary"].startswith("Not checked") for c in cards)


def test_a_medication_in_cryocares_code_system_decides_as_the_engine_would(scar, clinician, token):
    ScarAssessmentFactory(scar=scar, assessor=clinician, assessed_on=datetime.date(2031, 3, 1))
    anticoagulant = {"coding": [{"system": codes.MEDICATION, "code": "anticoagulant"}]}
    sent = {"resourceType": "MedicationStatement", "status": "active", "medicationCodeableConcept": anticoagulant}
    cards = post(hook_request(scar.patient.mrn, resources=[sent]), token).json()["cards"]
    facts = facts_for(scar, ON, "contact")
    facts["patient"]["medications"].append({"code": "anticoagulant", "stopped": None})
    decision = protocol_evaluate(facts)
    assert "anticoagulant" not in str(scar_decision(scar=scar, on_date=ON, technique="contact")[1]["findings"])
    assert _finding_cards(cards) == sorted(
        (scar.label, f["code"], INDICATOR[f["severity"]]) for f in decision["findings"]
    )
    assert decision["findings"], "the medication should make a finding"


def test_any_other_coding_is_listed_as_not_checked_never_guessed(scar, clinician, token):
    ScarAssessmentFactory(scar=scar, assessor=clinician, assessed_on=datetime.date(2031, 3, 1))
    snomed = {"resourceType": "Condition", "code": {"coding": [{"system": "http://snomed.info/sct", "code": "195295006",
                                                                "display": "Raynaud's phenomenon"}]}}  # fmt: skip
    cards = post(hook_request(scar.patient.mrn, resources=[snomed]), token).json()["cards"]
    assert "ABS-05" not in json.dumps(cards)
    (not_checked,) = [c for c in cards if c["summary"].startswith("Not checked")]
    assert not_checked["indicator"] == "info"
    assert "Raynaud's phenomenon (http://snomed.info/sct)" in not_checked["detail"]


def test_an_unknown_patient_gets_one_card_saying_no_decision_was_made(db, token):
    (card,) = post(hook_request("NOBODY-1"), token).json()["cards"]
    assert card["indicator"] == "info" and card["summary"].startswith("No decision made")
    (card,) = post(hook_request(None), token).json()["cards"]
    assert "no medical record number" in card["detail"]


def test_the_call_is_logged_with_the_patient_and_the_client(scar, token):
    post(hook_request(scar.patient.mrn), token)
    event = AccessEvent.objects.get(object_type="cds_hook", action="view")
    assert event.patient == scar.patient and event.user is None
    assert event.detail.startswith("Front desk EHR:")
    client = CdsClient.objects.get()
    assert client.calls == 1 and client.last_used_at is not None


def test_calls_without_a_valid_token_are_refused_and_logged(scar, token, clinic_admin):
    body = hook_request(scar.patient.mrn)
    assert Client().post(SERVICE_URL, data=json.dumps(body), content_type="application/json").status_code == 401
    assert post(body, "not-a-token").status_code == 401
    cds_client_revoke(client_id=CdsClient.objects.get().pk, user=clinic_admin)
    response = post(body, token)
    assert response.status_code == 401 and response["WWW-Authenticate"].startswith("Bearer")
    assert AccessEvent.objects.filter(object_type="cds_hook", action="refused").count() == 3
    assert not AccessEvent.objects.filter(object_type="cds_hook", action="view").exists()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not valid JSON"),
        (json.dumps({"hook": "patient-view", "context": {}}).encode(), "answers the 'appointment-book' hook"),
        (json.dumps({**hook_request("X"), "prefetch": {}}).encode(), "prefetch.patient must hold the FHIR Patient"),
        (json.dumps(hook_request("X", start="tomorrow")).encode(), "is not a FHIR instant"),
        (json.dumps(hook_request("X", start="2031-03-12T10:00:00")).encode(), "has no time zone"),
    ],
)
def test_a_malformed_request_gets_a_400_that_says_why(db, token, body, message):
    response = Client().post(
        SERVICE_URL, data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_only_post_is_answered(db, token):
    response = Client().get(SERVICE_URL, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 405


def test_a_clinic_admin_creates_a_client_sees_its_token_once_and_revokes_it(admin_client_, clinician):
    url = reverse("exchange:cds_clients")
    other = Client()
    other.force_login(clinician)
    assert other.get(url).status_code == 403
    page = admin_client_.post(url, {"name": "Booking tool"})
    token = page.context["token"]
    assert len(token) >= 40 and token in page.content.decode()
    client = CdsClient.objects.get(name="Booking tool")
    assert token not in client.token_sha256
    assert token not in admin_client_.get(url).content.decode()  # shown only once
    assert admin_client_.post(url, {"name": "booking TOOL"}).context["form"].errors == {
        "name": ["A client already has this name."]
    }
    admin_client_.post(reverse("exchange:cds_client_revoke", args=[client.pk]))
    client.refresh_from_db()
    assert client.revoked_at is not None


def test_the_service_answers_a_browser_clients_cross_origin_calls(db, token):
    preflight = Client().options(
        SERVICE_URL, HTTP_ORIGIN="https://ehr.example", HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "Authorization" in preflight["Access-Control-Allow-Headers"]
    assert not AccessEvent.objects.exists()  # a preflight reads nothing
    discovery = Client().get("/cds-services", HTTP_ORIGIN="https://ehr.example")
    assert discovery["Access-Control-Allow-Origin"] == "*"
    answered = post(hook_request("NOBODY-1"), token)
    assert answered.status_code == 200 and answered["Access-Control-Allow-Origin"] == "*"
