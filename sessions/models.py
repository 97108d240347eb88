import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from protocols.codes import AdverseEvent, Technique


class AppointmentStatus(models.TextChoices):
    REQUESTED = "requested", "Requested (awaiting a clinician)"
    SCHEDULED = "scheduled", "Scheduled"
    CHECKED_IN = "checked_in", "Checked in"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"


# Statuses that hold a place in the schedule. The database refuses two of these that overlap for
# the same clinician, room or patient (see the migration that installs the guard).
ACTIVE_STATUSES = (
    AppointmentStatus.REQUESTED,
    AppointmentStatus.SCHEDULED,
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.COMPLETED,
)
# Statuses of a booked visit still waiting to happen: what a scar may hold one of per kind, and what
# a closure over its day leaves to reschedule.
WAITING_STATUSES = (AppointmentStatus.REQUESTED, AppointmentStatus.SCHEDULED)
# Statuses of a visit still to happen or under way: a scar with one of these is booked (worklist).
UPCOMING_STATUSES = (AppointmentStatus.REQUESTED, AppointmentStatus.SCHEDULED, AppointmentStatus.CHECKED_IN)


class AppointmentKind(models.TextChoices):
    # Only a treatment visit is checked by the protocol engine and carries treatment records; a
    # review is assessment and follow-up, bookable even when freezing is blocked (RULES.md §6a).
    TREATMENT = "treatment", "Treatment"
    REVIEW = "review", "Review (assessment and follow-up, no freezing)"


class Appointment(models.Model):
    patient_path = "patient"  # how the access layer finds the record's patient (patients.access)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="appointments")
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments")
    room = models.ForeignKey("clinic.Room", on_delete=models.PROTECT, related_name="appointments")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    kind = models.CharField(max_length=10, choices=AppointmentKind.choices, default=AppointmentKind.TREATMENT)
    status = models.CharField(max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.SCHEDULED)
    # Why a booked visit must move (e.g. the clinic closed that day); empty when it need not. The
    # worklist lists these *to reschedule*; moving the visit clears it.
    reschedule_reason = models.CharField(max_length=300, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    notes = models.CharField(max_length=500, blank=True)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    booked_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["starts_at"]),
            models.Index(fields=["clinician", "starts_at"]),
            models.Index(fields=["starts_at"], condition=~Q(reschedule_reason=""), name="appointment_to_reschedule"),
            # The worklist's "booked" test reads only the visits still to come, a few among years of them.
            models.Index(fields=["ends_at"], condition=Q(status__in=UPCOMING_STATUSES), name="appointment_upcoming"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="appointment_ends_after_start"),
            models.CheckConstraint(
                condition=~Q(status=AppointmentStatus.CANCELLED) | ~Q(cancel_reason=""),
                name="appointment_cancel_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.patient} at {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def to_reschedule(self) -> bool:
        """Booked, still to happen, and flagged: it can no longer take place as booked."""
        return bool(self.reschedule_reason) and self.status in WAITING_STATUSES

    @property
    def is_review(self) -> bool:
        return self.kind == AppointmentKind.REVIEW

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class AppointmentScar(models.Model):
    """A scar planned at an appointment: for a treatment visit, the technique and the engine's booking
    decision; for a review visit, neither (the technique is empty, nothing is evaluated)."""

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="planned")
    scar = models.ForeignKey("patients.Scar", on_delete=models.PROTECT, related_name="planned")
    technique = models.CharField(max_length=20, choices=Technique.choices, blank=True)
    booking_evaluation = models.ForeignKey(
        "protocols.Evaluation", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # Today's look at the scar, asked at check-in: the treat-stage decision reads these, never the
    # last assessment (RULES.md §2a.6). Null until the patient is checked in.
    site_findings_today = models.JSONField(default=list, blank=True)
    diagnosis_certain_today = models.BooleanField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["appointment", "scar"], name="appointmentscar_unique_scar")]

    def __str__(self) -> str:
        return f"{self.scar} ({self.plan_label})"

    @property
    def plan_label(self) -> str:
        """What is planned for the scar, in lower case: its technique, or "review"."""
        return self.get_technique_display().lower() if self.technique else "review"


class Cryogen(models.TextChoices):
    LIQUID_NITROGEN = "liquid_nitrogen", "Liquid nitrogen"
    OTHER = "other", "Other"


class TreatmentSession(models.Model):
    """What was done to one scar at one appointment. Completing it signs and locks it."""

    patient_path = "appointment__patient"  # how the access layer finds the record's patient (patients.access)
    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="treatments")
    scar = models.ForeignKey("patients.Scar", on_delete=models.PROTECT, related_name="treatments")
    performed_on = models.DateField()
    technique = models.CharField(max_length=20, choices=Technique.choices)
    cryogen = models.CharField(max_length=20, choices=Cryogen.choices, default=Cryogen.LIQUID_NITROGEN)
    applicator = models.CharField("applicator or probe", max_length=100, blank=True)
    freeze_seconds = models.PositiveSmallIntegerField("freeze per cycle (s)", null=True, blank=True)
    cycles = models.PositiveSmallIntegerField("freeze–thaw cycles", null=True, blank=True)
    thaw_seconds = models.PositiveSmallIntegerField("thaw (s)", null=True, blank=True)
    check_diagnosis_confirmed = models.BooleanField("diagnosis confirmed", default=False)
    check_contraindications_reviewed = models.BooleanField("contraindications reviewed", default=False)
    check_site_disinfected = models.BooleanField("cleansing and disinfection done", default=False)
    check_no_sun_7_days = models.BooleanField("no sun on the area for 7 days", default=False)
    check_medications_disclosed = models.BooleanField("medications disclosed", default=False)
    immediate_reaction = models.CharField("immediate local reaction", max_length=300, blank=True)
    observation_minutes = models.PositiveSmallIntegerField("observed before leaving (min)", null=True, blank=True)
    adjunct_drug = models.CharField("adjunct drug", max_length=100, blank=True, help_text="e.g. triamcinolone")
    adjunct_dose = models.CharField("adjunct dose", max_length=60, blank=True)
    adjunct_lot = models.CharField("adjunct lot", max_length=60, blank=True)
    started_at = models.TimeField(null=True, blank=True)
    ended_at = models.TimeField(null=True, blank=True)
    out_of_range_reason = models.TextField(
        blank=True, help_text="Required when a parameter is outside the protocol's ranges (RULES.md §6)."
    )
    notes = models.TextField(blank=True)
    treat_evaluation = models.ForeignKey(
        "protocols.Evaluation", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # For a record that does not describe what happened (wrong patient, wrong scar, a visit that did
    # not take place): kept, shown struck through, never read as a fact (RULES.md §2a.2, §6).
    entered_in_error = models.BooleanField(default=False)
    entered_in_error_reason = models.CharField(max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["performed_on", "pk"]
        # The outcome reports read the sessions of a period.
        indexes = [models.Index(fields=["performed_on"], name="treatmentsession_performed_on")]
        constraints = [
            models.UniqueConstraint(fields=["appointment", "scar"], name="treatmentsession_one_per_scar_and_visit"),
            models.CheckConstraint(
                condition=Q(cycles__isnull=True) | Q(cycles__gte=1), name="treatmentsession_cycles_at_least_1"
            ),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True) | Q(completed_by__isnull=False),
                name="treatmentsession_completed_is_signed",
            ),
            models.CheckConstraint(
                condition=Q(entered_in_error=False) | ~Q(entered_in_error_reason=""),
                name="treatmentsession_entered_in_error_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scar} treated {self.performed_on}"

    @property
    def locked(self) -> bool:
        return self.completed_at is not None


class Severity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


class SessionAdverseEvent(models.Model):
    patient_path = "session__appointment__patient"  # how the access layer finds the record's patient (patients.access)
    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="adverse_events")
    code = models.CharField(max_length=30, choices=AdverseEvent.choices)
    note = models.CharField(max_length=300, blank=True)
    onset_on = models.DateField("began on", null=True, blank=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, blank=True)
    treatment_given = models.CharField(max_length=300, blank=True)
    resolved_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    entered_in_error = models.BooleanField(default=False)
    entered_in_error_reason = models.CharField(max_length=300, blank=True)
    # The one-time token of the form that created the record: the same form sent twice (a double
    # click) adds nothing the second time (sessions.services.create_once).
    submission = models.CharField(max_length=32, null=True, blank=True, unique=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        ordering = ["recorded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(entered_in_error=False) | ~Q(entered_in_error_reason=""),
                name="sessionadverseevent_entered_in_error_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(resolved_on__isnull=True) | Q(onset_on__isnull=True) | Q(resolved_on__gte=F("onset_on")),
                name="sessionadverseevent_resolved_after_onset",
            ),
        ]

    def __str__(self) -> str:
        return self.get_code_display()


class SessionAddendum(models.Model):
    """A correction or addition to a signed session; the original stays as it was."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # The one-time token of the form that created the record: the same form sent twice (a double
    # click) adds nothing the second time (sessions.services.create_once).
    submission = models.CharField(max_length=32, null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Addendum by {self.author} on {self.created_at:%Y-%m-%d}"


def _new_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A clinician's private iCalendar feed; regenerating the token cuts off the old URL."""

    clinician = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=_new_token)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.clinician}"

    def regenerate(self) -> None:
        self.token = _new_token()
