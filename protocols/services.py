"""Protocol services: the pure engine wired to the clinic's parameters; stored decisions and overrides.

The facts an evaluation reads are built from the records by `sessions.facts`, and the services
that decide on a scar from its records (`sessions.decisions`) call these to store the result.
"""

from datetime import date

from django.db import transaction

from protocols.engine import evaluate
from protocols.models import MIN_OVERRIDE_REASON, Evaluation, Outcome, Override, ProtocolParameters


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
