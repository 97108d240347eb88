"""Protocol services: the pure engine wired to the clinic's parameters; stored decisions and overrides;
changes of the parameters (RULES.md §6b).

The facts an evaluation reads are built from the records by `sessions.facts`, and the services
that decide on a scar from its records (`sessions.decisions`) call these to store the result.
"""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from patients.roles import User, is_clinician
from protocols.engine import evaluate
from protocols.limits import PARAMETER_FIELDS
from protocols.models import (
    MIN_OVERRIDE_REASON,
    MIN_PARAMETER_CHANGE_REASON,
    Evaluation,
    Outcome,
    Override,
    ProtocolParameters,
    ProtocolParametersChange,
)


class OverrideRefused(Exception):
    """An override that the protocol does not allow (a block, or nothing to override)."""


def clinic_parameters() -> dict:
    """The engine parameters currently set for the clinic (defaults from RULES.md)."""
    return ProtocolParameters.current().as_engine_parameters()


def protocol_evaluate(facts: dict) -> dict:
    """Evaluate one facts document with the clinic's current parameters.

    Raises `protocols.engine.FactsError` for invalid facts.
    """
    return evaluate(facts, parameters=clinic_parameters())


@transaction.atomic
def evaluation_store(*, scar, facts: dict, purpose: str, user) -> Evaluation:
    """Evaluate `facts` (built from the records by `sessions.facts`) and store exactly what the engine said."""
    decision = protocol_evaluate(facts)
    return Evaluation.objects.create(
        patient=scar.patient,
        scar=scar,
        on_date=date.fromisoformat(facts["on_date"]),
        stage=facts["stage"],
        technique=facts["technique"],
        purpose=purpose,
        outcome=decision["outcome"],
        ruleset=decision["ruleset"],
        facts=facts,
        decision=decision,
        parameters=decision["parameters"],
        created_by=user,
    )


@transaction.atomic
def override_record(*, evaluation: Evaluation, user, reason: str) -> Override:
    """Record a clinician's override of a `needs_override` decision (RULES.md: never of a block)."""
    reason = (reason or "").strip()
    if evaluation.outcome == Outcome.BLOCKED:
        raise OverrideRefused("A blocked decision cannot be overridden by anyone.")
    if evaluation.outcome != Outcome.NEEDS_OVERRIDE:
        raise OverrideRefused("This decision does not need an override.")
    if len(reason) < MIN_OVERRIDE_REASON:
        raise OverrideRefused(f"Give a reason of at least {MIN_OVERRIDE_REASON} characters.")
    if Override.objects.filter(evaluation=evaluation).exists():
        raise OverrideRefused("This decision has already been overridden.")
    return Override.objects.create(evaluation=evaluation, reason=reason, created_by=user)


def scar_overrides(*, scar) -> list[Override]:
    return list(
        Override.objects.filter(evaluation__scar=scar)
        .select_related("evaluation", "created_by")
        .order_by("-created_at")
    )


@transaction.atomic
def protocol_parameters_change(*, user: User, values: dict[str, int], reason: str) -> ProtocolParametersChange:
    """Change the clinic's protocol parameters (RULES.md §6b) and log who, when, old and new values and why.

    Only a clinician may ("needs the Clinician role"). `values` maps parameter field names
    (`protocols.limits.PARAMETER_FIELDS`) to new values; those not given keep theirs. Raises
    `ValidationError` keyed by field for a value outside its bounds, for a reason shorter than
    MIN_PARAMETER_CHANGE_REASON characters (`reason`) and when nothing would change. The row is
    locked, so two clinicians saving at once are logged one after the other, each against the
    values the other left.
    """
    if not is_clinician(user):
        raise PermissionDenied("Only clinicians can change the protocol parameters.")
    unknown = set(values) - set(PARAMETER_FIELDS)
    if unknown:
        raise ValueError(f"not protocol parameters: {sorted(unknown)}")
    reason = (reason or "").strip()
    if len(reason) < MIN_PARAMETER_CHANGE_REASON:
        raise ValidationError({"reason": f"Give a reason of at least {MIN_PARAMETER_CHANGE_REASON} characters."})
    ProtocolParameters.current()  # the row exists before it is locked
    parameters = ProtocolParameters.objects.select_for_update().get(pk=1)
    old = parameters.parameter_values()
    for field, value in values.items():
        setattr(parameters, field, value)
    parameters.full_clean()
    changes = {
        field: {"old": old[field], "new": new}
        for field, new in parameters.parameter_values().items()
        if new != old[field]
    }
    if not changes:
        raise ValidationError("Nothing to change: these are the values already in force.", code="unchanged")
    parameters._history_user = user  # simple_history's own record of the row names the clinician too
    parameters.save()
    return ProtocolParametersChange.objects.create(changed_by=user, reason=reason, changes=changes)
