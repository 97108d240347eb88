from django.conf import settings
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual
from simple_history.models import HistoricalRecords

from protocols.codes import Stage, Technique


class ProtocolParameters(models.Model):
    """The clinic's adjustable protocol parameters (RULES.md §2 and §6).

    A single row (pk=1) edited by clinic admins in the Django admin. Every decision records the
    values it was made with, so a later change never rewrites what the engine said before.
    """

    min_interval_days = models.PositiveSmallIntegerField(
        default=21, help_text="Earliest next session: days after the last completed session (RULES.md §2)."
    )
    max_interval_days = models.PositiveSmallIntegerField(
        default=42, help_text="Latest next session: days after the last completed session (RULES.md §2)."
    )
    spray_max_freeze_seconds = models.PositiveSmallIntegerField(default=20)
    spray_max_cycles = models.PositiveSmallIntegerField(default=3)
    contact_max_freeze_seconds = models.PositiveSmallIntegerField(default=30)
    contact_max_cycles = models.PositiveSmallIntegerField(default=3)
    intralesional_max_freeze_seconds = models.PositiveSmallIntegerField(default=90)
    intralesional_max_cycles = models.PositiveSmallIntegerField(default=2)
    min_session_minutes = models.PositiveSmallIntegerField(default=10)
    max_session_minutes = models.PositiveSmallIntegerField(default=30)
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "protocol parameters"
        verbose_name_plural = "protocol parameters"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_interval_days__gte=1)
                & models.Q(max_interval_days__gt=models.F("min_interval_days")),
                name="protocolparameters_interval_order",
            ),
            models.CheckConstraint(
                condition=models.Q(max_session_minutes__gte=models.F("min_session_minutes")),
                name="protocolparameters_session_minutes_order",
            ),
        ]

    def __str__(self) -> str:
        return "Protocol parameters"

    @classmethod
    def current(cls) -> "ProtocolParameters":
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj

    def as_engine_parameters(self) -> dict:
        """The plain dict the pure engine takes (`protocols.engine.evaluate(facts, parameters)`)."""
        return {
            "min_interval_days": self.min_interval_days,
            "max_interval_days": self.max_interval_days,
            "freeze_limits": {
                "spray": {"max_freeze_seconds": self.spray_max_freeze_seconds, "max_cycles": self.spray_max_cycles},
                "contact": {
                    "max_freeze_seconds": self.contact_max_freeze_seconds,
                    "max_cycles": self.contact_max_cycles,
                },
                "intralesional": {
                    "max_freeze_seconds": self.intralesional_max_freeze_seconds,
                    "max_cycles": self.intralesional_max_cycles,
                },
            },
            "session_minutes": {"min": self.min_session_minutes, "max": self.max_session_minutes},
        }


MIN_OVERRIDE_REASON = 10  # characters (RULES.md)


class Outcome(models.TextChoices):
    ELIGIBLE = "eligible", "Eligible"
    NEEDS_OVERRIDE = "needs_override", "Needs a clinician's override"
    BLOCKED = "blocked", "Blocked"


class Evaluation(models.Model):
    """What the engine said, exactly: the facts it read, the decision, the parameters and ruleset.

    Stored for every decision that leads to a booking, a treatment or an override, and never
    changed afterwards.
    """

    class Purpose(models.TextChoices):
        CHECK = "check", "Eligibility check"
        BOOKING = "booking", "Booking"
        TREATMENT = "treatment", "Treatment (check-in)"

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="evaluations")
    scar = models.ForeignKey("patients.Scar", on_delete=models.PROTECT, related_name="evaluations")
    on_date = models.DateField()
    stage = models.CharField(max_length=10, choices=Stage.choices)
    technique = models.CharField(max_length=20, choices=Technique.choices)
    purpose = models.CharField(max_length=10, choices=Purpose.choices)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    ruleset = models.CharField(max_length=40)
    facts = models.JSONField()
    decision = models.JSONField()
    parameters = models.JSONField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["scar", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} for {self.scar} on {self.on_date} ({self.get_purpose_display()})"

    @property
    def findings(self) -> list[dict]:
        return self.decision.get("findings", [])


class Override(models.Model):
    """A clinician's recorded decision to go ahead despite `needs_override` findings."""

    evaluation = models.OneToOneField(Evaluation, on_delete=models.PROTECT, related_name="override")
    # Copied from the evaluation so the database itself refuses an override of anything else.
    overridden_outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.NEEDS_OVERRIDE)
    reason = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(overridden_outcome=Outcome.NEEDS_OVERRIDE),
                name="override_only_needs_override",
            ),
            models.CheckConstraint(
                condition=GreaterThanOrEqual(Length("reason"), MIN_OVERRIDE_REASON),
                name="override_reason_at_least_10_chars",
            ),
        ]

    def __str__(self) -> str:
        return f"Override by {self.created_by} on {self.created_at:%Y-%m-%d}"
