from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms

from patients.widgets import DateInput
from protocols.codes import Stage, Technique
from protocols.limits import PARAMETER_BOUNDS, PARAMETER_FIELDS
from protocols.models import MIN_OVERRIDE_REASON, MIN_PARAMETER_CHANGE_REASON, ProtocolParameters


class EligibilityForm(forms.Form):
    on = forms.DateField(label="Session date", widget=DateInput())
    technique = forms.ChoiceField(choices=Technique.choices, initial=Technique.CONTACT)
    stage = forms.ChoiceField(choices=Stage.choices, initial=Stage.SCHEDULE)


class OverrideForm(EligibilityForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        min_length=MIN_OVERRIDE_REASON,
        strip=True,
        help_text=f"Why it is right to go ahead (at least {MIN_OVERRIDE_REASON} characters). Kept for ever.",
    )


class ProtocolParametersForm(forms.ModelForm):
    """The clinic's protocol parameters (RULES.md §6b) with the reason for changing them.

    Values outside the bounds come back on their field from the model's `clean()` (the bounds of
    `protocols.limits`); the inputs carry the same bounds for the browser.
    """

    reason = forms.CharField(
        label="Reason for the change",
        widget=forms.Textarea(attrs={"rows": 2}),
        min_length=MIN_PARAMETER_CHANGE_REASON,
        strip=True,
        help_text=f"Why the clinic changes its protocol (at least {MIN_PARAMETER_CHANGE_REASON} characters). "
        "Kept for ever with the old and new values.",
    )

    class Meta:
        model = ProtocolParameters
        fields = list(PARAMETER_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for bound in PARAMETER_BOUNDS:
            self.fields[bound.field].widget.attrs.update(min=bound.low, max=bound.high)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("min_interval_days"), Column("max_interval_days"), Column("pregnancy_status_valid_days")),
            *(
                Row(Column(f"{technique}_max_freeze_seconds"), Column(f"{technique}_max_cycles"))
                for technique in Technique.values
            ),
            Row(Column("min_session_minutes"), Column("max_session_minutes")),
            "reason",
        )
        self.helper.add_input(Submit("save", "Save the parameters"))

    def parameter_values(self) -> dict[str, int]:
        return {field: self.cleaned_data[field] for field in PARAMETER_FIELDS}
