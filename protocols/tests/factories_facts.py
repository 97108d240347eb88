"""Build facts documents for engine tests: a baseline that is eligible with no findings, plus overrides.

    make_facts(patient__conditions=["raynaud"], scar__body_site="foot", on_date="2025-04-01")

A key with `__` reaches into a nested object (`patient__fitzpatrick=5`); a plain key replaces a
top-level field (`history=[session("2025-03-01")]`). Pass `DROP` to remove a field altogether.
"""

import copy
import datetime

ON_DATE = "2025-03-24"
LAST_SESSION = "2025-03-03"  # exactly 21 days before ON_DATE: inside the window, REL-12 silent

DROP = object()

_BASELINE = {
    "schema": "cryocare.facts/1",
    "on_date": ON_DATE,
    "stage": "schedule",
    "technique": "contact",
    "patient": {
        "birth_date": "1985-07-14",
        "sex": "female",
        "fitzpatrick": 2,
        "pregnant": False,
        "consent": True,
        "conditions": [],
        "medications": [],
    },
    "scar": {
        "morphology": "hypertrophic",
        "cause": "surgical",
        "body_site": "abdomen",
        "onset_date": "2023-01-10",
        "length_mm": 40,
        "width_mm": 6,
        "height_mm": 3,
        "site_findings": [],
        "diagnosis_uncertain": False,
    },
    "history": [
        {"date": LAST_SESSION, "status": "completed", "technique": "contact", "adverse_events": []},
    ],
    "assessments": [
        {"date": "2025-02-10", "vss": {"vascularity": 2, "pigmentation": 1, "pliability": 3, "height": 2}},
    ],
}


def make_facts(**overrides) -> dict:
    """A fresh copy of the baseline eligible document with `overrides` applied."""
    facts = copy.deepcopy(_BASELINE)
    for key, value in overrides.items():
        *parents, name = key.split("__")
        target = facts
        for parent in parents:
            target = target[parent]
        if value is DROP:
            target.pop(name, None)
        else:
            target[name] = value
    return facts


def session(date: str, status: str = "completed", technique: str | None = "contact", adverse_events=()) -> dict:
    """One history entry; `adverse_events` as (code, resolved) pairs or dicts."""
    events = [
        event if isinstance(event, dict) else {"code": event[0], "resolved": event[1]} for event in adverse_events
    ]
    return {"date": date, "status": status, "technique": technique, "adverse_events": events}


def assessment(date: str, vascularity=2, pigmentation=1, pliability=3, height=2, *, vss=True) -> dict:
    """One assessment; `vss=False` records one without a Vancouver Scar Scale."""
    if not vss:
        return {"date": date, "vss": None}
    return {
        "date": date,
        "vss": {"vascularity": vascularity, "pigmentation": pigmentation, "pliability": pliability, "height": height},
    }


def sessions_every(days: int, count: int, last: str = LAST_SESSION) -> list[dict]:
    """`count` completed sessions `days` apart, the latest on `last`, oldest first."""
    end = datetime.date.fromisoformat(last)
    return [session((end - datetime.timedelta(days=days * n)).isoformat()) for n in reversed(range(count))]


def codes(decision: dict) -> list[str]:
    return [finding["code"] for finding in decision["findings"]]


def finding(decision: dict, code: str) -> dict:
    matches = [f for f in decision["findings"] if f["code"] == code]
    assert len(matches) == 1, f"expected one {code} finding, got {codes(decision)}"
    return matches[0]
