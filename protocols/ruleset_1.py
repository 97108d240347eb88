"""What ruleset `cryocare-rules/1` decided, for the review of what changed with 1.1.

RULES.md v1.1 changed two things in how the engine reads the history (§5):

- the "last session" (and the completed sessions REL-13 counts) was the latest completed entry
  strictly *before* `on_date`; in 1.1 it is on or before, so a freeze earlier the same day counts;
- ADV-01 read only the last session's adverse events; in 1.1 it reads every completed session's.

Everything else the engine does is the same in both. So ruleset 1's decision on a set of facts is
the 1.1 engine's decision on the facts rewritten to say only what ruleset 1 read:
`facts_as_ruleset_1` marks completed entries dated `on_date` as not completed (their adverse events
stay, for ABS-06, which reads every entry) and marks the recovery adverse events of sessions before
the last session as resolved (read only by ADV-01). Pure: no ORM, no clock.
"""

from __future__ import annotations

import copy
from datetime import date

from protocols.codes import AdverseEvent, SessionStatus

RULESET_1 = "cryocare-rules/1"

# The adverse events ADV-01 reads (RULES.md §5); ruleset 1 read them on the last session only.
_RECOVERY_EVENTS = frozenset(
    code.value
    for code in (AdverseEvent.DERMATITIS, AdverseEvent.FROSTBITE, AdverseEvent.INFECTION, AdverseEvent.ULCERATION)
)
_COMPLETED = SessionStatus.COMPLETED.value
_NOT_READ_AS_SESSION = SessionStatus.CANCELLED.value


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def facts_as_ruleset_1(facts: dict) -> dict:
    """A copy of `facts` on which the 1.1 engine decides as ruleset 1 did (see the module's docstring).

    Facts the engine would refuse are returned as they are, to be refused in the same way.
    """
    on_date = _day(facts.get("on_date")) if isinstance(facts, dict) else None
    history = facts.get("history") if on_date else None
    if not isinstance(history, list) or not all(isinstance(entry, dict) for entry in history):
        return facts
    rewritten = copy.deepcopy(facts)
    entries = rewritten["history"]
    # Ruleset 1: only completed sessions strictly before on_date are sessions at all.
    for entry in entries:
        if entry.get("status") == _COMPLETED and _day(entry.get("date")) == on_date:
            entry["status"] = _NOT_READ_AS_SESSION
    completed_days = [
        day
        for entry in entries
        if entry.get("status") == _COMPLETED and (day := _day(entry.get("date"))) is not None and day < on_date
    ]
    last = max(completed_days, default=None)
    # Ruleset 1: ADV-01 read the last session only; earlier sessions' recovery events were not read.
    for entry in entries:
        day = _day(entry.get("date"))
        if entry.get("status") != _COMPLETED or day is None or last is None or day >= last:
            continue
        for event in entry.get("adverse_events") or ():
            if isinstance(event, dict) and event.get("code") in _RECOVERY_EVENTS:
                event["resolved"] = True
    return rewritten
