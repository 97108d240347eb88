"""Every form's crispy layout names only fields the form has: a missing one is silently left out of
the page (crispy only logs it), so a renamed or removed field would vanish from the screen."""

import logging

import pytest
from crispy_forms.utils import render_crispy_form

from patients import forms

FORMS = [forms.PatientForm, forms.ConditionForm, forms.MedicationForm, forms.ScarForm, forms.AssessmentForm]


@pytest.mark.django_db
@pytest.mark.parametrize("form_class", FORMS, ids=lambda f: f.__name__)
def test_the_layout_names_only_the_forms_fields(form_class, caplog):
    with caplog.at_level(logging.WARNING):
        html = render_crispy_form(form_class())
    assert not [r for r in caplog.records if "Could not resolve form field" in r.getMessage()]
    for name in form_class().fields:
        assert f'name="{name}"' in html
