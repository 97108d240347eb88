"""The engine's decision on one scar, read from its records: checks, stored evaluations, overrides.

Facts come from `sessions.facts`; what the engine said is stored by `protocols.services`.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db import transaction

from patients.models import Scar
from protocols.codes import Stage, Technique
from protocols.engine import FactsError
from protocols.forms import EligibilityForm
from protocols.models import Evaluation, Override
from protocols.services import evaluation_store, override_record, protocol_evaluate
from sessions.facts import facts_for


def scar_decision(*, scar: Scar, on_date: date, technique: str, stage: str = Stage.SCHEDULE) -> tuple[dict, dict]:
    """(facts, decision) for one scar on one date, read from the database. Nothing is written."""
    facts = facts_for(scar, on_date, technique, stage)
    return facts, protocol_evaluate(facts)


def scar_decision_or_errors(*, scar: Scar, on_date: date, technique: str = Technique.CONTACT) -> dict:
    """The scheduling decision for a page to show, or {"errors": [...]} when the record cannot be decided on."""
    try:
        return scar_decision(scar=scar, on_date=on_date, technique=technique)[1]
    except FactsError as error:
        return {"errors": error.errors}


@transaction.atomic
def evaluation_record(
    *, scar: Scar, on_date: date, technique: str, stage: str, purpose: str, user, visit=None
) -> Evaluation:
    """Evaluate from the current records and store exactly what the engine said.

    `visit` is the appointment being decided: it is left out of the scar's history (RULES.md §2a.1).
    """
    facts = facts_for(scar, on_date, technique, stage, exclude_appointment=visit)
    return evaluation_store(scar=scar, facts=facts, purpose=purpose, user=user)


@transaction.atomic
def decision_override(*, scar: Scar, on_date: date, technique: str, stage: str, user, reason: str) -> Override:
    """Re-evaluate from the current records and override that decision, or refuse and store nothing."""
    evaluation = evaluation_record(
        scar=scar, on_date=on_date, technique=technique, stage=stage, purpose=Evaluation.Purpose.CHECK, user=user
    )
    return override_record(evaluation=evaluation, user=user, reason=reason)


@dataclass
class EligibilityPanel:
    """What the scar page's eligibility panel shows: the form, the values checked, the decision or errors."""

    form: EligibilityForm
    values: dict = field(default_factory=dict)
    decision: dict | None = None
    errors: list[dict] = field(default_factory=list)


def eligibility_panel(*, scar: Scar, params, today: date) -> EligibilityPanel:
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
