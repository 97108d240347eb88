"""Protocol reads for the pages: the parameters in force with their bounds, and their change log."""

from typing import NamedTuple

from protocols.limits import PARAMETER_BOUNDS, ParameterBound
from protocols.models import ProtocolParameters, ProtocolParametersChange

RECENT_CHANGES = 50


class ParameterRow(NamedTuple):
    bound: ParameterBound
    value: int


def parameter_rows(parameters: ProtocolParameters) -> list[ParameterRow]:
    """Each parameter with its value in force, in the order RULES.md §6b lists them."""
    return [ParameterRow(bound, getattr(parameters, bound.field)) for bound in PARAMETER_BOUNDS]


def parameter_changes(*, limit: int = RECENT_CHANGES) -> list[ProtocolParametersChange]:
    """The latest changes of the protocol parameters, newest first."""
    return list(ProtocolParametersChange.objects.select_related("changed_by")[:limit])
