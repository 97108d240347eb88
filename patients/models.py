from datetime import date

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from protocols.codes import (
    VSS_ITEM_MAX,
    BodySite,
    Cause,
    Condition,
    Laterality,
    Medication,
    Morphology,
    Sex,
    SiteFinding,
    Technique,
)


class Language(models.TextChoices):
    ENGLISH = "en", "English"
    SPANISH = "es", "Spanish"


class PregnancyStatus(models.TextChoices):
    YES = "yes", "Pregnant"
    NO = "no", "Not pregnant"
    UNKNOWN = "unknown", "Unknown"


# No living patient was born before this day: an earlier birth date is a typing error.
EARLIEST_BIRTH_DATE = date(1900, 1, 1)


class Patient(models.Model):
    patient_path = ""  # how the access layer finds the record's patient (patients.access)
    mrn = models.CharField("medical record number", max_length=32, unique=True)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    birth_date = models.DateField()
    sex = models.CharField(max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    fitzpatrick = models.PositiveSmallIntegerField(
        "Fitzpatrick skin type",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
        choices=[(i, f"Type {r}") for i, r in enumerate(["I", "II", "III", "IV", "V", "VI"], start=1)],
    )
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    preferred_language = models.CharField(max_length=5, choices=Language.choices, default=Language.ENGLISH)
    email_consent = models.BooleanField("agrees to be contacted by e-mail", default=False)
    pregnancy_status = models.CharField(max_length=10, choices=PregnancyStatus.choices, default=PregnancyStatus.UNKNOWN)
    pregnancy_confirmed_on = models.DateField("pregnancy status last confirmed", null=True, blank=True)
    # Superseded by the consent record (`Consent`, per scar and technique), into which migration 0004
    # copied them; kept as they were, no longer edited or read by the engine.
    consent_date = models.DateField("cryotherapy consent signed on", null=True, blank=True)
    consent_version = models.CharField("consent text version", max_length=40, blank=True)
    notes = models.TextField(blank=True)
    # Free text beside the coded history: never read by the protocol engine (the facts contract has
    # only RULES.md's codes), shown in the banner for the clinician to judge.
    other_conditions = models.TextField(
        "other conditions", blank=True, help_text="Anything without a code above. Not checked by the protocol engine."
    )
    other_medications = models.TextField(
        "other medications", blank=True, help_text="Anything without a code above. Not checked by the protocol engine."
    )
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["family_name", "given_name", "mrn"]
        indexes = [models.Index(fields=["family_name", "given_name"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(fitzpatrick__isnull=True) | Q(fitzpatrick__gte=1, fitzpatrick__lte=6),
                name="patient_fitzpatrick_1_to_6",
            ),
            # Consent is a date and a text version together, or absent.
            models.CheckConstraint(
                condition=Q(consent_date__isnull=True, consent_version="")
                | (Q(consent_date__isnull=False) & ~Q(consent_version="")),
                name="patient_consent_date_and_version_together",
            ),
            models.CheckConstraint(condition=Q(birth_date__gte=EARLIEST_BIRTH_DATE), name="patient_born_from_1900"),
        ]

    def __str__(self) -> str:
        return f"{self.family_name}, {self.given_name} ({self.mrn})"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def has_consent(self) -> bool:
        return self.consent_date is not None


class PatientCondition(models.Model):
    """A coded condition in the patient's history (RULES.md §3)."""

    patient_path = "patient"  # how the access layer finds the record's patient (patients.access)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="conditions")
    code = models.CharField(max_length=60, choices=Condition.choices)
    onset_date = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    entered_in_error = models.BooleanField(
        default=False, help_text="Kept for the record but no longer read by the protocol engine."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.get_code_display()


class PatientMedication(models.Model):
    """A coded medication with the drug's own name alongside (RULES.md §3)."""

    patient_path = "patient"  # how the access layer finds the record's patient (patients.access)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="medications")
    code = models.CharField(max_length=40, choices=Medication.choices)
    drug_name = models.CharField(max_length=200, blank=True, help_text="e.g. warfarin 5 mg daily")
    started_on = models.DateField(null=True, blank=True)
    stopped_on = models.DateField(null=True, blank=True, help_text="Leave empty while the patient still takes it.")
    entered_in_error = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code", "started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(started_on__isnull=True)
                | Q(stopped_on__isnull=True)
                | Q(stopped_on__gte=models.F("started_on")),
                name="medication_stopped_after_started",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_code_display()}: {self.drug_name}" if self.drug_name else self.get_code_display()


class TreatmentGoal(models.TextChoices):
    SYMPTOM_RELIEF = "symptom_relief", "Symptom relief (itch, pain, tightness)"
    AESTHETIC = "aesthetic", "Aesthetic improvement"
    BOTH = "both", "Both"


class ScarStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    RESOLVED = "resolved", "Course ended"


class CourseEndReason(models.TextChoices):
    """Why a clinician ended a scar's course (RULES.md §6c)."""

    GOAL_REACHED = "goal_reached", "Goal reached"
    PATIENT_DECLINED = "patient_declined", "Patient declined further treatment"
    REFERRED = "referred", "Referred elsewhere"
    NO_RESPONSE = "no_response", "No response"


_BODY_SITE_LABELS = dict(BodySite.choices)
_LATERALITY_LABELS = dict(Laterality.choices)
_MORPHOLOGY_LABELS = dict(Morphology.choices)


class Scar(models.Model):
    patient_path = "patient"  # how the access layer finds the record's patient (patients.access)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="scars")
    body_site = models.CharField(max_length=30, choices=BodySite.choices)
    laterality = models.CharField(max_length=10, choices=Laterality.choices, blank=True)
    morphology = models.CharField(max_length=20, choices=Morphology.choices)
    cause = models.CharField(max_length=20, choices=Cause.choices, default=Cause.UNKNOWN)
    onset_date = models.DateField("formed on", null=True, blank=True)
    goal = models.CharField("treatment goal", max_length=20, choices=TreatmentGoal.choices, default=TreatmentGoal.BOTH)
    status = models.CharField(max_length=10, choices=ScarStatus.choices, default=ScarStatus.ACTIVE)
    # An ended course (§6c) leaves the worklist and recalls; the scar keeps its history and can reopen.
    course_ended_on = models.DateField(null=True, blank=True)
    course_end_reason = models.CharField(max_length=20, choices=CourseEndReason.choices, blank=True)
    course_end_note = models.CharField(max_length=300, blank=True)
    # The date of the scar's last freeze (RULES.md §2a.2: a recorded freeze counts, signed or not),
    # kept by the schedule's services whenever a treatment record changes
    # (`sessions.services.scars_last_freeze_refresh`); the worklist filters and sorts on it. The
    # window is derived from it and the current parameters, never stored.
    last_freeze_on = models.DateField(null=True, blank=True, editable=False)
    # The clinician of that freeze's visit (the worklist shows and filters by it), kept alongside.
    last_freeze_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="+"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["last_freeze_on", "last_freeze_by"])

    class Meta:
        ordering = ["status", "body_site", "pk"]
        indexes = [
            models.Index(fields=["last_freeze_on"], condition=Q(status="active"), name="scar_active_last_freeze"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="active") | Q(course_ended_on__isnull=True, course_end_reason=""),
                name="scar_active_course_has_no_end",
            ),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        # Read from the codes' labels directly: lists and the worklist CSV show thousands of these, and
        # get_FOO_display() is slow (it flattens and hashes the choices on every call).
        site = _BODY_SITE_LABELS.get(self.body_site, self.body_site)
        side = f" ({_LATERALITY_LABELS.get(self.laterality, self.laterality).lower()})" if self.laterality else ""
        return f"{site}{side}, {_MORPHOLOGY_LABELS.get(self.morphology, self.morphology).lower()}"


# RULES.md §2a.7: under 18 on the date, a consent counts only when a named guardian gave it.
CONSENT_ADULT_AGE = 18


class Consent(models.Model):
    """A signed consent to cryotherapy of some of the patient's scars by some techniques (RULES.md §2a.7).

    Never deleted: a withdrawal is a date, a mistake is "entered in error". The techniques are
    three booleans, one per code of `protocols.codes.Technique`, so that the database itself
    holds "at least one technique"; `covers_field()` names the one for a code.
    """

    patient_path = "patient"  # how the access layer finds the record's patient (patients.access)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents")
    scars = models.ManyToManyField(Scar, related_name="consents")
    covers_spray = models.BooleanField("spray", default=False)
    covers_contact = models.BooleanField("contact", default=False)
    covers_intralesional = models.BooleanField("intralesional", default=False)
    signed_on = models.DateField()
    text_version = models.CharField("consent text version", max_length=40)
    withdrawn_on = models.DateField(null=True, blank=True)
    guardian_name = models.CharField(max_length=200, blank=True)
    guardian_relation = models.CharField("guardian's relation to the patient", max_length=100, blank=True)
    # Null only for the consents carried over from Patient.consent_date by migration 0004, which
    # recorded no author; every consent recorded through the app has one (consent_record).
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    entered_in_error = models.BooleanField(
        default=False, help_text="Kept for the record but no longer read by the protocol engine."
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-signed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(covers_spray=True) | Q(covers_contact=True) | Q(covers_intralesional=True),
                name="consent_covers_a_technique",
            ),
            models.CheckConstraint(condition=~Q(text_version=""), name="consent_text_version_given"),
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=models.F("signed_on")),
                name="consent_withdrawn_on_or_after_signed",
            ),
            models.CheckConstraint(
                condition=Q(guardian_name="", guardian_relation="") | (~Q(guardian_name="") & ~Q(guardian_relation="")),
                name="consent_guardian_name_and_relation_together",
            ),
        ]

    def __str__(self) -> str:
        return f"Consent of {self.patient} signed {self.signed_on:%Y-%m-%d} ({self.text_version})"

    @staticmethod
    def covers_field(technique: str) -> str:
        """The boolean field for a technique code; KeyError for a code that is not a technique."""
        return {code: f"covers_{code}" for code in Technique.values}[technique]

    @property
    def techniques(self) -> list[str]:
        return [code for code in Technique.values if getattr(self, f"covers_{code}")]

    def technique_labels(self) -> list[str]:
        return [Technique(code).label for code in self.techniques]


def _range(field: str, low: int, high: int, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__gte": low, f"{field}__lte": high}),
        name=name,
    )


VSS_ITEMS = {f"vss_{name}": top for name, top in VSS_ITEM_MAX.items()}
POSAS_OBSERVER_ITEMS = [
    "posas_obs_vascularity",
    "posas_obs_pigmentation",
    "posas_obs_thickness",
    "posas_obs_relief",
    "posas_obs_pliability",
    "posas_obs_surface_area",
]
POSAS_PATIENT_ITEMS = [
    "posas_pt_pain",
    "posas_pt_itching",
    "posas_pt_colour",
    "posas_pt_stiffness",
    "posas_pt_thickness",
    "posas_pt_irregularity",
]
POSAS_ITEMS = POSAS_OBSERVER_ITEMS + POSAS_PATIENT_ITEMS + ["posas_obs_overall", "posas_pt_overall"]


def _score(label: str, low: int, high: int) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        label, null=True, blank=True, validators=[MinValueValidator(low), MaxValueValidator(high)]
    )


def _size(label: str) -> models.DecimalField:
    return models.DecimalField(
        label, max_digits=6, decimal_places=1, null=True, blank=True, validators=[MinValueValidator(0)]
    )


class ScarAssessment(models.Model):
    """One examination of a scar: size, Vancouver Scar Scale, POSAS 2.0, symptoms, site findings."""

    patient_path = "scar__patient"  # how the access layer finds the record's patient (patients.access)
    scar = models.ForeignKey(Scar, on_delete=models.PROTECT, related_name="assessments")
    assessed_on = models.DateField("date")
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    length_mm = _size("length (mm)")
    width_mm = _size("width (mm)")
    height_mm = _size("height (mm)")

    vss_vascularity = _score("VSS vascularity (0–3)", 0, 3)
    vss_pigmentation = _score("VSS pigmentation (0–2)", 0, 2)
    vss_pliability = _score("VSS pliability (0–5)", 0, 5)
    vss_height = _score("VSS height (0–3)", 0, 3)

    posas_obs_vascularity = _score("vascularity", 1, 10)
    posas_obs_pigmentation = _score("pigmentation", 1, 10)
    posas_obs_thickness = _score("thickness", 1, 10)
    posas_obs_relief = _score("relief", 1, 10)
    posas_obs_pliability = _score("pliability", 1, 10)
    posas_obs_surface_area = _score("surface area", 1, 10)
    posas_obs_overall = _score("observer's overall opinion", 1, 10)
    posas_pt_pain = _score("painful", 1, 10)
    posas_pt_itching = _score("itching", 1, 10)
    posas_pt_colour = _score("colour", 1, 10)
    posas_pt_stiffness = _score("stiffness", 1, 10)
    posas_pt_thickness = _score("thickness", 1, 10)
    posas_pt_irregularity = _score("irregularity", 1, 10)
    posas_pt_overall = _score("patient's overall opinion", 1, 10)

    pain_score = _score("pain (0–10)", 0, 10)
    itch_score = _score("itch (0–10)", 0, 10)
    site_findings = models.JSONField(
        default=list, blank=True, help_text="Codes of RULES.md §3 found at the treatment site."
    )
    diagnosis_uncertain = models.BooleanField(
        default=False, help_text="Not sure this is a hypertrophic scar or keloid: refer for diagnosis first."
    )
    notes = models.TextField(blank=True)
    entered_in_error = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-assessed_on", "-pk"]
        constraints = [
            *[_range(f, 0, high, f"assessment_{f}_range") for f, high in VSS_ITEMS.items()],
            *[_range(f, 1, 10, f"assessment_{f}_range") for f in POSAS_ITEMS],
            _range("pain_score", 0, 10, "assessment_pain_score_range"),
            _range("itch_score", 0, 10, "assessment_itch_score_range"),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{f}__isnull": True}) | Q(**{f"{f}__gte": 0}), name=f"assessment_{f}_not_negative"
                )
                for f in ("length_mm", "width_mm", "height_mm")
            ],
            # The VSS is scored whole or not at all: a partial total would be meaningless.
            models.CheckConstraint(
                condition=Q(
                    vss_vascularity__isnull=True,
                    vss_pigmentation__isnull=True,
                    vss_pliability__isnull=True,
                    vss_height__isnull=True,
                )
                | Q(
                    vss_vascularity__isnull=False,
                    vss_pigmentation__isnull=False,
                    vss_pliability__isnull=False,
                    vss_height__isnull=False,
                ),
                name="assessment_vss_complete_or_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"Assessment of {self.scar} on {self.assessed_on:%Y-%m-%d}"

    @property
    def vss_scored(self) -> bool:
        return self.vss_vascularity is not None

    @property
    def vss_total(self) -> int | None:
        if not self.vss_scored:
            return None
        return sum(getattr(self, f) for f in VSS_ITEMS)

    def _posas_total(self, fields: list[str]) -> int | None:
        values = [getattr(self, f) for f in fields]
        return None if any(v is None for v in values) else sum(values)

    @property
    def posas_observer_total(self) -> int | None:
        return self._posas_total(POSAS_OBSERVER_ITEMS)

    @property
    def posas_patient_total(self) -> int | None:
        return self._posas_total(POSAS_PATIENT_ITEMS)

    def site_finding_labels(self) -> list[str]:
        return [SiteFinding(code).label for code in self.site_findings if code in SiteFinding.values]


def _photo_path(instance: "AssessmentPhoto", filename: str) -> str:
    # The stored name never comes from the user: the service names every file by a random id.
    return f"photos/{filename}"


class AssessmentPhoto(models.Model):
    patient_path = "assessment__scar__patient"  # how the access layer finds the record's patient (patients.access)
    assessment = models.ForeignKey(ScarAssessment, on_delete=models.PROTECT, related_name="photos")
    image = models.ImageField(upload_to=_photo_path, width_field="width", height_field="height")
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    caption = models.CharField(max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    entered_in_error = models.BooleanField(default=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"Photo {self.pk} of {self.assessment}"


class AccessEvent(models.Model):
    """Who opened, listed, exported or changed which clinical record, when and from where; and who
    was refused. Every read is traceable. A list or an export is one event naming the list, its
    filter and how many rows it showed; a patient's link to a sheet has no user."""

    class Action(models.TextChoices):
        VIEW = "view", "Viewed"
        CHANGE = "change", "Changed"
        EXPORT = "export", "Exported"
        REFUSED = "refused", "Refused"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, null=True, blank=True, related_name="access_events")
    object_type = models.CharField(max_length=60)  # a model's name, or "list"
    object_id = models.CharField(max_length=40)  # the record's id, or the list's name
    detail = models.CharField(max_length=300, blank=True, help_text="A list's filter, or why access was refused.")
    row_count = models.PositiveIntegerField(null=True, blank=True, help_text="Rows a list or an export showed.")
    address = models.GenericIPAddressField(null=True, blank=True)
    path = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["patient", "-at"]), models.Index(fields=["user", "-at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.action} {self.object_type} {self.object_id} at {self.at:%Y-%m-%d %H:%M}"


class RoleChange(models.Model):
    """A user given or taken a clinic role (group), by whom and when: role changes are audited."""

    class Action(models.TextChoices):
        GRANTED = "granted", "Granted"
        REVOKED = "revoked", "Revoked"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_changes")
    role = models.CharField(max_length=150)
    action = models.CharField(max_length=10, choices=Action.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.role} {self.action} for {self.user} at {self.at:%Y-%m-%d %H:%M}"
