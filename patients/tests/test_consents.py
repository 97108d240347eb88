"""Consent per scar and technique (RULES.md §2a.7): the selector, the services, the pages, the migration."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse

from patients import selectors, services
from patients.models import Consent
from patients.tests import factories
from patients.tests.factories import PatientFactory, ScarFactory

ON = datetime.date(2026, 6, 1)
TODAY = datetime.date(2026, 11, 1)


def make_consent(patient, scars, techniques=("contact",), signed_on=datetime.date(2026, 1, 10), **fields) -> Consent:
    consent = Consent.objects.create(
        patient=patient,
        signed_on=signed_on,
        text_version="v2",
        **{f"covers_{t}": True for t in techniques},
        **fields,
    )
    consent.scars.set(scars)
    return consent


@pytest.fixture(autouse=True)
def _no_consent_from_the_factory(monkeypatch):
    monkeypatch.setattr(factories, "CONSENT_ON_FILE", False)


@pytest.fixture
def minor(db):
    return PatientFactory(birth_date=datetime.date(2010, 3, 1))  # 16 on ON


@pytest.fixture
def minor_scar(minor):
    return ScarFactory(patient=minor)


# consent_for


def test_a_consent_covering_the_scar_and_technique_gives_true(patient, scar):
    make_consent(patient, [scar])
    assert selectors.consent_for(scar=scar, technique="contact", on_date=ON) is True


def test_nothing_on_file_gives_none(scar):
    assert selectors.consent_for(scar=scar, technique="contact", on_date=ON) is None


def test_a_consent_for_another_scar_gives_none(patient, scar):
    make_consent(patient, [ScarFactory(patient=patient)])
    assert selectors.consent_for(scar=scar, technique="contact", on_date=ON) is None


def test_a_consent_for_another_technique_gives_none(patient, scar):
    make_consent(patient, [scar], techniques=("spray",))
    assert selectors.consent_for(scar=scar, technique="contact", on_date=ON) is None


def test_a_consent_signed_after_on_date_gives_none(patient, scar):
    make_consent(patient, [scar], signed_on=ON + datetime.timedelta(days=1))
    assert selectors.consent_for(scar=scar, technique="contact", on_date=ON) is None


def test_a_consent_signed_on_on_date_counts(patient, scar):
    make_consent(patient, [scar], signed_on=ON)
    assert selectors.consent_for(scar=scar, technique="contact", on_date=ON) is True


def test_a_consent_withdrawn_before_on_date_gives_false(patient, scar):
    make_consent(patient, [scar], withdrawn_on=ON - datetime.timedelta(days=1))
    assert selectors.consent_for(scar=scar, technique="contact", on_date=ON) is False


def test_a_consent_withdrawn_on_on_date_gives_false(patient, scar):
    make_consent(patient, [scar], withdrawn_on=ON)
    assert selectors.consent_for(scar=scar, technique="contact", on_date=ON) is False


def test_a_consent_withdrawn_after_on_date_was_valid_on_it(patient, scar):
    make_consent(patient, [scar], withdrawn_on=ON + datetime.timedelta(days=1))
    assert selectors.consent_for(scar=scar, technique="contact", on_date=ON) is True


def test_a_new_consent_after_a_withdrawn_one_gives_true(patient, scar):
    make_consent(patient, [scar], withdrawn_on=datetime.date(2026, 2, 1))
    make_consent(patient, [scar], signed_on=datetime.date(2026, 3, 1))
    assert selectors.consent_for(scar=scar, technique="contact", on_date=ON) is True


def test_a_minors_consent_given_by_a_guardian_gives_true(minor, minor_scar):
    make_consent(minor, [minor_scar], guardian_name="Ana Ruiz", guardian_relation="mother")
    assert selectors.consent_for(scar=minor_scar, technique="contact", on_date=ON) is True


def test_a_minors_consent_without_a_guardian_gives_false(minor, minor_scar):
    make_consent(minor, [minor_scar])
    assert selectors.consent_for(scar=minor_scar, technique="contact", on_date=ON) is False


def test_a_consent_without_a_guardian_counts_from_the_18th_birthday(minor, minor_scar):
    make_consent(minor, [minor_scar])
    assert selectors.consent_for(scar=minor_scar, technique="contact", on_date=datetime.date(2028, 2, 29)) is False
    assert selectors.consent_for(scar=minor_scar, technique="contact", on_date=datetime.date(2028, 3, 1)) is True


def test_a_consent_entered_in_error_is_ignored(patient, scar):
    make_consent(patient, [scar], entered_in_error=True)
    assert selectors.consent_for(scar=scar, technique="contact", on_date=ON) is None


def test_an_unknown_technique_is_refused(scar):
    with pytest.raises(ValueError):
        selectors.consent_for(scar=scar, technique="laser", on_date=ON)


def test_patient_consents_lists_the_patients_consents_only(patient, scar):
    mine = make_consent(patient, [scar])
    other = PatientFactory()
    make_consent(other, [ScarFactory(patient=other)])
    assert list(selectors.patient_consents(patient=patient)) == [mine]


# the database


def test_the_database_refuses_a_consent_without_a_technique(patient):
    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.create(patient=patient, signed_on=ON, text_version="v2")


def test_the_database_refuses_a_withdrawal_before_signing(patient):
    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.create(
            patient=patient, signed_on=ON, text_version="v2", covers_spray=True, withdrawn_on=ON - datetime.timedelta(1)
        )


def test_the_database_refuses_a_guardian_without_a_relation(patient):
    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.create(patient=patient, signed_on=ON, text_version="v2", covers_spray=True, guardian_name="X")


# services


def _record(patient, scars, user, **overrides):
    data = {
        "patient": patient,
        "scars": scars,
        "techniques": ["contact", "spray"],
        "signed_on": ON,
        "text_version": "v2",
        "guardian_name": "",
        "guardian_relation": "",
        "user": user,
        "today": TODAY,
    } | overrides
    return services.consent_record(**data)


def _record_refused_on(field, call) -> None:
    _refused_on(field, call)
    assert not Consent.objects.exists()


def _refused_on(field, call) -> None:
    with pytest.raises(ValidationError) as error:
        call()
    assert field in error.value.message_dict


def test_consent_record_saves_scars_techniques_and_who(patient, scar, clinician):
    consent = _record(patient, [scar], clinician)
    consent.refresh_from_db()
    assert list(consent.scars.all()) == [scar]
    assert consent.techniques == ["spray", "contact"]
    assert consent.recorded_by == clinician
    assert consent.history.first().history_user == clinician


def test_consent_record_refuses_another_patients_scar(patient, scar, clinician):
    _record_refused_on("scars", lambda: _record(patient, [scar, ScarFactory()], clinician))


def test_consent_record_refuses_no_scar(patient, clinician):
    _record_refused_on("scars", lambda: _record(patient, [], clinician))


def test_consent_record_refuses_no_technique(patient, scar, clinician):
    _record_refused_on("techniques", lambda: _record(patient, [scar], clinician, techniques=[]))


def test_consent_record_refuses_an_unknown_technique(patient, scar, clinician):
    _record_refused_on("techniques", lambda: _record(patient, [scar], clinician, techniques=["laser"]))


def test_consent_record_refuses_a_signature_in_the_future(patient, scar, clinician):
    _record_refused_on(
        "signed_on", lambda: _record(patient, [scar], clinician, signed_on=TODAY + datetime.timedelta(1))
    )


def test_consent_record_refuses_a_signature_before_birth(patient, scar, clinician):
    _record_refused_on("signed_on", lambda: _record(patient, [scar], clinician, signed_on=datetime.date(1980, 1, 1)))


def test_consent_record_refuses_a_blank_text_version(patient, scar, clinician):
    _record_refused_on("text_version", lambda: _record(patient, [scar], clinician, text_version="  "))


def test_consent_record_refuses_a_guardian_without_relation(patient, scar, clinician):
    _record_refused_on("guardian_relation", lambda: _record(patient, [scar], clinician, guardian_name="Ana Ruiz"))


def test_consent_record_refuses_a_minors_consent_without_a_guardian(minor, minor_scar, clinician):
    _record_refused_on("guardian_name", lambda: _record(minor, [minor_scar], clinician))


def test_consent_withdraw_records_the_date(patient, scar, clinician):
    consent = make_consent(patient, [scar])
    services.consent_withdraw(consent=consent, withdrawn_on=ON, user=clinician, today=TODAY)
    consent.refresh_from_db()
    assert consent.withdrawn_on == ON
    assert consent.history.first().history_user == clinician


@pytest.mark.parametrize(
    "withdrawn_on", [datetime.date(2026, 1, 9), TODAY + datetime.timedelta(1)], ids=["before_signed", "future"]
)
def test_consent_withdraw_refuses_a_date_outside_signed_to_today(patient, scar, clinician, withdrawn_on):
    consent = make_consent(patient, [scar])
    _refused_on(
        "withdrawn_on",
        lambda: services.consent_withdraw(consent=consent, withdrawn_on=withdrawn_on, user=clinician, today=TODAY),
    )
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


def test_consent_withdraw_refuses_a_second_withdrawal(patient, scar, clinician):
    consent = make_consent(patient, [scar], withdrawn_on=ON)
    _refused_on(
        "withdrawn_on",
        lambda: services.consent_withdraw(consent=consent, withdrawn_on=TODAY, user=clinician, today=TODAY),
    )
    consent.refresh_from_db()
    assert consent.withdrawn_on == ON


# pages


def _form(scars, **overrides):
    return {
        "scars": [s.pk for s in scars],
        "techniques": ["contact"],
        "signed_on": "2026-01-15",
        "text_version": "v3",
        "guardian_name": "",
        "guardian_relation": "",
    } | overrides


def test_clinician_records_a_consent(clinician_client, clinician, patient, scar):
    url = reverse("patients:consent_add", args=[patient.pk])
    assert clinician_client.get(url).status_code == 200
    response = clinician_client.post(url, _form([scar]))
    assert response.status_code == 302
    assert response["Location"] == reverse("sessions:patient", args=[patient.pk])
    consent = Consent.objects.get()
    assert (consent.patient, list(consent.scars.all()), consent.techniques) == (patient, [scar], ["contact"])
    assert (consent.signed_on, consent.text_version, consent.recorded_by) == (
        datetime.date(2026, 1, 15),
        "v3",
        clinician,
    )


def test_another_patients_scar_cannot_be_put_on_a_consent(clinician_client, patient, scar):
    response = clinician_client.post(reverse("patients:consent_add", args=[patient.pk]), _form([scar, ScarFactory()]))
    assert response.status_code == 200
    assert "scars" in response.context["form"].errors
    assert not Consent.objects.exists()


def test_a_service_refusal_is_shown_on_its_field(clinician_client, minor, minor_scar):
    response = clinician_client.post(reverse("patients:consent_add", args=[minor.pk]), _form([minor_scar]))
    assert response.status_code == 200
    assert "guardian_name" in response.context["form"].errors
    assert not Consent.objects.exists()


def test_clinician_withdraws_a_consent(clinician_client, patient, scar):
    consent = make_consent(patient, [scar])
    response = clinician_client.post(
        reverse("patients:consent_withdraw", args=[consent.pk]), {"withdrawn_on": "2026-02-01"}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("sessions:patient", args=[patient.pk])
    consent.refresh_from_db()
    assert consent.withdrawn_on == datetime.date(2026, 2, 1)


def test_clinic_admin_cannot_record_a_consent(admin_client_, patient, scar):
    response = admin_client_.post(reverse("patients:consent_add", args=[patient.pk]), _form([scar]))
    assert response.status_code == 403
    assert not Consent.objects.exists()


def test_clinic_admin_cannot_withdraw_a_consent(admin_client_, patient, scar):
    consent = make_consent(patient, [scar])
    response = admin_client_.post(
        reverse("patients:consent_withdraw", args=[consent.pk]), {"withdrawn_on": "2026-02-01"}
    )
    assert response.status_code == 403
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


def test_outsider_gets_404_for_the_consent_pages(client, outsider, patient, scar):
    consent = make_consent(patient, [scar])
    client.force_login(outsider)
    assert client.get(reverse("patients:consent_add", args=[patient.pk])).status_code == 404
    response = client.post(reverse("patients:consent_withdraw", args=[consent.pk]), {"withdrawn_on": "2026-02-01"})
    assert response.status_code == 404
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


def _render_partial(patient, can_clinical_write: bool) -> str:
    return render_to_string(
        "patients/partials/consents.html",
        {
            "patient": patient,
            "consents": selectors.patient_consents(patient=patient),
            "can_clinical_write": can_clinical_write,
        },
    )


def test_the_partial_lists_consents_and_links_only_for_writers(patient, scar):
    consent = make_consent(patient, [scar], guardian_name="Ana Ruiz", guardian_relation="mother")
    withdraw = reverse("patients:consent_withdraw", args=[consent.pk])
    html = _render_partial(patient, True)
    assert scar.label in html and "Contact" in html and "2026-01-10" in html and "v2" in html and "Ana Ruiz" in html
    assert withdraw in html and reverse("patients:consent_add", args=[patient.pk]) in html
    html = _render_partial(patient, False)
    assert withdraw not in html and reverse("patients:consent_add", args=[patient.pk]) not in html


# the data migration

migration = importlib.import_module("patients.migrations.0004_consent_per_scar_and_technique")


def test_the_migration_carries_a_patients_consent_date_over(db):
    patient = PatientFactory(consent_date=datetime.date(2025, 5, 2), consent_version="v1")
    scars = [ScarFactory(patient=patient), ScarFactory(patient=patient)]
    migration.consents_from_patient_fields(apps, None)
    consent = Consent.objects.get(patient=patient)
    assert set(consent.scars.all()) == set(scars)
    assert consent.techniques == ["spray", "contact", "intralesional"]
    assert (consent.signed_on, consent.text_version, consent.recorded_by) == (datetime.date(2025, 5, 2), "v1", None)
    assert selectors.consent_for(scar=scars[0], technique="intralesional", on_date=ON) is True


def test_the_migration_gives_no_consent_without_a_consent_date_or_a_scar(db):
    ScarFactory(patient=PatientFactory(consent_date=None, consent_version=""))
    PatientFactory(consent_date=datetime.date(2025, 5, 2), consent_version="v1")
    migration.consents_from_patient_fields(apps, None)
    assert not Consent.objects.exists()
