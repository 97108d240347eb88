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


@pytest.mark.django_db
def test_score_inputs_carry_the_models_range():
    """POSAS items are 1–10, VSS items 0 to their maximum: the page's number inputs say so (no max="None")."""
    html = str(forms.AssessmentForm())
    assert 'name="posas_obs_vascularity" min="1" max="10"' in html
    assert 'name="vss_height" min="0" max="3"' in html
    assert 'max="None"' not in html and 'min="None"' not in html


@pytest.mark.django_db
def test_a_posas_score_of_0_is_refused_on_its_field():
    form = forms.AssessmentForm(data={"assessed_on": "2026-11-01", "posas_obs_vascularity": "0"})
    assert not form.is_valid()
    assert "posas_obs_vascularity" in form.errors
