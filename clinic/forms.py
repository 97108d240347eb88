"""Forms of the clinic set-up page. Each rejects bad input with a message on the field at fault."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row, Submit
from django import forms

from clinic.models import Clinic, Closure, OpeningHours, Room, WorkingHours
from patients.roles import clinician_users, person_name
from patients.widgets import DateInput, TimeInput

DATE = DateInput()
TIME = TimeInput()
MIN_MINUTES = 5  # the database holds the same floor (clinic_visit_at_least_5_minutes)


class ClinicianChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return person_name(obj)


def _helper(*layout, submit: str) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.layout = Layout(*layout) if layout else None
    helper.add_input(Submit("save", submit))
    return helper


class ClinicForm(forms.ModelForm):
    default_visit_minutes = forms.IntegerField(
        label="Default visit length (minutes)", min_value=MIN_MINUTES, max_value=480, initial=30
    )
    slot_step_minutes = forms.IntegerField(
        label="Slot step (minutes)",
        min_value=MIN_MINUTES,
        max_value=240,
        initial=15,
        help_text="Offered start times are this far apart.",
    )

    reminder_hours_before = forms.IntegerField(
        label="Reminder sent (hours before the visit)",
        min_value=1,
        max_value=168,
        initial=48,
        help_text="Patients who agreed to e-mail get a reminder this long before a treatment or review visit.",
    )

    class Meta:
        model = Clinic
        fields = [
            "name",
            "address",
            "phone",
            "after_hours_advice",
            "after_hours_advice_es",
            "time_zone",
            "default_visit_minutes",
            "slot_step_minutes",
            "reminder_hours_before",
            "daily_messages_at",
        ]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "after_hours_advice": forms.Textarea(attrs={"rows": 3}),
            "after_hours_advice_es": forms.Textarea(attrs={"rows": 3, "lang": "es"}),
            "time_zone": forms.TextInput(attrs={"list": "time-zones", "autocomplete": "off"}),
            "daily_messages_at": TIME,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Row(Column("name"), Column("phone")),
            "address",
            Row(Column("after_hours_advice"), Column("after_hours_advice_es")),
            Row(Column("time_zone"), Column("default_visit_minutes"), Column("slot_step_minutes")),
            Row(Column("reminder_hours_before"), Column("daily_messages_at")),
            submit="Save clinic details",
        )

    def clean_time_zone(self) -> str:
        # The model's validator names the problem; here only stray spaces are forgiven.
        return self.cleaned_data["time_zone"].strip()


class OpeningHoursForm(forms.ModelForm):
    class Meta:
        model = OpeningHours
        fields = ["weekday", "opens", "closes"]
        widgets = {"opens": TIME, "closes": TIME}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Row(Column("weekday"), Column("opens"), Column("closes")), submit="Add opening hours")

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens"), data.get("closes")
        if opens and closes and closes <= opens:
            self.add_error("closes", "The clinic must close after it opens.")
        return data


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["name"]
        labels = {"name": "Room or cryo unit"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("name", submit="Add room")

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()


class ClosureForm(forms.ModelForm):
    clinician = ClinicianChoiceField(
        queryset=None,
        required=False,
        empty_label="Whole clinic",
        help_text="Choose a clinician for one person's day off.",
    )

    class Meta:
        model = Closure
        fields = ["starts_on", "ends_on", "clinician", "reason"]
        widgets = {"starts_on": DATE, "ends_on": DATE}
        labels = {"starts_on": "From", "ends_on": "To (inclusive)"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = clinician_users()
        self.helper = _helper(
            Row(Column("starts_on"), Column("ends_on"), Column("clinician")), "reason", submit="Add closure"
        )

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "A closure cannot end before it starts.")
        return data


class WorkingHoursForm(forms.ModelForm):
    clinician = ClinicianChoiceField(queryset=None)

    class Meta:
        model = WorkingHours
        fields = ["clinician", "weekday", "starts", "ends"]
        widgets = {"starts": TIME, "ends": TIME}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = clinician_users()
        self.helper = _helper(
            Row(Column("clinician"), Column("weekday"), Column("starts"), Column("ends")), submit="Add working hours"
        )

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts"), data.get("ends")
        if starts and ends and ends <= starts:
            self.add_error("ends", "Working hours must end after they start.")
        return data
