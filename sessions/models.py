import secrets
import uuid
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from protocols.codes import AdverseEvent, Technique


def _default_time_zone() -> str:
    return settings.TIME_ZONE


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a time zone name such as Europe/Madrid.")


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class Clinic(models.Model):
    """The clinic's details, printed on patient documents, and its scheduling defaults (one row)."""

    name = models.CharField(max_length=200, default="CryoCare Scar Clinic")
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    after_hours_advice = models.TextField(
        blank=True, help_text="What patients should do when the clinic is closed, printed on aftercare sheets."
    )
    time_zone = models.CharField(
        max_length=64, default=_default_time_zone, validators=[validate_time_zone], help_text="e.g. Europe/Madrid"
    )
    default_visit_minutes = models.PositiveSmallIntegerField(default=30)
    slot_step_minutes = models.PositiveSmallIntegerField(default=15)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(default_visit_minutes__gte=5), name="clinic_visit_at_least_5_minutes"),
            models.CheckConstraint(condition=Q(slot_step_minutes__gte=5), name="clinic_slot_step_at_least_5_minutes"),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> "Clinic":
        clinic, _ = cls.objects.get_or_create(pk=1)
        return clinic

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class OpeningHours(models.Model):
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name_plural = "opening hours"
        constraints = [
            models.CheckConstraint(condition=Q(closes__gt=F("opens")), name="openinghours_closes_after_opens")
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class Room(models.Model):
    """A treatment room or cryo unit."""

    name = models.CharField(max_length=100, unique=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WorkingHours(models.Model):
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts = models.TimeField()
    ends = models.TimeField()

    class Meta:
        ordering = ["clinician", "weekday", "starts"]
        verbose_name_plural = "working hours"
        constraints = [models.CheckConstraint(condition=Q(ends__gt=F("starts")), name="workinghours_ends_after_starts")]

    def __str__(self) -> str:
        return f"{self.clinician} {self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"


class Closure(models.Model):
    """Days the clinic is closed, or (with a clinician) one clinician's days off."""

    starts_on = models.DateField()
    ends_on = models.DateField()
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="closures",
        help_text="Leave empty when the whole clinic is closed.",
    )
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="closure_ends_on_or_after_start")
        ]

    def __str__(self) -> str:
        who = self.clinician or "Clinic"
        return f"{who} closed {self.starts_on}–{self.ends_on}: {self.reason}"


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


class Appointment(models.Model):
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="appointments")
    clinician = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="appointments")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=AppointmentStatus.choices, default=AppointmentStatus.SCHEDULED)
    cancel_reason = models.CharField(max_length=300, blank=True)
    notes = models.CharField(max_length=500, blank=True)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    booked_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["starts_at"]), models.Index(fields=["clinician", "starts_at"])]
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
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class AppointmentScar(models.Model):
    """A scar to treat at an appointment, the planned technique and the engine's booking decision."""

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="planned")
    scar = models.ForeignKey("patients.Scar", on_delete=models.PROTECT, related_name="planned")
    technique = models.CharField(max_length=20, choices=Technique.choices)
    booking_evaluation = models.ForeignKey(
        "protocols.Evaluation", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["appointment", "scar"], name="appointmentscar_unique_scar")]

    def __str__(self) -> str:
        return f"{self.scar} ({self.get_technique_display()})"


class Cryogen(models.TextChoices):
    LIQUID_NITROGEN = "liquid_nitrogen", "Liquid nitrogen"
    OTHER = "other", "Other"


class TreatmentSession(models.Model):
    """What was done to one scar at one appointment. Completing it signs and locks it."""

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
    history = HistoricalRecords()

    class Meta:
        ordering = ["performed_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["appointment", "scar"], name="treatmentsession_one_per_scar_and_visit"),
            models.CheckConstraint(
                condition=Q(cycles__isnull=True) | Q(cycles__gte=1), name="treatmentsession_cycles_at_least_1"
            ),
            models.CheckConstraint(
                condition=Q(completed_at__isnull=True) | Q(completed_by__isnull=False),
                name="treatmentsession_completed_is_signed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scar} treated {self.performed_on}"

    @property
    def locked(self) -> bool:
        return self.completed_at is not None


class SessionAdverseEvent(models.Model):
    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="adverse_events")
    code = models.CharField(max_length=30, choices=AdverseEvent.choices)
    note = models.CharField(max_length=300, blank=True)
    resolved_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return self.get_code_display()


class SessionAddendum(models.Model):
    """A correction or addition to a signed session; the original stays as it was."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

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


# Patient documents: the aftercare and preparation sheets given to patients ------------------


class DocumentKind(models.TextChoices):
    AFTERCARE = "aftercare", "Aftercare sheet"
    PREPARATION = "preparation", "Preparation sheet"


def _document_pdf_path(instance, filename: str) -> str:
    # Never a name from the request: a fresh random name under documents/.
    return f"documents/{uuid.uuid4().hex}.pdf"


class PatientDocument(models.Model):
    """One printed version of a patient sheet, kept exactly as it was given to the patient.

    An aftercare sheet belongs to a completed appointment, a preparation sheet to the patient
    (and the first appointment, when one is booked). Versions count up per appointment for
    aftercare and per patient for preparation; a stored version is never changed or deleted.
    """

    kind = models.CharField(max_length=12, choices=DocumentKind.choices)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="documents")
    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, null=True, blank=True, related_name="documents"
    )
    version = models.PositiveSmallIntegerField()
    language = models.CharField(max_length=5)
    body_html = models.TextField(help_text="The sheet's content as printed (without the link footer).")
    content_sha256 = models.CharField(
        max_length=64, help_text="SHA-256 of the content: printing unchanged content again reuses this version."
    )
    pdf = models.FileField(upload_to=_document_pdf_path, blank=True, max_length=200)
    pdf_sha256 = models.CharField("PDF SHA-256", max_length=64, blank=True)
    printed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    printed_at = models.DateTimeField()
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "kind", "version"],
                condition=Q(kind="aftercare"),
                name="patientdocument_aftercare_version_unique",
            ),
            models.UniqueConstraint(
                fields=["patient", "kind", "version"],
                condition=Q(kind="preparation"),
                name="patientdocument_preparation_version_unique",
            ),
            models.CheckConstraint(
                condition=~Q(kind="aftercare") | Q(appointment__isnull=False),
                name="patientdocument_aftercare_has_appointment",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="patientdocument_version_from_1"),
            models.CheckConstraint(
                condition=Q(pdf="", pdf_sha256="") | (~Q(pdf="") & ~Q(pdf_sha256="")),
                name="patientdocument_pdf_and_hash_together",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version} for {self.patient}"


def _new_document_link_token() -> str:
    return secrets.token_urlsafe(12)  # 16 characters, 96 random bits: short enough to type


class DocumentLink(models.Model):
    """A patient's read-only link to one stored sheet, without an account; it expires and can be revoked."""

    document = models.ForeignKey(PatientDocument, on_delete=models.PROTECT, related_name="links")
    token = models.CharField(max_length=32, unique=True, default=_new_document_link_token)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    opened_count = models.PositiveIntegerField(default=0)
    last_opened_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["opened_count", "last_opened_at"])

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="documentlink_expires_after_created"
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True, revoked_by__isnull=True)
                | Q(revoked_at__isnull=False, revoked_by__isnull=False),
                name="documentlink_revoked_with_who",
            ),
        ]

    def __str__(self) -> str:
        return f"Link to {self.document} until {self.expires_at:%Y-%m-%d}"

    def is_valid(self, now) -> bool:
        return self.revoked_at is None and now < self.expires_at
