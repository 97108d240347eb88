"""Reads of treatment sessions."""

from patients.models import Scar


def scar_session_history(*, scar: Scar) -> list[dict]:
    """The scar's sessions as the engine's `history` entries (RULES.md §2)."""
    return []
