from django import forms
from django.utils import timezone

from clinic.forms import ClinicianChoiceField
from clinic.models import Room
from patients.models import PregnancyStatus
from patients.roles import clinician_users
from patients.widgets import DateInput, DateTimeInput, TimeInput
from protocols.codes import AdverseEvent, SiteFinding, Technique
from sessions.models import Severity, TreatmentSession
from sessions.services import (
    HARD_LIMIT_FIELDS,
    ScarToday,
    ScheduleError,
    hard_limit_problems,
    parameter_problems,
)

DATETIME = DateTimeInput()
DATE = DateInput()
TIME = TimeInput()


class SlotForm(forms.Form):
    starts_at = forms.DateTimeField(label="Start", widget=DATETIME)
    minutes = forms.IntegerField(label="Length (minutes)", min_value=5, max_value=240)
    clinician = ClinicianChoiceField(queryset=clinician_users())
    room = forms.ModelChoiceField(queryset=Room.objects.filter(active=True))
    override_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Override reason (clinicians)",
        help_text="Needed only when the protocol asks for a clinician's override (at least 10 characters).",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].queryset = clinician_users()
        self.fields["room"].queryset = Room.objects.filter(active=True)

    def clean_starts_at(self):
        starts_at = self.cleaned_data["starts_at"]
        if starts_at < timezone.now():
            raise forms.ValidationError("Choose a time in the future.")
        return starts_at


class BookingForm(SlotForm):
    notes = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, scars=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.scars = list(scars)
        for scar in self.scars:
            self.fields[f"treat_{scar.pk}"] = forms.BooleanField(required=False, label=scar.label)
            self.fields[f"technique_{scar.pk}"] = forms.ChoiceField(
                choices=Technique.choices, initial=Technique.CONTACT, label="Technique"
            )

    def scar_rows(self):
        return [(scar, self[f"treat_{scar.pk}"], self[f"technique_{scar.pk}"]) for scar in self.scars]

    def planned(self) -> list[tuple]:
        return [
            (scar, self.cleaned_data[f"technique_{scar.pk}"])
            for scar in self.scars
            if self.cleaned_data.get(f"treat_{scar.pk}")
        ]

    def clean(self):
        data = super().clean()
        if self.scars and not any(data.get(f"treat_{scar.pk}") for scar in self.scars):
            self.add_error(None, "Choose at least one scar to treat.")
        return data


class ReviewBookingForm(SlotForm):
    """A review visit: which scars to look at, when, with whom. No technique and no override: the
    engine does not decide on a review (RULES.md §6a)."""

    notes = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, scars=(), **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["override_reason"]
        self.scars = list(scars)
        for scar in self.scars:
            self.fields[f"review_{scar.pk}"] = forms.BooleanField(required=False, label=scar.label)

    def scar_fields(self):
        return [(scar, self[f"review_{scar.pk}"]) for scar in self.scars]

    def chosen(self) -> list:
        return [scar for scar in self.scars if self.cleaned_data.get(f"review_{scar.pk}")]

    def clean(self):
        data = super().clean()
        if self.scars and not any(data.get(f"review_{scar.pk}") for scar in self.scars):
            self.add_error(None, "Choose at least one scar to review.")
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class TreatmentForm(forms.ModelForm):
    class Meta:
        model = TreatmentSession
        fields = [
            "technique",
            "cryogen",
            "applicator",
            "freeze_seconds",
            "cycles",
            "thaw_seconds",
            "check_diagnosis_confirmed",
            "check_contraindications_reviewed",
            "check_site_disinfected",
            "check_no_sun_7_days",
            "check_medications_disclosed",
            "immediate_reaction",
            "observation_minutes",
            "adjunct_drug",
            "adjunct_dose",
            "adjunct_lot",
            "started_at",
            "ended_at",
            "out_of_range_reason",
            "notes",
        ]
        widgets = {
            "started_at": TIME,
            "ended_at": TIME,
            "out_of_range_reason": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    override_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Override reason for a change of technique (clinicians)",
        help_text="Needed only when the protocol asks for an override for the new technique (at least 10 characters).",
    )

    def __init__(self, *args, parameters: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.parameters = parameters
        for name in ("freeze_seconds", "cycles", "thaw_seconds", "observation_minutes"):
            self.fields[name].widget.attrs["min"] = 0

    def clean(self):
        data = super().clean()
        # RULES.md §6 hard limits catch typing errors: no reason keeps such a value.
        hard = hard_limit_problems({name: data.get(name) for name in HARD_LIMIT_FIELDS})
        for problem in hard:
            self.add_error(problem.field, problem.sentence)
        if data.get("technique") and not hard:
            problems = parameter_problems(
                technique=data["technique"],
                freeze_seconds=data.get("freeze_seconds"),
                cycles=data.get("cycles"),
                started_at=data.get("started_at"),
                ended_at=data.get("ended_at"),
                parameters=self.parameters,
            )
            if problems and not (data.get("out_of_range_reason") or "").strip():
                for name, message in problems.items():
                    self.add_error(name, f"{message} Record the reason below to keep this value.")
                self.add_error("out_of_range_reason", "Required: a value is outside the protocol's range.")
        return data


class AdverseEventForm(forms.Form):
    """Rendered once per treatment on the visit page, field by field: no ids, each input labelled."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", False)
        super().__init__(*args, **kwargs)

    code = forms.ChoiceField(choices=AdverseEvent.choices, label="Adverse event")
    submission = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)
    note = forms.CharField(required=False, max_length=300)
    onset_on = forms.DateField(
        required=False,
        label="Began on",
        widget=DateInput(attrs={"class": "form-control form-control-sm w-auto", "aria-label": "Began on"}),
    )
    severity = forms.ChoiceField(choices=[("", "Severity"), *Severity.choices], required=False)
    treatment_given = forms.CharField(required=False, max_length=300, label="Treatment given")


class EnteredInErrorForm(forms.Form):
    entered_in_error_reason = forms.CharField(max_length=300, label="What is wrong with this record")


class ResolveForm(forms.Form):
    """Rendered beside every unresolved adverse event: no ids, the input labelled."""

    resolved_on = forms.DateField(
        widget=DateInput(attrs={"class": "form-control form-control-sm", "aria-label": "Resolved on"})
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", False)
        super().__init__(*args, **kwargs)


class AddendumForm(forms.Form):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label="Addendum", min_length=3, max_length=5000)
    submission = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)


def schedule_error_on_form(form: forms.Form, error: ScheduleError) -> None:
    """Show a refused booking or treatment on the field it names, or above the form."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


class CheckInForm(forms.Form):
    """Check-in (RULES.md §2a.6): for each scar, today's site findings and whether the diagnosis is
    certain; for a female patient aged 12–50, today's pregnancy status. The treat-stage decision is
    made from these answers."""

    override_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Override reason (clinicians)",
        help_text="Needed only when the protocol asks for a clinician's override (at least 10 characters).",
    )

    def __init__(self, *args, scars, ask_pregnancy: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.scars = list(scars)
        for scar in self.scars:
            self.fields[f"findings_{scar.pk}"] = forms.MultipleChoiceField(
                choices=SiteFinding.choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                label=f"{scar.label}: findings at the site today",
                help_text="Leave all unticked when the site is clear.",
            )
            self.fields[f"certain_{scar.pk}"] = forms.TypedChoiceField(
                choices=[("yes", "Yes"), ("no", "No")],
                coerce=lambda value: value == "yes",
                widget=forms.RadioSelect,
                label=f"{scar.label}: is the diagnosis (hypertrophic scar or keloid) certain?",
            )
        if ask_pregnancy:
            self.fields["pregnancy_status"] = forms.ChoiceField(
                choices=PregnancyStatus.choices,
                widget=forms.RadioSelect,
                label="Pregnancy status today",
                help_text="Asked of every female patient aged 12–50 at each check-in.",
            )

    def scar_fields(self):
        return [(scar, self[f"findings_{scar.pk}"], self[f"certain_{scar.pk}"]) for scar in self.scars]

    def scars_today(self) -> dict[int, ScarToday]:
        return {
            scar.pk: ScarToday(
                site_findings=self.cleaned_data[f"findings_{scar.pk}"],
                diagnosis_certain=self.cleaned_data[f"certain_{scar.pk}"],
            )
            for scar in self.scars
        }
