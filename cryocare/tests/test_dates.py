"""Dates and times are shown and entered in one format per language: pages, fields and their hints
agree (English: 2031-03-12 and 14:30; Spanish: 12/03/2031 and 14:30), whatever the browser's own
date picker would have drawn."""

import datetime
import importlib
import inspect

import pytest
from django import forms
from django.urls import reverse
from django.utils import translation

from patients.widgets import DateInput, format_hint
from sessions.forms import ResolveForm

FORM_MODULES = ["patients.forms", "clinic.forms", "protocols.forms", "sessions.forms", "documents.forms"]
TYPED_FIELDS = (forms.DateField, forms.TimeField, forms.DateTimeField)


def _date_and_time_fields():
    for module_name in FORM_MODULES:
        for name, form in inspect.getmembers(importlib.import_module(module_name), inspect.isclass):
            if issubclass(form, forms.BaseForm) and form.__module__ == module_name:
                for field_name, field in form.base_fields.items():
                    if isinstance(field, TYPED_FIELDS):
                        yield f"{module_name}.{name}.{field_name}", field


FIELDS = dict(_date_and_time_fields())


def test_the_forms_have_date_and_time_fields_to_check():
    assert {"patients.forms.PatientForm.birth_date", "clinic.forms.OpeningHoursForm.opens"} <= FIELDS.keys()


@pytest.mark.parametrize("name", sorted(FIELDS))
def test_every_date_and_time_field_takes_the_languages_format(name):
    widget = FIELDS[name].widget
    assert widget.input_type == "text", f"{name} would draw the browser's own picker"
    assert widget.format is None, f"{name} fixes its own format instead of the language's"


@pytest.mark.parametrize(
    ("language", "date_hint", "time_hint", "datetime_hint"),
    [("en", "YYYY-MM-DD", "hh:mm", "YYYY-MM-DD hh:mm"), ("es", "DD/MM/AAAA", "hh:mm", "DD/MM/AAAA hh:mm")],
)
def test_hints_spell_out_the_languages_format(language, date_hint, time_hint, datetime_hint):
    with translation.override(language):
        assert format_hint("DATE_INPUT_FORMATS") == date_hint
        assert format_hint("TIME_INPUT_FORMATS") == time_hint
        assert format_hint("DATETIME_INPUT_FORMATS") == datetime_hint


def test_a_field_shows_its_value_and_hint_in_the_pages_language():
    widget = DateInput()
    with translation.override("en"):
        english = widget.render("on", datetime.date(2031, 3, 12))
    with translation.override("es"):
        spanish = widget.render("on", datetime.date(2031, 3, 12))
    assert 'type="text"' in english and 'value="2031-03-12"' in english and 'placeholder="YYYY-MM-DD"' in english
    assert 'value="12/03/2031"' in spanish and 'placeholder="DD/MM/AAAA"' in spanish


@pytest.mark.parametrize(
    ("language", "typed", "expected"),
    [
        ("en", "2031-04-03", datetime.date(2031, 4, 3)),
        ("es", "03/04/2031", datetime.date(2031, 4, 3)),
        ("es", "2031-04-03", datetime.date(2031, 4, 3)),
    ],
)
def test_a_date_typed_in_the_languages_format_is_taken(language, typed, expected):
    with translation.override(language):
        form = ResolveForm(data={"resolved_on": typed})
        assert form.is_valid(), form.errors
    assert form.cleaned_data["resolved_on"] == expected


def test_a_date_in_another_format_is_refused_on_its_field():
    with translation.override("en"):
        form = ResolveForm(data={"resolved_on": "03/04/2031"})
        assert not form.is_valid()
    assert form.errors["resolved_on"] == ["Enter a valid date."]


def test_patient_page_and_edit_form_agree_in_english(clinician_client, patient):
    page = clinician_client.get(reverse("sessions:patient", args=[patient.pk])).content.decode()
    edit = clinician_client.get(reverse("patients:edit", args=[patient.pk])).content.decode()
    shown = f"{patient.birth_date:%Y-%m-%d}"
    assert f"<dd>{shown}</dd>" in page
    assert f'value="{shown}"' in edit and 'placeholder="YYYY-MM-DD"' in edit
    assert 'type="date"' not in edit


def test_patient_page_and_edit_form_agree_in_spanish(clinician_client, patient):
    page = clinician_client.get(reverse("sessions:patient", args=[patient.pk]), HTTP_ACCEPT_LANGUAGE="es")
    edit = clinician_client.get(reverse("patients:edit", args=[patient.pk]), HTTP_ACCEPT_LANGUAGE="es")
    shown = f"{patient.birth_date:%d/%m/%Y}"
    assert f"<dd>{shown}</dd>" in page.content.decode()
    assert f'value="{shown}"' in edit.content.decode()
    assert 'placeholder="DD/MM/AAAA"' in edit.content.decode()


def test_the_calendar_goes_to_a_day_typed_in_spanish(clinician_client):
    response = clinician_client.get(reverse("sessions:calendar_day"), {"date": "12/03/2031"}, HTTP_ACCEPT_LANGUAGE="es")
    assert response.context["day"] == datetime.date(2031, 3, 12)
    assert 'name="date" value="12/03/2031"' in response.content.decode()
