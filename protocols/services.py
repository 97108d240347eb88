"""Protocol services: the engine wired to the clinic's stored parameters and records."""

from protocols.engine import evaluate
from protocols.models import ProtocolParameters


def clinic_parameters() -> dict:
    """The engine parameters currently set for the clinic (defaults from RULES.md)."""
    return ProtocolParameters.current().as_engine_parameters()


def protocol_evaluate(facts: dict) -> dict:
    """Evaluate one facts document with the clinic's current parameters.

    Raises `protocols.engine.FactsError` for invalid facts.
    """
    return evaluate(facts, parameters=clinic_parameters())
