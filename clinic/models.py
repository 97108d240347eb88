"""The clinic: its details (printed on patient sheets), rooms, opening hours, clinicians' working
hours, closures, and its scheduling defaults. Everything else reads the clinic through this app."""

import zoneinfo
from datetime import date, datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from patients.roles import person_name
from patients.singletons import SingletonModel


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


class Clinic(SingletonModel):
    """The clinic's details, printed on patient documents, and its scheduling defaults (one row)."""

    name = models.CharField(max_length=200, default="CryoCare Scar Clinic")
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    # Clinic-written text printed on patient sheets, one field per language of settings.LANGUAGES:
    # a sheet prints the text in its own language, or nothing (never another language's text).
    after_hours_advice = models.TextField(
        "after-hours advice (English)",
        blank=True,
        help_text="What patients should do when the clinic is closed, printed on English aftercare sheets.",
    )
    after_hours_advice_es = models.TextField(
        "after-hours advice (Spanish)",
        blank=True,
        help_text="The same advice in Spanish, printed on Spanish sheets.",
    )
    time_zone = models.CharField(
        max_length=64, default=_default_time_zone, validators=[validate_time_zone], help_text="e.g. Europe/Madrid"
    )
    default_visit_minutes = models.PositiveSmallIntegerField(default=30)
    slot_step_minutes = models.PositiveSmallIntegerField(default=15)
    # Messages (the notifications app): when reminders go out, and when the day's recalls and digest do.
    reminder_hours_before = models.PositiveSmallIntegerField(
        "reminder sent (hours before the visit)",
        default=48,
        help_text="Patients who agreed to e-mail get a reminder this long before a treatment or review visit.",
    )
    daily_messages_at = models.TimeField(
        "daily recalls and digest from",
        default=time(7, 30),
        help_text="Clinic time. Recalls to patients and the staff digest go out once a day from this time.",
    )
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(default_visit_minutes__gte=5), name="clinic_visit_at_least_5_minutes"),
            models.CheckConstraint(condition=Q(slot_step_minutes__gte=5), name="clinic_slot_step_at_least_5_minutes"),
            models.CheckConstraint(
                condition=Q(reminder_hours_before__gte=1, reminder_hours_before__lte=168),
                name="clinic_reminder_1_to_168_hours_before",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def after_hours_advice_in(self, language: str) -> str:
        """The after-hours advice written for `language`; "" when the clinic wrote none in it."""
        field = "after_hours_advice" if language == "en" else f"after_hours_advice_{language}"
        return getattr(self, field, "").strip()

    def languages_missing_advice(self) -> list[str]:
        """Languages whose sheets print no after-hours advice although another language has some."""
        texts = {code: self.after_hours_advice_in(code) for code, _name in settings.LANGUAGES}
        if not any(texts.values()):
            return []
        return [name for code, name in settings.LANGUAGES if not texts[code]]

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def date_of(self, moment: datetime | None = None) -> date:
        """The clinic's calendar date of `moment` (now by default): the one calendar every date is on,
        in requests, background jobs and commands alike (RULES.md §2a.8)."""
        return timezone.localdate(moment or timezone.now(), self.zone)


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
        return f"{person_name(self.clinician)}, {self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"


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
