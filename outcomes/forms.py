from django import forms

from patients.widgets import DateInput

LONGEST_PERIOD_DAYS = 366 * 5


class PeriodForm(forms.Form):
    start = forms.DateField(label="From", widget=DateInput())
    end = forms.DateField(label="To", widget=DateInput())

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", "The period ends before it starts.")
            elif (end - start).days > LONGEST_PERIOD_DAYS:
                self.add_error("end", "A report covers at most five years.")
        return data
