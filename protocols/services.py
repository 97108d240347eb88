"""Protocol services: the pure engine wired to the clinic's parameters and records."""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from protocols.codes import Stage, Technique
from protocols.engine import FactsError, evaluate
from protocols.facts import facts_for
from protocols.forms import EligibilityForm
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


def scar_decision(*, scar, on_date: date, technique: str, stage: str = Stage.SCHEDULE) -> tuple[dict, dict]:
    """(facts, decision) for one scar on one date, read from the database. Nothing is written."""
    facts = facts_for(scar, on_date, technique, stage)
    return facts, protocol_evaluate(facts)


@transaction.atomic
def evaluation_record(*, scar, on_date: date, technique: str, stage: str, purpose: str, user) -> Evaluation:
    """Evaluate from the current records and store exactly what the engine said."""
    facts, decision = scar_decision(scar=scar, on_date=on_date, technique=technique, stage=stage)
    return Evaluation.objects.create(
        patient=scar.patient,
        scar=scar,
        on_date=on_date,
        stage=stage,
        technique=technique,
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


@transaction.atomic
def decision_override(*, scar, on_date: date, technique: str, stage: str, user, reason: str) -> Override:
    """Re-evaluate from the current records and override that decision, or refuse and store nothing."""
    evaluation = evaluation_record(
        scar=scar, on_date=on_date, technique=technique, stage=stage, purpose=Evaluation.Purpose.CHECK, user=user
    )
    return override_record(evaluation=evaluation, user=user, reason=reason)


def scar_overrides(*, scar) -> list[Override]:
    return list(
        Override.objects.filter(evaluation__scar=scar)
        .select_related("evaluation", "created_by")
        .order_by("-created_at")
    )


@dataclass
class EligibilityPanel:
    """What the scar page's eligibility panel shows: the form, the values checked, the decision or errors."""

    form: EligibilityForm
    values: dict = field(default_factory=dict)
    decision: dict | None = None
    errors: list[dict] = field(default_factory=list)


def eligibility_panel(*, scar, params, today: date) -> EligibilityPanel:
    """Evaluate the date, technique and stage asked for in `params` (today, contact, scheduling by default)."""
    asked = any(key in params for key in ("on", "technique", "stage"))
    form = EligibilityForm(params if asked else None, initial={"on": today})
    if asked and not form.is_valid():
        return EligibilityPanel(form=form)
    values = form.cleaned_data if asked else {"on": today, "technique": Technique.CONTACT, "stage": Stage.SCHEDULE}
    panel = EligibilityPanel(form=form, values=values)
    try:
        _, panel.decision = scar_decision(
            scar=scar, on_date=values["on"], technique=values["technique"], stage=values["stage"]
        )
    except FactsError as error:
        panel.errors = error.errors
    return panel
