"""The FHIR R4B export: every demo patient's bundle validates against fhir.resources' R4B models, each
record appears as the resource the issue names, and exports are behind the access layer and logged."""

import datetime
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from fhir.resources.R4B import get_fhir_model_class
from fhir.resources.R4B.bundle import Bundle

from clinic.demo import seed_clinic
from documents.rendering import preparation_sheet
from documents.services import document_print
from exchange import codes
from exchange.fhir import patient_bundle, resource_id
from patients.demo import seed_demo
from patients.models import AccessEvent, Patient
from patients.tests.factories import ConditionFactory, MedicationFactory, ScarAssessmentFactory, ScarFactory
from sessions.demo import seed_sessions, seed_upcoming
from sessions.models import SessionAdverseEvent
from sessions.tests.factories import AppointmentFactory, AppointmentScarFactory, TreatmentSessionFactory

# FHIR R4B value sets of the coded fields the export fills (fhir.resources checks types, not these).
APPOINTMENT_STATUSES = {"proposed", "pending", "booked", "arrived", "fulfilled", "cancelled", "noshow",
                        "entered-in-error", "checked-in", "waitlist"}  # fmt: skip
MEDICATION_STATUSES = {"active", "completed", "entered-in-error", "intended", "stopped", "on-hold", "unknown",
                       "not-taken"}  # fmt: skip
GENDERS = {"male", "female", "other", "unknown"}


def validate(bundle: dict) -> Bundle:
    """The bundle and each of its resources, as fhir.resources' R4B models (raises if invalid)."""
    model = Bundle.model_validate(bundle)
    for entry in bundle["entry"]:
        resource = entry["resource"]
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
        assert entry["fullUrl"] == f"urn:uuid:{resource['id']}"
        if resource["resourceType"] == "Appointment":
            assert resource["status"] in APPOINTMENT_STATUSES
        if resource["resourceType"] == "MedicationStatement":
            assert resource["status"] in MEDICATION_STATUSES
        if resource["resourceType"] == "Patient":
            assert resource["gender"] in GENDERS
    ids = [entry["resource"]["id"] for entry in bundle["entry"]]
    assert len(ids) == len(set(ids))
    references = {
        value["reference"]
        for entry in bundle["entry"]
        for value in _walk(entry["resource"])
        if isinstance(value, dict) and "reference" in value
    }
    assert references <= {entry["fullUrl"] for entry in bundle["entry"]}, "a reference leads outside the bundle"
    return model


def _walk(value):
    yield value
    if isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from _walk(item)


def _of(bundle, kind):
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


@pytest.mark.django_db
def test_every_demo_patients_export_validates(clinic_admin):
    today = datetime.date(2031, 3, 12)
    seed_demo(today=today)
    seed_clinic()
    seed_sessions(today=today)
    seed_upcoming(today=today)
    patient = Patient.objects.get(mrn="DEMO-0001")
    document_print(sheet=preparation_sheet(patient=patient), user=clinic_admin)
    patients = Patient.objects.filter(mrn__startswith="DEMO-")
    assert patients.count() >= 30
    kinds = set()
    for patient in patients:
        bundle = patient_bundle(patient)
        validate(bundle)
        kinds |= {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert kinds == {
        "Patient", "Condition", "MedicationStatement", "Observation", "Procedure", "Appointment", "AdverseEvent",
        "DocumentReference",
    }  # fmt: skip


@pytest.fixture
def record(clinician):
    scar = ScarFactory(body_site="forearm", laterality="left", morphology="keloid", cause="burn")
    patient = scar.patient
    ConditionFactory(patient=patient, code="raynaud")
    MedicationFactory(patient=patient, code="anticoagulant", drug_name="apixaban 5 mg", stopped_on=None)
    ScarAssessmentFactory(scar=scar, assessor=clinician, assessed_on=datetime.date(2031, 1, 5))
    ScarAssessmentFactory(scar=scar, assessor=clinician, assessed_on=datetime.date(2031, 1, 6), entered_in_error=True)
    session = TreatmentSessionFactory(
        scar=scar, performed_on=datetime.date(2031, 1, 5), freeze_seconds=20, cycles=2, thaw_seconds=45
    )
    SessionAdverseEvent.objects.create(session=session, code="blister", severity="mild", recorded_by=clinician)
    upcoming = AppointmentFactory(patient=patient, starts_at=datetime.datetime(2031, 2, 10, 9, tzinfo=datetime.UTC))
    AppointmentScarFactory(appointment=upcoming, scar=scar)
    return patient, scar, session


def test_each_record_is_the_resource_the_export_promises(record):
    patient, scar, session = record
    bundle = patient_bundle(patient)
    validate(bundle)
    assert bundle["type"] == "collection"
    (person,) = _of(bundle, "Patient")
    assert person["identifier"] == [{"system": codes.MRN, "value": patient.mrn}]
    conditions = {c["code"]["coding"][0]["system"]: c for c in _of(bundle, "Condition")}
    assert conditions[codes.CONDITION]["code"]["coding"][0]["code"] == "raynaud"
    scar_condition = conditions[codes.SCAR_MORPHOLOGY]
    assert scar_condition["id"] == resource_id("Scar", scar.pk)
    site = scar_condition["bodySite"][0]
    assert site["coding"][0] == {"system": codes.BODY_SITE, "code": "forearm", "display": "Forearm"}
    assert site["text"] == "Forearm, left"
    (medication,) = _of(bundle, "MedicationStatement")
    assert (medication["status"], medication["medicationCodeableConcept"]["text"]) == ("active", "apixaban 5 mg")
    observations = {o["code"]["coding"][0]["code"]: o for o in _of(bundle, "Observation")}
    # One assessment (the other was entered in error): four VSS items, the total and three sizes; no POSAS.
    assert sorted(observations) == sorted(
        ["vss-vascularity", "vss-pigmentation", "vss-pliability", "vss-height", "vss-total", "scar-length",
         "scar-width", "scar-height"]
    )  # fmt: skip
    assert observations["vss-total"]["valueInteger"] == 8
    length = observations["scar-length"]["valueQuantity"]
    assert length == {"value": 40.0, "unit": "mm", "system": codes.UCUM, "code": "mm"}
    assert observations["vss-total"]["focus"] == [{"reference": f"urn:uuid:{resource_id('Scar', scar.pk)}"}]
    (procedure,) = _of(bundle, "Procedure")
    parameters = {e["url"]: e for e in procedure["extension"]}
    assert parameters[codes.EXT_FREEZE_SECONDS]["valueInteger"] == 20
    assert parameters[codes.EXT_CYCLES]["valueInteger"] == 2
    assert procedure["performedDateTime"] == "2031-01-05"
    statuses = sorted(a["status"] for a in _of(bundle, "Appointment"))
    assert statuses == ["booked", "fulfilled"]
    (event,) = _of(bundle, "AdverseEvent")
    assert event["event"]["coding"][0]["code"] == "blister"
    treated = f"urn:uuid:{resource_id('TreatmentSession', session.pk)}"
    assert event["suspectEntity"] == [{"instance": {"reference": treated}}]


def test_the_export_page_is_fhir_json_behind_the_access_layer_and_logged(record, clinician, outsider):
    patient = record[0]
    url = reverse("exchange:patient_fhir", args=[patient.pk])
    client = Client()
    assert client.get(url).status_code == 302
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(clinician)
    response = client.get(url)
    assert response["Content-Type"].startswith("application/fhir+json")
    validate(json.loads(response.content))
    event = AccessEvent.objects.get(object_type="patient", object_id=str(patient.pk))
    assert (event.action, event.user) == ("export", clinician)


def test_the_command_writes_the_same_bundle_and_logs_it(record, tmp_path):
    patient = record[0]
    out = tmp_path / "bundle.json"
    call_command("export_fhir", "--patient", patient.mrn, "--output", str(out))
    written = json.loads(out.read_text())
    validate(written)
    made = patient_bundle(patient)
    assert [e["fullUrl"] for e in written["entry"]] == [e["fullUrl"] for e in made["entry"]]
    event = AccessEvent.objects.get(object_type="fhir_bundle")
    assert (event.action, event.patient, event.user) == ("export", patient, None)
    assert str(out) in event.detail


def test_the_command_refuses_an_unknown_patient_or_folder(record, tmp_path):
    with pytest.raises(CommandError, match="No patient has the medical record number 'NOPE'"):
        call_command("export_fhir", "--patient", "NOPE")
    with pytest.raises(CommandError, match="does not exist"):
        call_command("export_fhir", "--patient", record[0].mrn, "--output", str(tmp_path / "missing" / "b.json"))
    assert not AccessEvent.objects.filter(object_type="fhir_bundle").exists()
