from django import forms

from protocols.codes import Stage, Technique
from protocols.models import MIN_OVERRIDE_REASON


class EligibilityForm(forms.Form):
    on = forms.DateField(label="Session date", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    technique = forms.ChoiceField(choices=Technique.choices, initial=Technique.CONTACT)
    stage = forms.ChoiceField(choices=Stage.choices, initial=Stage.SCHEDULE)


class OverrideForm(EligibilityForm):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        min_length=MIN_OVERRIDE_REASON,
        strip=True,
        help_text=f"Why it is right to go ahead (at least {MIN_OVERRIDE_REASON} characters). Kept for ever.",
    )
