from django import forms

from exchange.models import CdsClient


class CdsClientForm(forms.Form):
    name = forms.CharField(
        max_length=100, label="Client name", help_text="The system that will call, e.g. “Front desk EHR”."
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if CdsClient.objects.filter(name__iexact=name).exists():
            raise forms.ValidationError("A client already has this name.")
        return name
