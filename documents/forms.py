"""Forms for patient sheets: what a consent form covers, and recording the form once signed."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms

from patients.models import Patient, Scar, ScarStatus
from patients.widgets import DateInput
from protocols.codes import Technique


def _helper(*layout, submit: str) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.layout = Layout(*layout)
    helper.add_input(Submit("save", submit))
    return helper


class ConsentCoverForm(forms.Form):
    """Which of the patient's active scars and which techniques the printed consent form asks about."""

    scars = forms.ModelMultipleChoiceField(
        queryset=Scar.objects.none(), widget=forms.CheckboxSelectMultiple, label="Scars the form covers"
    )
    techniques = forms.MultipleChoiceField(
        choices=Technique.choices, widget=forms.CheckboxSelectMultiple, label="Techniques the form covers"
    )
    guardian_name = forms.CharField(
        max_length=200, required=False, help_text="For a patient under 18: printed on the form when given."
    )
    guardian_relation = forms.CharField(
        label="Guardian's relation to the patient", max_length=100, required=False, help_text="e.g. mother"
    )

    def __init__(self, *args, patient: Patient, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this patient's scars in an active course are offered; the selector checks it again.
        self.fields["scars"].queryset = patient.scars.filter(status=ScarStatus.ACTIVE)
        self.helper = _helper(
            Row(Column("scars"), Column("techniques")),
            Row(Column("guardian_name"), Column("guardian_relation")),
            submit="Show the consent form",
        )


class ConsentSignedForm(forms.Form):
    signed_on = forms.DateField(widget=DateInput())
    guardian_name = forms.CharField(
        max_length=200, required=False, help_text="Needed when the patient is under 18: the guardian who signed."
    )
    guardian_relation = forms.CharField(label="Guardian's relation to the patient", max_length=100, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Row(Column("signed_on")),
            Row(Column("guardian_name"), Column("guardian_relation")),
            submit="Record the signed consent",
        )
