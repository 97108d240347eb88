from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import GreaterThanOrEqual
from simple_history.models import HistoricalRecords

from patients.singletons import SingletonModel
from protocols.codes import Stage, Technique
from protocols.engine import parameters_from_fields
from protocols.limits import (
    BOUNDS,
    ORDERED_PAIRS,
    PARAMETER_BOUNDS,
    PARAMETER_FIELDS,
    ParameterBound,
    parameter_problems,
)


def _parameter_field(name: str, help_text: str = "") -> models.PositiveSmallIntegerField:
    """A protocol parameter with its default and allowed range from RULES.md §6b (`protocols.limits`)."""
    bound = BOUNDS[name]
    allowed = f"Allowed {bound.low}–{bound.high} {bound.unit} (RULES.md §6b); default {bound.default}."
    return models.PositiveSmallIntegerField(
        bound.label, default=bound.default, help_text=f"{help_text} {allowed}".strip()
    )


def _bounds_constraints() -> list[models.CheckConstraint]:
    """The database refuses every value outside RULES.md §6b, as the model's clean() does."""
    constraints = [
        models.CheckConstraint(
            condition=models.Q(**{f"{bound.field}__gte": bound.low, f"{bound.field}__lte": bound.high}),
            name=f"protocolparameters_{bound.field}_in_bounds",
        )
        for bound in PARAMETER_BOUNDS
    ]
    constraints += [
        models.CheckConstraint(
            condition=models.Q(**{f"{upper}__gt": models.F(lower)}), name=f"protocolparameters_{name}_order"
        )
        for (lower, upper), name in zip(ORDERED_PAIRS, ("interval", "session_minutes"), strict=True)
    ]
    return constraints


class ProtocolParameters(SingletonModel):
    """The clinic's adjustable protocol parameters (RULES.md §2, §6 and §6b).

    A single row (pk=1), changed by a clinician on the parameters page (`/protocols/parameters/`,
    `services.protocol_parameters_change`), which records who, when, old and new values and why
    (`ProtocolParametersChange`); the Django admin only shows it. Every value is within the bounds
    of RULES.md §6b: `clean()` says which field is out and the database refuses it. Every decision
    records the values it was made with, so a later change never rewrites what the engine said.
    """

    min_interval_days = _parameter_field(
        "min_interval_days", "Earliest next session: days after the last completed session (RULES.md §2)."
    )
    max_interval_days = _parameter_field(
        "max_interval_days", "Latest next session: days after the last completed session (RULES.md §2)."
    )
    spray_max_freeze_seconds = _parameter_field("spray_max_freeze_seconds")
    spray_max_cycles = _parameter_field("spray_max_cycles")
    contact_max_freeze_seconds = _parameter_field("contact_max_freeze_seconds")
    contact_max_cycles = _parameter_field("contact_max_cycles")
    intralesional_max_freeze_seconds = _parameter_field("intralesional_max_freeze_seconds")
    intralesional_max_cycles = _parameter_field("intralesional_max_cycles")
    min_session_minutes = _parameter_field("min_session_minutes")
    max_session_minutes = _parameter_field("max_session_minutes")
    pregnancy_status_valid_days = _parameter_field(
        "pregnancy_status_valid_days",
        "A recorded “not pregnant” counts for this many days before the session date; older, the status is "
        "unknown (RULES.md §2a.5).",
    )
    updated_at = models.DateTimeField(auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "protocol parameters"
        verbose_name_plural = "protocol parameters"
        constraints = _bounds_constraints()

    def __str__(self) -> str:
        return "Protocol parameters"

    def parameter_values(self) -> dict[str, int]:
        """The parameters by field name (`protocols.limits.PARAMETER_FIELDS`)."""
        return {field: getattr(self, field) for field in PARAMETER_FIELDS}

    def clean(self) -> None:
        # Fields that are empty have their own "required" error already.
        given = {field: value for field, value in self.parameter_values().items() if value is not None}
        errors: dict[str, list[ValidationError]] = {}
        for problem in parameter_problems(given):
            errors.setdefault(problem.field, []).append(ValidationError(problem.sentence, code="out_of_bounds"))
        if errors:
            raise ValidationError(errors)

    def as_engine_parameters(self) -> dict:
        """The plain dict the pure engine takes (`protocols.engine.evaluate(facts, parameters)`)."""
        return parameters_from_fields(self.parameter_values())


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


MIN_PARAMETER_CHANGE_REASON = 10  # characters, as for an override


class ProtocolParametersChange(models.Model):
    """One change of the protocol parameters (RULES.md §6b: "keeps who, when, old and new value").

    Written by `services.protocol_parameters_change` in the same transaction as the change, and
    never edited or deleted afterwards.
    """

    # Empty only for the adjustment the v1.1 upgrade made to values outside the §6b bounds
    # (migration 0003), which no one made by hand.
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField()
    # {field: {"old": value, "new": value}} for every parameter that changed.
    changes = models.JSONField()

    class Meta:
        ordering = ["-changed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=GreaterThanOrEqual(Length("reason"), MIN_PARAMETER_CHANGE_REASON),
                name="protocolparameterschange_reason_at_least_10_chars",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"Protocol parameters changed {self.changed_at:%Y-%m-%d %H:%M} by {self.changed_by or 'the v1.1 upgrade'}"
        )

    @property
    def changed_values(self) -> list[tuple[ParameterBound, object, object]]:
        """(parameter, old value, new value) in the order the parameters are declared."""
        return [
            (bound, self.changes[bound.field]["old"], self.changes[bound.field]["new"])
            for bound in PARAMETER_BOUNDS
            if bound.field in self.changes
        ]
