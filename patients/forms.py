from datetime import timedelta

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row, Submit
from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone

from patients.models import (
    EARLIEST_BIRTH_DATE,
    CourseEndReason,
    Patient,
    PatientCondition,
    PatientMedication,
    PregnancyStatus,
    Scar,
    ScarAssessment,
)
from patients.photos import photo_reencode, photos_check
from patients.widgets import DateInput
from protocols.codes import SiteFinding, Technique

DATE = DateInput()


def _helper(*layout, submit: str = "Save") -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    helper.layout = Layout(*layout) if layout else None
    helper.add_input(Submit("save", submit))
    return helper


CLINICAL_PATIENT_FIELDS = (
    "fitzpatrick",
    "pregnancy_status",
    "pregnancy_confirmed_on",
)


class PatientForm(forms.ModelForm):
    class Meta:
        model = Patient
        fields = [
            "mrn",
            "given_name",
            "family_name",
            "birth_date",
            "sex",
            "phone",
            "email",
            "preferred_language",
            "email_consent",
            *CLINICAL_PATIENT_FIELDS,
            "notes",
            "archived",
        ]
        widgets = {
            "birth_date": DATE,
            "pregnancy_confirmed_on": DATE,
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"mrn": "Leave empty to generate one."}

    def __init__(self, *args, clinical: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mrn"].required = False
        if not clinical:
            # Clinic admins keep demographics; clinical facts stay with clinicians. A disabled
            # field ignores whatever is posted for it, so this holds on the server too.
            for name in CLINICAL_PATIENT_FIELDS:
                self.fields[name].disabled = True
                self.fields[name].help_text = "Recorded by a clinician."
        if self.instance.pk is None:
            del self.fields["archived"]
        self.helper = _helper(
            Fieldset(
                "Identity",
                Row(Column("given_name"), Column("family_name")),
                Row(Column("birth_date"), Column("sex"), Column("mrn")),
            ),
            Fieldset(
                "Contact",
                Row(Column("phone"), Column("email")),
                Row(Column("preferred_language"), Column("email_consent")),
            ),
            Fieldset(
                "Clinical",
                Row(Column("fitzpatrick"), Column("pregnancy_status"), Column("pregnancy_confirmed_on")),
            ),
            "notes",
            *(["archived"] if "archived" in self.fields else []),
        )

    def clean_mrn(self):
        return (self.cleaned_data.get("mrn") or "").strip()

    def clean(self):
        data = super().clean()
        status = data.get("pregnancy_status")
        if status in (PregnancyStatus.YES, PregnancyStatus.NO) and not data.get("pregnancy_confirmed_on"):
            self.add_error("pregnancy_confirmed_on", "Give the date the pregnancy status was last confirmed.")
        return data

    def clean_birth_date(self):
        birth = self.cleaned_data["birth_date"]
        if birth > timezone.localdate():
            raise forms.ValidationError("The birth date cannot be in the future.")
        if birth < EARLIEST_BIRTH_DATE:
            raise forms.ValidationError(
                f"A birth date before {EARLIEST_BIRTH_DATE:%Y-%m-%d} is not plausible: check the year."
            )
        return birth


class ConditionForm(forms.ModelForm):
    class Meta:
        model = PatientCondition
        fields = ["code", "onset_date", "note", "entered_in_error"]
        widgets = {"onset_date": DATE}
        labels = {"code": "Condition"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            del self.fields["entered_in_error"]
        self.helper = _helper()


class MedicationForm(forms.ModelForm):
    class Meta:
        model = PatientMedication
        fields = ["code", "drug_name", "started_on", "stopped_on", "entered_in_error"]
        widgets = {"started_on": DATE, "stopped_on": DATE}
        labels = {"code": "Medication class"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            del self.fields["entered_in_error"]
        self.helper = _helper()

    def clean(self):
        data = super().clean()
        started, stopped = data.get("started_on"), data.get("stopped_on")
        if started and stopped and stopped < started:
            self.add_error("stopped_on", "The stop date cannot be before the start date.")
        return data


class OtherHistoryForm(forms.Form):
    other_conditions = Patient._meta.get_field("other_conditions").formfield(widget=forms.Textarea(attrs={"rows": 3}))
    other_medications = Patient._meta.get_field("other_medications").formfield(widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper("other_conditions", "other_medications")


class ScarForm(forms.ModelForm):
    class Meta:
        model = Scar
        fields = ["body_site", "laterality", "morphology", "cause", "onset_date", "goal", "note"]
        widgets = {"onset_date": DATE, "note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Row(Column("body_site"), Column("laterality")),
            Row(Column("morphology"), Column("cause"), Column("onset_date")),
            Row(Column("goal")),
            "note",
        )


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleImageInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleImageField, self).clean(f, initial) for f in files]


VSS_FIELDS = ["vss_vascularity", "vss_pigmentation", "vss_pliability", "vss_height"]


def model_limits(model, name: str) -> tuple[int | None, int | None]:
    """The lowest and highest value the model field's validators allow: the one place a score's range is
    declared, read by the form's checks and the page's number input alike."""
    low = high = None
    for validator in model._meta.get_field(name).validators:
        if isinstance(validator, MinValueValidator):
            low = validator.limit_value
        elif isinstance(validator, MaxValueValidator):
            high = validator.limit_value
    return low, high


class AssessmentForm(forms.ModelForm):
    site_findings = forms.MultipleChoiceField(
        choices=SiteFinding.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Findings at the treatment site",
    )
    photos = MultipleImageField(
        required=False,
        help_text=(
            "JPEG, PNG or WebP, up to 10 MB and 25 megapixels each, 6 at a time. Location and camera data are removed."
        ),
    )

    class Meta:
        model = ScarAssessment
        fields = [
            "assessed_on",
            "length_mm",
            "width_mm",
            "height_mm",
            *VSS_FIELDS,
            "posas_obs_vascularity",
            "posas_obs_pigmentation",
            "posas_obs_thickness",
            "posas_obs_relief",
            "posas_obs_pliability",
            "posas_obs_surface_area",
            "posas_obs_overall",
            "posas_pt_pain",
            "posas_pt_itching",
            "posas_pt_colour",
            "posas_pt_stiffness",
            "posas_pt_thickness",
            "posas_pt_irregularity",
            "posas_pt_overall",
            "pain_score",
            "itch_score",
            "site_findings",
            "diagnosis_uncertain",
            "notes",
            "entered_in_error",
        ]
        widgets = {"assessed_on": DATE, "notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            del self.fields["entered_in_error"]
        for name in VSS_FIELDS + [f for f in self.fields if f.startswith("posas_")] + ["pain_score", "itch_score"]:
            low, high = model_limits(ScarAssessment, name)
            field = self.fields[name]
            field.min_value, field.max_value = low, high
            field.validators += [MinValueValidator(low), MaxValueValidator(high)]
            field.widget.attrs.update({"min": low, "max": high, "step": 1})
        for name in ("length_mm", "width_mm", "height_mm"):
            self.fields[name].widget.attrs.update({"min": 0, "step": "0.1"})
        self.helper = _helper(
            Row(Column("assessed_on"), Column("length_mm"), Column("width_mm"), Column("height_mm")),
            Fieldset(
                "Vancouver Scar Scale (score all four or none)",
                Row(*[Column(f) for f in VSS_FIELDS]),
            ),
            Fieldset(
                "POSAS 2.0 – observer (1 = like normal skin, 10 = worst imaginable)",
                Row(*[Column(f) for f in ["posas_obs_vascularity", "posas_obs_pigmentation", "posas_obs_thickness"]]),
                Row(*[Column(f) for f in ["posas_obs_relief", "posas_obs_pliability", "posas_obs_surface_area"]]),
                "posas_obs_overall",
            ),
            Fieldset(
                "POSAS 2.0 – patient (1 = no, not at all, 10 = yes, very much)",
                Row(*[Column(f) for f in ["posas_pt_pain", "posas_pt_itching", "posas_pt_colour"]]),
                Row(*[Column(f) for f in ["posas_pt_stiffness", "posas_pt_thickness", "posas_pt_irregularity"]]),
                "posas_pt_overall",
            ),
            Fieldset(
                "Symptoms and site",
                Row(Column("pain_score"), Column("itch_score")),
                "site_findings",
                "diagnosis_uncertain",
            ),
            "notes",
            "photos",
            *(["entered_in_error"] if "entered_in_error" in self.fields else []),
        )

    def clean_assessed_on(self):
        day = self.cleaned_data["assessed_on"]
        if day > timezone.localdate():
            raise forms.ValidationError("An assessment cannot be dated in the future.")
        return day

    def clean_photos(self):
        uploads = self.cleaned_data.get("photos") or []
        photos_check(uploads)  # every header first: nothing is decoded from a set that is refused
        return [photo_reencode(f) for f in uploads]

    def clean(self):
        data = super().clean()
        scored = [f for f in VSS_FIELDS if data.get(f) is not None]
        if scored and len(scored) != len(VSS_FIELDS):
            for f in VSS_FIELDS:
                if data.get(f) is None and f not in self.errors:
                    self.add_error(f, "Score all four VSS items, or leave all four empty.")
        return data

    def model_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "photos"}


class ConsentForm(forms.Form):
    """A signed consent: which of this patient's scars, which techniques, when, which text, and who gave it."""

    scars = forms.ModelMultipleChoiceField(
        queryset=Scar.objects.none(), widget=forms.CheckboxSelectMultiple, label="Scars it covers"
    )
    techniques = forms.MultipleChoiceField(
        choices=Technique.choices, widget=forms.CheckboxSelectMultiple, label="Techniques it covers"
    )
    signed_on = forms.DateField(widget=DATE)
    text_version = forms.CharField(label="Consent text version", max_length=40)
    guardian_name = forms.CharField(
        max_length=200,
        required=False,
        help_text="Needed when the patient is under 18: the guardian who gave the consent.",
    )
    guardian_relation = forms.CharField(
        label="Guardian's relation to the patient",
        max_length=100,
        required=False,
        help_text="Needed with the guardian's name (patients under 18), e.g. mother.",
    )

    def __init__(self, *args, patient: Patient, **kwargs):
        super().__init__(*args, **kwargs)
        # Only this patient's scars are offered; the service checks it again.
        self.fields["scars"].queryset = patient.scars.all()
        self.helper = _helper(
            Row(Column("scars"), Column("techniques")),
            Row(Column("signed_on"), Column("text_version")),
            Row(Column("guardian_name"), Column("guardian_relation")),
            submit="Record consent",
        )


class ConsentWithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(label="Withdrawn on", widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(submit="Withdraw consent")


class CourseEndForm(forms.Form):
    reason = forms.ChoiceField(choices=CourseEndReason.choices, label="Why the course ends")
    note = forms.CharField(required=False, max_length=300, label="Note")


class AccessLogSearchForm(forms.Form):
    """The access log's search: a patient, a user, a date range (the last 30 days unless given)."""

    patient = forms.CharField(required=False, max_length=100, help_text="Part of the MRN or the name.")
    user = forms.CharField(required=False, max_length=150, help_text="Part of the user name.")
    since = forms.DateField(required=False, widget=DATE, label="From")
    until = forms.DateField(required=False, widget=DATE, label="To")

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        data["until"] = data.get("until") or today
        data["since"] = data.get("since") or data["until"] - timedelta(days=30)
        if data["since"] > data["until"]:
            self.add_error("since", "The start date is after the end date.")
        return data
