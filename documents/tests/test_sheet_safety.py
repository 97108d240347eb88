"""What the sheets tell this patient (RULES.md §8, §5): aftercare advice for blood thinners,
warnings in the patient's words per treated area, and the consent form."""

import datetime
import io
import re

import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from clinic.models import Clinic
from documents import selectors
from documents.models import PatientDocument
from patients.models import Consent
from patients.tests.factories import (
    ConditionFactory,
    MedicationFactory,
    PatientFactory,
    ScarAssessmentFactory,
    ScarFactory,
)
from protocols.models import Evaluation
from protocols.rules import RULES
from sessions.decisions import evaluation_record
from sessions.tests.factories import TreatmentSessionFactory

pytestmark = pytest.mark.slow  # PDFs

TREATED_ON = datetime.date(2026, 11, 2)
NOW = datetime.datetime(2026, 11, 20, 11, 0, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def clinic(db):
    clinic = Clinic.current()
    clinic.name, clinic.phone = "Test Scar Clinic", "+34 600 123 456"
    clinic.save()
    return clinic


def _pdf_text(document: PatientDocument) -> str:
    reader = PdfReader(io.BytesIO(selectors.stored_pdf(document)))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def _html_text(document: PatientDocument) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", document.body_html).split())


def _check_in_decision(session, clinician) -> Evaluation:
    """The engine's treat-stage decision on the records, stored as the app stores it at check-in."""
    return evaluation_record(
        scar=session.scar,
        on_date=session.performed_on,
        technique=session.technique,
        stage="treat",
        purpose="treatment",
        user=clinician,
        visit=session.appointment,
    )


def _treated(clinician, *, patient, body_site: str, technique: str = "contact"):
    """A signed session whose check-in decision is the engine's, read from the records."""
    scar = ScarFactory(patient=patient, body_site=body_site, laterality="left")
    ScarAssessmentFactory(scar=scar, assessed_on=datetime.date(2026, 10, 20))
    session = TreatmentSessionFactory(
        scar=scar,
        performed_on=TREATED_ON,
        technique=technique,
        appointment__clinician=clinician,
        appointment__patient=patient,
        completed_by=clinician,
    )
    session.treat_evaluation = _check_in_decision(session, clinician)
    session.save()
    return session


def _print_aftercare(client, session) -> PatientDocument:
    response = client.post(reverse("documents:aftercare_print", args=[session.appointment_id]))
    assert response.status_code == 302, response.content[:500]
    return PatientDocument.objects.get(pk=response.url.rstrip("/").split("/")[-1])


def _anticoagulated(language: str):
    patient = PatientFactory(preferred_language=language)
    MedicationFactory(patient=patient, code="anticoagulant", started_on=datetime.date(2025, 1, 1))
    return patient


# Aftercare


def test_aftercare_for_an_anticoagulated_patient_with_a_scalp_scar_in_english(clinician_client, clinician):
    session = _treated(clinician, patient=_anticoagulated("en"), body_site="scalp")
    document = _print_aftercare(clinician_client, session)
    for text in (_html_text(document), _pdf_text(document)):
        assert "Do not take aspirin or ibuprofen for the pain." in text
        assert "Paracetamol (acetaminophen) is usually fine. Keep taking the medicines your doctor prescribed." in text
        assert "bleeding that does not stop with pressure" in text
        assert "Scalp, left side. Hair grows in this area. The hair on the treated skin may not grow back." in text
        assert "a blister here may fill with blood" in text  # WRN-05: contact with a blood thinner
        assert "Get urgent help now" in text and "difficulty breathing" in text
        assert "Check the treated skin every day until it has healed." in text
        assert "not healed after 3 weeks" in text and "4 to 6 weeks" not in text
        assert "Hair loss" not in text and "WRN-" not in text  # never a rule's title or code


def test_aftercare_for_an_anticoagulated_patient_with_a_scalp_scar_in_spanish(clinician_client, clinician):
    session = _treated(clinician, patient=_anticoagulated("es"), body_site="scalp")
    document = _print_aftercare(clinician_client, session)
    for text in (_html_text(document), _pdf_text(document)):
        assert "No tome aspirina ni ibuprofeno para el dolor." in text
        assert "paracetamol" in text.lower()
        assert "sangrado que no para al presionar" in text
        assert "Cuero cabelludo, lado izquierdo." in text and "el pelo de la piel tratada no vuelva a crecer" in text
        assert "Busque ayuda urgente ahora" in text
        assert "Do not take" not in text and "Hair grows" not in text


def test_aftercare_without_a_bleeding_risk_keeps_the_usual_pain_advice(clinician_client, clinician):
    session = _treated(clinician, patient=PatientFactory(), body_site="abdomen")
    text = _html_text(_print_aftercare(clinician_client, session))
    assert "aspirin" not in text
    assert "take a simple painkiller you normally use" in text
    assert "Important for you" not in text


def test_a_bleeding_disorder_gets_the_same_pain_advice(clinician_client, clinician):
    patient = PatientFactory()
    ConditionFactory(patient=patient, code="bleeding_disorder")
    session = _treated(clinician, patient=patient, body_site="abdomen", technique="intralesional")
    assert "Do not take aspirin or ibuprofen for the pain." in _html_text(_print_aftercare(clinician_client, session))


def test_each_warning_names_the_area_it_concerns(clinician_client, clinician):
    patient = PatientFactory(fitzpatrick=5)
    forehead = _treated(clinician, patient=patient, body_site="forehead")
    shin = TreatmentSessionFactory(
        scar=ScarFactory(patient=patient, body_site="lower_leg", laterality="right"),
        appointment=forehead.appointment,
        performed_on=TREATED_ON,
        completed_by=clinician,
    )
    shin.treat_evaluation = _check_in_decision(shin, clinician)
    shin.save()
    text = _html_text(_print_aftercare(clinician_client, forehead))
    assert "Forehead, left side. Treatment here can give you a headache afterwards." in text
    assert "Forehead, left side. With your skin type, the treated skin may become lighter" in text
    assert "Lower leg, right side. Skin below the knee heals more slowly" in text
    assert "Lower leg, right side. Treatment here can give you a headache" not in text


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("rule", [rule for rule in RULES if rule.printable], ids=lambda rule: rule.code)
def test_every_printable_rule_has_a_sentence_for_the_patient(rule, language):
    with translation.override(language):
        html = render_to_string("documents/partials/warning.html", {"code": rule.code, "site": "Scalp"})
    assert "<li><strong>Scalp.</strong>" in html and len(html.strip()) > 60
    assert rule.title not in html


def test_a_code_without_a_sentence_prints_nothing():
    assert render_to_string("documents/partials/warning.html", {"code": "WRN-04", "site": "Scalp"}).strip() == ""


# Consent form


def _signed_consents():
    """Consents recorded from a printed form (the patient factory records one of its own)."""
    return Consent.objects.filter(signed_form__isnull=False)


def _print_consent(client, patient, **query) -> PatientDocument:
    url = reverse("documents:consent_print", args=[patient.pk])
    response = client.post(url + "?" + "&".join(f"{k}={v}" for k, values in query.items() for v in values))
    assert response.status_code == 302, response.content[:800]
    return PatientDocument.objects.get(pk=response.url.rstrip("/").split("/")[-1])


def test_consent_form_for_a_fitzpatrick_5_patient_names_the_lasting_colour_change(clinician_client, clinician):
    patient = PatientFactory(fitzpatrick=5)
    scar = ScarFactory(patient=patient, body_site="forehead", laterality="midline", morphology="keloid")
    ScarAssessmentFactory(scar=scar)
    document = _print_consent(clinician_client, patient, scars=[scar.pk], techniques=["contact"])
    for text in (_html_text(document), _pdf_text(document)):
        assert "Consent to scar treatment with cold" in text
        assert "Forehead, in the middle" in text and "a keloid" in text
        assert "With your skin type, the treated skin may become lighter, and this can be permanent." in text
        assert "Treatment here can give you a headache afterwards." in text
        assert "Skin that becomes lighter or darker, sometimes for good." in text
        assert "Injury to a nerve" in text and "Infection" in text and "A new scar." in text
        assert "3 to 6 weeks apart" in text and "about half improved" in text
        assert "silicone gel or sheets, pressure garments, steroid injections into the scar, or no treatment" in text
        assert "withdraw your consent at any time" in text
        assert "a cold tip held on the skin" in text
        assert "Parent or guardian" not in text
    assert list(document.scars.all()) == [scar] and document.techniques == ["contact"]
    assert document.kind == "consent" and document.version == 1


def test_a_minors_consent_form_has_the_guardians_lines_with_the_name_given(clinician_client, clinician):
    patient = PatientFactory(birth_date=datetime.date(2012, 5, 1))
    scar = ScarFactory(patient=patient)
    document = _print_consent(
        clinician_client, patient, scars=[scar.pk], techniques=["spray"],
        guardian_name=["Ana Ruiz"], guardian_relation=["mother"],
    )  # fmt: skip
    text = _pdf_text(document)
    assert "Parent or guardian (the patient is under 18): Ana Ruiz, mother" in text
    assert text.count("Signature:") == 3  # patient, guardian, clinician


def test_a_minors_consent_form_without_a_name_leaves_lines_to_write_it(clinician_client, clinician):
    patient = PatientFactory(birth_date=datetime.date(2012, 5, 1))
    scar = ScarFactory(patient=patient)
    text = _html_text(_print_consent(clinician_client, patient, scars=[scar.pk], techniques=["spray"]))
    assert "Parent or guardian (the patient is under 18): Name:" in text and "Relation to the patient:" in text


def test_consent_form_in_spanish(clinician_client, clinician):
    patient = PatientFactory(preferred_language="es", fitzpatrick=5)
    scar = ScarFactory(patient=patient, body_site="scalp", laterality="left")
    document = _print_consent(clinician_client, patient, scars=[scar.pk], techniques=["spray"])
    text = _pdf_text(document)
    assert document.language == "es"
    assert "Consentimiento" in text and "Cuero cabelludo, lado izquierdo" in text
    assert "puede quedar más clara" in text and "el pelo de la piel tratada no vuelva a crecer" in text
    assert "Consent to" not in text and "Risks" not in text


def test_the_choice_page_offers_only_active_scars_and_refuses_another_patients_scar(clinician_client, clinician):
    patient = PatientFactory()
    active = ScarFactory(patient=patient, body_site="cheek")
    ScarFactory(patient=patient, body_site="chin", status="resolved")
    other = ScarFactory()
    url = reverse("documents:consent_print", args=[patient.pk])
    page = clinician_client.get(url).content.decode()
    assert f'value="{active.pk}"' in page and "Chin" not in page
    response = clinician_client.get(url, {"scars": [other.pk], "techniques": ["spray"]})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    response = clinician_client.post(url + f"?scars={other.pk}&techniques=spray")
    assert response.status_code == 200 and not PatientDocument.objects.exists()


def test_recording_the_signed_form_makes_the_consent_and_links_them(clinician_client, clinician):
    patient = PatientFactory()
    scars = [ScarFactory(patient=patient, body_site="cheek"), ScarFactory(patient=patient, body_site="neck")]
    document = _print_consent(clinician_client, patient, scars=[s.pk for s in scars], techniques=["spray", "contact"])
    response = clinician_client.post(
        reverse("documents:consent_signed", args=[document.pk]), {"signed_on": "2026-11-20"}
    )
    assert response.status_code == 302
    consent = _signed_consents().get()
    document.refresh_from_db()
    assert document.consent == consent
    assert set(consent.scars.all()) == set(scars) and consent.techniques == ["spray", "contact"]
    assert consent.signed_on == TODAY and consent.text_version == "Printed consent form v1"
    patient_page = clinician_client.get(reverse("sessions:patient", args=[patient.pk])).content.decode()
    assert reverse("documents:document", args=[document.pk]) in patient_page
    assert "consent form, version 1" in patient_page
    sheet_page = clinician_client.get(reverse("documents:document", args=[document.pk])).content.decode()
    assert "Recorded as the consent signed on 2026-11-20" in sheet_page


def test_a_form_is_recorded_as_signed_once_and_not_before_it_was_printed(clinician_client, clinician):
    patient = PatientFactory()
    scar = ScarFactory(patient=patient)
    document = _print_consent(clinician_client, patient, scars=[scar.pk], techniques=["spray"])
    url = reverse("documents:consent_signed", args=[document.pk])
    early = clinician_client.post(url, {"signed_on": "2026-11-19"})
    assert early.status_code == 200 and "cannot be signed before" in early.content.decode()
    assert not _signed_consents().exists()
    clinician_client.post(url, {"signed_on": "2026-11-20"})
    again = clinician_client.post(url, {"signed_on": "2026-11-20"})
    assert again.status_code == 200 and "already recorded as signed" in again.content.decode()
    assert _signed_consents().count() == 1


def test_a_minors_signed_form_needs_the_guardian(clinician_client, clinician):
    patient = PatientFactory(birth_date=datetime.date(2012, 5, 1))
    scar = ScarFactory(patient=patient)
    document = _print_consent(clinician_client, patient, scars=[scar.pk], techniques=["spray"])
    response = clinician_client.post(
        reverse("documents:consent_signed", args=[document.pk]), {"signed_on": "2026-11-20"}
    )
    assert response.status_code == 200 and "name the guardian" in response.content.decode()
    assert not _signed_consents().exists() and PatientDocument.objects.get().consent is None


def test_clinic_admin_prints_the_form_but_only_a_clinician_records_it_signed(admin_client_, clinician):
    patient = PatientFactory()
    scar = ScarFactory(patient=patient)
    document = _print_consent(admin_client_, patient, scars=[scar.pk], techniques=["spray"])
    response = admin_client_.post(reverse("documents:consent_signed", args=[document.pk]), {"signed_on": "2026-11-20"})
    assert response.status_code == 403 and not _signed_consents().exists()


def test_outsider_gets_404_for_the_consent_form(client, outsider):
    patient = PatientFactory()
    client.force_login(outsider)
    assert client.get(reverse("documents:consent_print", args=[patient.pk])).status_code == 404


def test_a_session_recorded_without_a_decision_still_gets_this_patients_advice(clinician_client, clinician):
    # No check-in or booking decision stored: the sheet asks the engine about the records as they are.
    patient = _anticoagulated("en")
    scar = ScarFactory(patient=patient, body_site="forehead", laterality="right")
    ScarAssessmentFactory(scar=scar, assessed_on=datetime.date(2026, 10, 20))
    session = TreatmentSessionFactory(
        scar=scar, performed_on=TREATED_ON, appointment__patient=patient, completed_by=clinician
    )
    text = _html_text(_print_aftercare(clinician_client, session))
    assert "Forehead, right side. Treatment here can give you a headache afterwards." in text
    assert "Do not take aspirin or ibuprofen for the pain." in text


def test_a_blood_thinner_recorded_after_check_in_is_on_the_sheet(clinician_client, clinician):
    patient = PatientFactory()
    session = _treated(clinician, patient=patient, body_site="abdomen")  # decided before the medication
    MedicationFactory(patient=patient, code="antiplatelet", started_on=datetime.date(2026, 1, 1))
    text = _html_text(_print_aftercare(clinician_client, session))
    assert "Do not take aspirin or ibuprofen for the pain." in text
    assert "a blister here may fill with blood" in text


# Clinic-written text and dates in the patient's language


def _with_advice(clinic, *, en: str, es: str = ""):
    clinic.after_hours_advice, clinic.after_hours_advice_es = en, es
    clinic.save()


def test_a_spanish_sheet_prints_the_clinics_spanish_advice_and_never_the_english(clinician_client, clinician, clinic):
    _with_advice(clinic, en="Call the hospital switchboard.", es="Llame a la centralita del hospital.")
    spanish = _html_text(
        _print_aftercare(
            clinician_client, _treated(clinician, patient=PatientFactory(preferred_language="es"), body_site="neck")
        )
    )
    english = _html_text(
        _print_aftercare(clinician_client, _treated(clinician, patient=PatientFactory(), body_site="neck"))
    )
    assert "Llame a la centralita del hospital." in spanish and "switchboard" not in spanish
    assert "Call the hospital switchboard." in english and "centralita" not in english


def test_a_spanish_sheet_without_spanish_advice_prints_no_advice_line(clinician_client, clinician, clinic):
    _with_advice(clinic, en="Call the hospital switchboard.")
    text = _html_text(
        _print_aftercare(
            clinician_client, _treated(clinician, patient=PatientFactory(preferred_language="es"), body_site="neck")
        )
    )
    assert "switchboard" not in text and "Cuando la clínica esté cerrada" not in text


def test_the_set_up_page_keeps_both_languages_and_says_which_is_missing(admin_client_, clinic):
    _with_advice(clinic, en="Call the hospital switchboard.")
    page = admin_client_.get(reverse("clinic:settings")).content.decode()
    assert "No after-hours advice in Español" in page
    clinic.after_hours_advice_es = "Llame a la centralita."
    clinic.save()
    assert "No after-hours advice in" not in admin_client_.get(reverse("clinic:settings")).content.decode()
    assert Clinic.current().after_hours_advice_in("es") == "Llame a la centralita."
    assert Clinic.current().after_hours_advice_in("en") == "Call the hospital switchboard."


# Preparation sheet


def _print_preparation(client, patient) -> PatientDocument:
    response = client.post(reverse("documents:preparation_print", args=[patient.pk]))
    assert response.status_code == 302
    return PatientDocument.objects.get(pk=response.url.rstrip("/").split("/")[-1])


def test_the_preparation_sheet_asks_what_the_clinic_must_know_before_the_visit(clinician_client, clinician):
    text = _pdf_text(_print_preparation(clinician_client, PatientFactory()))
    for item in (
        "a medicine that thins the blood",
        "isotretinoin (an acne medicine) in the past year",
        "reacted badly to cold or to an earlier cryotherapy treatment",
        "diabetes or poor blood circulation",
        "you are pregnant, or might be",
        "at least 7 days",
        "about half an hour",
    ):
        assert item in text, item
    assert "under 18" not in text


def test_the_preparation_sheet_in_spanish_asks_the_same(clinician_client, clinician):
    text = _pdf_text(_print_preparation(clinician_client, PatientFactory(preferred_language="es")))
    assert "hace la sangre más líquida" in text and "isotretinoína" in text and "tiene diabetes" in text
    assert "blood" not in text


def test_a_minor_is_told_to_come_with_a_guardian(clinician_client, clinician):
    text = _html_text(_print_preparation(clinician_client, PatientFactory(birth_date=datetime.date(2010, 1, 1))))
    assert "You are under 18: a parent or guardian must come with you to the session." in text


def test_dates_on_a_spanish_sheet_are_in_spanish(clinician_client, clinician):
    patient = PatientFactory(preferred_language="es", birth_date=datetime.date(1980, 3, 3))
    scar = ScarFactory(patient=patient)
    document = _print_consent(clinician_client, patient, scars=[scar.pk], techniques=["spray"])
    assert "Fecha de nacimiento: 3 de marzo de 1980" in _pdf_text(document)
