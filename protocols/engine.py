"""The CryoCare protocol engine: one facts document in, one decision out (RULES.md).

`evaluate(facts, parameters=None)` is a pure function: no ORM, no clock, no settings. It first
validates the whole document and raises `FactsError` listing every problem found (each with the
field path, e.g. `patient.conditions[1]` or `assessments[2].vss.height`); then it runs every rule
of `protocols.rules.RULES` and returns a `cryocare.decision/1` document:

    {"schema": "cryocare.decision/1", "ruleset": "cryocare-rules/1.1", "outcome": ...,
     "findings": [...], "window": {"earliest": ..., "latest": ...} | None,
     "on_date": ..., "stage": ..., "technique": ..., "parameters": {...}}

Findings are ordered block, override, warn, then by code. `parameters` records the values the
decision was made with (`DEFAULT_PARAMETERS` unless the caller passes the clinic's, see
`ProtocolParameters.as_engine_parameters()`): the interval days, the freeze limits, the session
length and `pregnancy_status_valid_days` (read by the facts builder, RULES.md §2a.5, and
recorded here like the others). They are checked against the bounds of RULES.md §6b
(`protocols.limits`): any value a clinic may set is accepted, anything else raises
`ParametersError` naming the parameter.

The facts contract (`cryocare.facts/1`, RULES.md §2) as this engine reads it:

Required (missing → "is required"): `schema` (exactly "cryocare.facts/1"), `on_date`,
`technique`, `patient`, `patient.birth_date`, `scar`, `scar.morphology`, `scar.body_site`,
`patient.medications[].code`, `history[].date`, `history[].status`,
`history[].adverse_events[].code`, `assessments[].date` and, when `vss` is an object, all four
of its items.

Optional, with the value used when the field is absent:

- `stage` → "schedule"; `patient.sex` → "unknown"; `scar.cause` → "unknown";
- `patient.fitzpatrick`, `patient.pregnant`, `patient.consent`, `patient.medications[].stopped`,
  `scar.onset_date`, `scar.length_mm` / `width_mm` / `height_mm`, `history[].technique`,
  `assessments[].vss` → null (these are the fields where null means "unknown" / "none");
- `patient.conditions`, `patient.medications`, `scar.site_findings`, `history`, `assessments`,
  `history[].adverse_events` → [];
- `scar.diagnosis_uncertain` → false;
- `history[].adverse_events[].resolved` → false: an event not known to have resolved is treated
  as unresolved (the cautious reading for ADV-01).

An explicit null is accepted only where null has a meaning (the second list above); elsewhere it
is an error, as is any value of the wrong type (`true` is not a number, `"2"` is not a
Fitzpatrick type). Unknown fields are ignored. Lists may hold repeated codes. Python callers may
pass `protocols.codes` choices members for codes and `Decimal` sizes.

Dates are strict `YYYY-MM-DD`. Impossible values are rejected: Fitzpatrick outside 1–6, negative
or non-finite sizes, VSS items out of range, `on_date` (or any other date) before
`patient.birth_date`, and `scar.onset_date` after `on_date` (a scar cannot be treated before it
exists). History entries and assessments dated after `on_date` are valid and simply not read as
the past.

What "the past" is (RULES.md v1.1 §5): the "last session" is the latest `completed` history entry
dated on or before `on_date`, so a second freeze on the same day is 0 days after the first
(REL-12 fires; WRN-06 cannot). The "completed sessions" REL-13 counts are the same entries:
`completed`, dated on or before `on_date`. The window is earliest = last session +
`min_interval_days`, latest = last session + `max_interval_days`, null without a last session.
ADV-01 reads every completed entry dated on or before `on_date`, not only the last. Only
assessments dated on or before `on_date` count for ASM-01, REL-13 and STP-01.

Speed (`manage.py protocol_bench`; the README has the figures). The engine decides batches of
thousands of documents, so the hot path is written for it, each step with its reason beside it:
`_context` reads and checks the document in one pass and calls a helper only to word a problem;
date strings are parsed once per string (`_DATES`) and dates written back once per date
(`rules.iso`); each set of protocol intervals has its plans (`_Plans`), the rules worth asking
about a kind of document (`Rule.needs`, `Rule.sites`) with their findings made in advance; and
`evaluate_many` validates a run of documents before it decides them. None of it changes a
decision: the property tests compare the plans with asking every rule.
"""

from __future__ import annotations

import functools
import gc
import math
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from itertools import islice

from protocols.codes import (
    VSS_ITEM_MAX,
    AdverseEvent,
    BodySite,
    Cause,
    Condition,
    Medication,
    Morphology,
    SessionStatus,
    Sex,
    SiteFinding,
    Stage,
    Technique,
)
from protocols.limits import PARAMETER_DEFAULTS, parameter_problems
from protocols.rules import (
    BLOCK,
    OVERRIDE,
    RULES,
    SPARSE_FACTS,
    WARN,
    AdverseEventRecord,
    Context,
    MedicationRecord,
    VssReading,
    age_on,
    finding_dict,
    iso,
    sparse_facts_lacking,
)
from protocols.window import window_after

FACTS_SCHEMA = "cryocare.facts/1"
DECISION_SCHEMA = "cryocare.decision/1"
RULESET = "cryocare-rules/1.1"

ELIGIBLE = "eligible"
OUTCOME_BY_SEVERITY = {BLOCK: "blocked", OVERRIDE: "needs_override", WARN: ELIGIBLE}

_STAGES = frozenset(Stage.values)
_TECHNIQUES = frozenset(Technique.values)
_SEXES = frozenset(Sex.values)
_CONDITIONS = frozenset(Condition.values)
_MEDICATIONS = frozenset(Medication.values)
_MORPHOLOGIES = frozenset(Morphology.values)
_CAUSES = frozenset(Cause.values)
_BODY_SITES = frozenset(BodySite.values)
_SITE_FINDINGS = frozenset(SiteFinding.values)
_ADVERSE_EVENTS = frozenset(AdverseEvent.values)
_STATUSES = frozenset(SessionStatus.values)
_COMPLETED = SessionStatus.COMPLETED.value
_SIZE_FIELDS = ("length_mm", "width_mm", "height_mm")
_VSS_ITEMS = tuple(VSS_ITEM_MAX.items())
_INFINITY = math.inf
_LARGEST_FLOAT = sys.float_info.max

_MISSING = object()
_new = object.__new__  # an instance without calling its __init__ (see the end of _context)
_NO_CODES: frozenset[str] = frozenset()
_LIST_TYPES = (list, tuple)  # JSON arrays; tuples from Python callers


class FactsError(ValueError):
    """The facts document is invalid; `errors` lists every problem as {"field", "message"}."""

    def __init__(self, errors: list[dict[str, str]]):
        self.errors = errors
        super().__init__("; ".join(f"{error['field']}: {error['message']}" for error in errors))


# --- Parameters -------------------------------------------------------------------------------

_TECHNIQUE_ORDER = tuple(Technique.values)  # spray, contact, intralesional
# Each parameter by its field name (`protocols.limits`, `ProtocolParameters`) → its place in the
# engine's parameters dict, as errors name it.
PARAMETER_NAMES: dict[str, str] = {
    "min_interval_days": "min_interval_days",
    "max_interval_days": "max_interval_days",
    **{
        f"{technique}_{limit}": f"freeze_limits.{technique}.{limit}"
        for technique in _TECHNIQUE_ORDER
        for limit in ("max_freeze_seconds", "max_cycles")
    },
    "min_session_minutes": "session_minutes.min",
    "max_session_minutes": "session_minutes.max",
    "pregnancy_status_valid_days": "pregnancy_status_valid_days",
}


class ParametersError(ValueError):
    """Protocol parameters that are malformed or outside RULES.md §6b: a configuration error, not bad facts.

    `errors` lists every problem as {"field", "message"}, the field named as in the engine's
    parameters ("freeze_limits.spray.max_freeze_seconds"), like `FactsError`.
    """

    def __init__(self, errors: list[dict[str, str]]):
        self.errors = errors
        super().__init__(
            "protocol parameters: " + "; ".join(f"{error['field']}: {error['message']}" for error in errors)
        )


def parameters_from_fields(values: Mapping[str, int]) -> dict:
    """The engine's parameters dict from values by field name (`ProtocolParameters`' fields)."""
    return {
        "min_interval_days": values["min_interval_days"],
        "max_interval_days": values["max_interval_days"],
        "freeze_limits": {
            technique: {
                "max_freeze_seconds": values[f"{technique}_max_freeze_seconds"],
                "max_cycles": values[f"{technique}_max_cycles"],
            }
            for technique in _TECHNIQUE_ORDER
        },
        "session_minutes": {"min": values["min_session_minutes"], "max": values["max_session_minutes"]},
        "pregnancy_status_valid_days": values["pregnancy_status_valid_days"],
    }


# RULES.md §2, §6 and §6b defaults, declared in protocols.limits.
DEFAULT_PARAMETERS: dict = parameters_from_fields(PARAMETER_DEFAULTS)


def _section(errors: _Errors, parent: dict, key: str, name: str) -> dict:
    """The object `parent[key]`; empty when absent or null, and an error when it is not an object."""
    section = parent.get(key)
    if section is None:
        return {}
    if not isinstance(section, dict):
        errors.add(name, f"must be an object, not {_show(section)}")
        return {}
    return section


def normalise_parameters(parameters: dict | None) -> dict:
    """A complete, checked copy of `parameters`; what is missing comes from `DEFAULT_PARAMETERS`.

    Every value is checked against RULES.md §6b (`protocols.limits`), so every decision is made
    with values a clinic may set, and every value a clinic may set is accepted. Anything else
    raises `ParametersError` naming each parameter at fault: a programming or configuration error,
    never `FactsError`.
    """
    given = {} if parameters is None else parameters
    if not isinstance(given, dict):
        raise ParametersError([{"field": "parameters", "message": f"must be an object, not {_show(given)}"}])
    errors = _Errors()
    values = dict(PARAMETER_DEFAULTS)
    for field in ("min_interval_days", "max_interval_days", "pregnancy_status_valid_days"):
        if field in given:
            values[field] = given[field]
    freeze_limits = _section(errors, given, "freeze_limits", "freeze_limits")
    for technique in _TECHNIQUE_ORDER:
        entry = _section(errors, freeze_limits, technique, f"freeze_limits.{technique}")
        for limit in ("max_freeze_seconds", "max_cycles"):
            if limit in entry:
                values[f"{technique}_{limit}"] = entry[limit]
    minutes = _section(errors, given, "session_minutes", "session_minutes")
    for end in ("min", "max"):
        if end in minutes:
            values[f"{end}_session_minutes"] = minutes[end]
    for problem in parameter_problems(values):
        errors.add(PARAMETER_NAMES[problem.field], problem.message)
    if errors:
        raise ParametersError(list(errors))
    return parameters_from_fields(values)


def _parameters_record(params: dict) -> dict:
    """A fresh copy for the decision, so callers may keep or change it without touching ours.

    `params` is normalised (`normalise_parameters`): it has the shape of DEFAULT_PARAMETERS, its
    freeze limits hold the three techniques. Copied dict by dict: cheaper than building them anew.
    """
    record = params.copy()
    limits = record["freeze_limits"] = params["freeze_limits"].copy()
    limits["spray"] = limits["spray"].copy()
    limits["contact"] = limits["contact"].copy()
    limits["intralesional"] = limits["intralesional"].copy()
    record["session_minutes"] = params["session_minutes"].copy()
    return record


# --- Validation -------------------------------------------------------------------------------
#
# `_context` reads the document in one pass and, in that pass, checks every field. It is the hot
# path of the engine, so each check is written out: the common case (a valid value) costs one or
# two comparisons, and the helpers that word a problem are called only when there is one.


def _show(value: object) -> str:
    try:
        text = repr(value)
    except (ValueError, RecursionError):  # an int past the digit limit, a structure nested too deeply
        return f"<{type(value).__name__}>"
    return text if len(text) <= 40 else text[:37] + "..."


# Each valid date string seen → its date. A batch repeats the same few hundred dates: each is
# parsed once (`_parse_date`), then found here by one lookup. Look up exact `str` values only
# (`type(value) is str`): a str subclass is not a date here, but it would find the equal str.
_DATES: dict[str, date] = {}


def _parse_date(text: str) -> date | None:
    """The date of a strict YYYY-MM-DD string, or None; a valid one is kept in _DATES."""
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        return None
    try:
        when = date.fromisoformat(text)
    except ValueError:
        return None
    if len(_DATES) >= 65536:  # bounds its memory
        _DATES.clear()
    _DATES[text] = when
    return when


def _is_size(value: object) -> bool:
    """A finite number ≥ 0; Decimal too, as a DecimalField hands it over. `true` is not a number."""
    kind = type(value)
    if kind is float:
        return 0 <= value < _INFINITY  # false for NaN
    if kind is int:
        return 0 <= value <= _LARGEST_FLOAT  # a larger int cannot be compared as a size (OverflowError)
    if kind is Decimal:
        return value.is_finite() and value >= 0
    return False


def _before_birth(birth_date: date) -> str:
    return f"is before patient.birth_date ({iso[birth_date]})"


def _check_date(value: object, birth_date: date | None, *, nullable: bool = False) -> tuple[date | None, str | None]:
    """(the date, None) for a valid date; (None, what is wrong) otherwise.

    The slow path of a date field: `_context` looks the string up in _DATES and calls this only
    for a string not seen before, a value that is not a date, or a date before `birth_date`.
    `value` is _MISSING when the field is absent; a null is the caller's to accept (`nullable`
    only says so in the message).
    """
    if value is _MISSING:
        return None, "is required"
    when = _parse_date(value) if type(value) is str else None
    if when is None:
        message = f"must be a date in YYYY-MM-DD form, not {_show(value)}"
        return None, message + " or null" if nullable else message
    if birth_date is not None and when < birth_date:
        return None, _before_birth(birth_date)
    return when, None


def _choice_problem(value: object, allowed: frozenset[str], what: str | None = None) -> str:
    """What is wrong with a value that is not one of `allowed`; `value` is _MISSING when it is absent.

    The message lists the choices or, given `what` ("body site", "medication"...), names the kind
    of code: those lists are long.
    """
    if value is _MISSING:
        return "is required"
    if what is None:
        return f"must be one of {', '.join(sorted(allowed))}; not {_show(value)}"
    if not isinstance(value, str):
        return f"must be a {what} code (a string), not {_show(value)}"
    return f"unknown {what} code {_show(value)}"


def _score_problem(value: object, top: int) -> str:
    """What is wrong with a VSS item that is not a whole number 0–`top`; _MISSING when it is absent."""
    if value is _MISSING:
        return "is required"
    return f"must be a whole number 0–{top}, not {_show(value)}"


class _Errors(list):
    def add(self, field: str, message: str) -> None:
        self.append({"field": field, "message": message})


def _not_a_list(errors: _Errors, field: str, raw: object) -> None:
    errors.add(field, f"must be a list, not {_show(raw)}")


def _entries(errors: _Errors, facts: dict, field: str) -> Sequence:
    """The list `facts[field]` (the history, the assessments): none, with an error, if it is not a list."""
    entries = facts.get(field, ())
    if type(entries) not in _LIST_TYPES:
        _not_a_list(errors, field, entries)
        return ()
    return entries


def _entry_date(errors: _Errors, field: str, i: int, entry: dict, born: date, birth_date: date | None) -> date | None:
    """The date of entry `i` of the list `field`: a date string seen before is looked up in _DATES;
    anything else, or a date before birth, is checked in full, with an error if it is not valid."""
    raw = entry.get("date", _MISSING)
    when = _DATES.get(raw) if type(raw) is str else None
    if when is None or when < born:
        when, problem = _check_date(raw, birth_date)
        if problem:
            errors.add(f"{field}[{i}].date", problem)
    return when


def _code_set(errors: _Errors, field: str, raw: object, allowed: frozenset[str], what: str) -> frozenset[str]:
    """The codes of the list `raw`; empty, with an error for each entry not in `allowed`, if any is not."""
    if type(raw) not in _LIST_TYPES:
        _not_a_list(errors, field, raw)
        return _NO_CODES
    bad = False
    for i, code in enumerate(raw):
        if not (isinstance(code, str) and code in allowed):
            errors.add(f"{field}[{i}]", _choice_problem(code, allowed, what))
            bad = True
    return _NO_CODES if bad else frozenset(raw)


def _context(facts: object, params: dict) -> Context:
    """Validate `facts` and build the rules' context; raise FactsError listing every problem."""
    if not isinstance(facts, dict):
        raise FactsError([{"field": "document", "message": f"must be a JSON object, not {_show(facts)}"}])
    errors = _Errors()

    schema = facts.get("schema", _MISSING)
    if schema != FACTS_SCHEMA:
        if schema is _MISSING:
            errors.add("schema", "is required")
        else:
            errors.add("schema", f"must be {FACTS_SCHEMA!r}, not {_show(schema)}")

    # Whether on_date is before the birth date is checked last, once the birth date is known.
    raw = facts.get("on_date", _MISSING)
    on_date = _DATES.get(raw) if type(raw) is str else None
    if on_date is None:
        on_date, problem = _check_date(raw, None)
        if problem:
            errors.add("on_date", problem)

    stage = facts.get("stage", "schedule")
    if not (isinstance(stage, str) and stage in _STAGES):
        errors.add("stage", _choice_problem(stage, _STAGES))

    technique = facts.get("technique", _MISSING)
    if not (isinstance(technique, str) and technique in _TECHNIQUES):
        errors.add("technique", _choice_problem(technique, _TECHNIQUES))

    # --- patient
    # No date may be before the birth date; while that is unknown (missing or invalid), the bound
    # `born` is the earliest date there is, so that each date is still checked on its own.
    birth_date = None
    born = date.min
    sex = "unknown"
    fitzpatrick = pregnant = consent = None
    conditions: frozenset[str] = _NO_CODES
    medications: list[MedicationRecord] = []
    patient = facts.get("patient", _MISSING)
    if patient is _MISSING:
        errors.add("patient", "is required")
    elif not isinstance(patient, dict):
        errors.add("patient", f"must be an object, not {_show(patient)}")
    else:
        raw = patient.get("birth_date", _MISSING)
        birth_date = _DATES.get(raw) if type(raw) is str else None
        if birth_date is None:
            birth_date, problem = _check_date(raw, None)
            if problem:
                errors.add("patient.birth_date", problem)
        if birth_date is not None:
            born = birth_date

        sex = patient.get("sex", "unknown")
        if not (isinstance(sex, str) and sex in _SEXES):
            errors.add("patient.sex", _choice_problem(sex, _SEXES))

        fitzpatrick = patient.get("fitzpatrick")
        if fitzpatrick is not None and not (type(fitzpatrick) is int and 1 <= fitzpatrick <= 6):
            errors.add("patient.fitzpatrick", f"must be a whole number 1–6 or null, not {_show(fitzpatrick)}")

        pregnant = patient.get("pregnant")
        if pregnant is not None and type(pregnant) is not bool:
            errors.add("patient.pregnant", f"must be true, false or null, not {_show(pregnant)}")
        consent = patient.get("consent")
        if consent is not None and type(consent) is not bool:
            errors.add("patient.consent", f"must be true, false or null, not {_show(consent)}")

        raw = patient.get("conditions", ())
        if type(raw) not in _LIST_TYPES or raw:  # an empty list, the usual case, has nothing to check
            conditions = _code_set(errors, "patient.conditions", raw, _CONDITIONS, "condition")

        entries = patient.get("medications", ())
        if type(entries) not in _LIST_TYPES:
            _not_a_list(errors, "patient.medications", entries)
        elif entries:  # none, the usual case: nothing to check
            for i, entry in enumerate(entries):
                if not isinstance(entry, dict):
                    errors.add(f"patient.medications[{i}]", f"must be an object, not {_show(entry)}")
                    continue
                code = entry.get("code", _MISSING)
                if not (isinstance(code, str) and code in _MEDICATIONS):
                    errors.add(f"patient.medications[{i}].code", _choice_problem(code, _MEDICATIONS, "medication"))
                raw = entry.get("stopped")
                stopped = None
                if raw is not None:
                    stopped = _DATES.get(raw) if type(raw) is str else None
                    if stopped is None or stopped < born:
                        stopped, problem = _check_date(raw, birth_date, nullable=True)
                        if problem:
                            errors.add(f"patient.medications[{i}].stopped", problem)
                medications.append(MedicationRecord(code, stopped))

    # --- scar
    morphology = body_site = None
    onset_date = height_mm = None
    site_findings: frozenset[str] = _NO_CODES
    diagnosis_uncertain = False
    scar = facts.get("scar", _MISSING)
    if scar is _MISSING:
        errors.add("scar", "is required")
    elif not isinstance(scar, dict):
        errors.add("scar", f"must be an object, not {_show(scar)}")
    else:
        morphology = scar.get("morphology", _MISSING)
        if not (isinstance(morphology, str) and morphology in _MORPHOLOGIES):
            errors.add("scar.morphology", _choice_problem(morphology, _MORPHOLOGIES))

        cause = scar.get("cause", "unknown")
        if not (isinstance(cause, str) and cause in _CAUSES):
            errors.add("scar.cause", _choice_problem(cause, _CAUSES))

        body_site = scar.get("body_site", _MISSING)
        if not (isinstance(body_site, str) and body_site in _BODY_SITES):
            errors.add("scar.body_site", _choice_problem(body_site, _BODY_SITES, "body site"))

        raw = scar.get("onset_date")
        if raw is not None:
            onset_date = _DATES.get(raw) if type(raw) is str else None
            if onset_date is None or onset_date < born:
                onset_date, problem = _check_date(raw, birth_date, nullable=True)
                if problem:
                    errors.add("scar.onset_date", problem)
            if onset_date is not None and on_date is not None and onset_date > on_date:
                errors.add("scar.onset_date", f"is after on_date ({iso[on_date]})")

        for name in _SIZE_FIELDS:
            value = scar.get(name)
            # A float (what the facts builder gives) is checked here, anything else by _is_size.
            if value is not None and not (type(value) is float and 0 <= value < _INFINITY) and not _is_size(value):
                errors.add(f"scar.{name}", f"must be a number ≥ 0 or null, not {_show(value)}")
        height_mm = scar.get("height_mm")

        raw = scar.get("site_findings", ())
        if type(raw) not in _LIST_TYPES or raw:  # an empty list, the usual case, has nothing to check
            site_findings = _code_set(errors, "scar.site_findings", raw, _SITE_FINDINGS, "site finding")

        diagnosis_uncertain = scar.get("diagnosis_uncertain", False)
        if type(diagnosis_uncertain) is not bool:
            errors.add("scar.diagnosis_uncertain", f"must be true or false, not {_show(diagnosis_uncertain)}")

    # --- history: validated and, in the same pass, what the rules need from it. Only completed
    # sessions on or before on_date are the past (last session, count; RULES.md v1.1 §5: a second
    # freeze on the same day is 0 days after the first); adverse events are kept from every entry.
    completed_sessions = 0
    last_session_date: date | None = None
    adverse_events: list[AdverseEventRecord] = []
    # The index only names the field of an error. Counted by hand, not with enumerate(): this
    # loop and the one over assessments run for every entry of every document.
    i = -1
    for entry in _entries(errors, facts, "history"):
        i += 1
        if not isinstance(entry, dict):
            errors.add(f"history[{i}]", f"must be an object, not {_show(entry)}")
            continue
        when = _entry_date(errors, "history", i, entry, born, birth_date)
        status = entry.get("status", _MISSING)
        if not (isinstance(status, str) and status in _STATUSES):
            errors.add(f"history[{i}].status", _choice_problem(status, _STATUSES))
        session_technique = entry.get("technique")
        if session_technique is not None and not (
            isinstance(session_technique, str) and session_technique in _TECHNIQUES
        ):
            errors.add(f"history[{i}].technique", _choice_problem(session_technique, _TECHNIQUES) + " or null")
        events = entry.get("adverse_events", ())
        if type(events) not in _LIST_TYPES:
            _not_a_list(errors, f"history[{i}].adverse_events", events)
        elif events:  # none, the usual case: no field path to build
            field = f"history[{i}].adverse_events"
            for j, event in enumerate(events):
                if not isinstance(event, dict):
                    errors.add(f"{field}[{j}]", f"must be an object, not {_show(event)}")
                    continue
                code = event.get("code", _MISSING)
                if not (isinstance(code, str) and code in _ADVERSE_EVENTS):
                    errors.add(f"{field}[{j}].code", _choice_problem(code, _ADVERSE_EVENTS, "adverse event"))
                resolved = event.get("resolved", False)
                if type(resolved) is not bool:
                    errors.add(f"{field}[{j}].resolved", f"must be true or false, not {_show(resolved)}")
                adverse_events.append(AdverseEventRecord(when, status, code, resolved))
        if status == _COMPLETED and when is not None and on_date is not None and when <= on_date:
            completed_sessions += 1
            if last_session_date is None or when > last_session_date:
                last_session_date = when

    # --- assessments: only those dated on or before on_date count (see the module docstring).
    # Ties on a date: the first listed is the baseline, the last listed is the latest.
    assessments_considered = 0
    baseline: VssReading | None = None
    latest: VssReading | None = None
    i = -1
    for entry in _entries(errors, facts, "assessments"):
        i += 1
        if not isinstance(entry, dict):
            errors.add(f"assessments[{i}]", f"must be an object, not {_show(entry)}")
            continue
        when = _entry_date(errors, "assessments", i, entry, born, birth_date)
        vss = entry.get("vss")
        if vss is not None:
            if not isinstance(vss, dict):
                errors.add(f"assessments[{i}].vss", f"must be an object or null, not {_show(vss)}")
                vss = None
            else:
                for name, top in _VSS_ITEMS:
                    item = vss.get(name, _MISSING)
                    if not (type(item) is int and 0 <= item <= top):
                        errors.add(f"assessments[{i}].vss.{name}", _score_problem(item, top))
        if when is not None and on_date is not None and when <= on_date:
            assessments_considered += 1
            if vss is not None:
                reading = (when, vss)
                if baseline is None or when < baseline[0]:
                    baseline = reading
                if latest is None or when >= latest[0]:
                    latest = reading

    if birth_date is not None and on_date is not None and on_date < birth_date:
        errors.add("on_date", _before_birth(birth_date))

    if errors:
        raise FactsError(list(errors))

    current_medications: dict[str, date | None] = {}
    for code, stopped in medications:
        if stopped is None or stopped >= on_date:
            if code in current_medications:
                previous = current_medications[code]
                stopped = None if previous is None or stopped is None else max(previous, stopped)
            current_medications[code] = stopped

    # Filled in field by field rather than through __init__: one call with 26 arguments costs
    # twice as much as the assignments. A test checks that every field is set to its fact.
    ctx = _new(Context)
    ctx.on_date = on_date
    ctx.stage = stage
    ctx.technique = technique
    ctx.min_interval_days = params["min_interval_days"]
    ctx.max_interval_days = params["max_interval_days"]
    ctx.birth_date = birth_date
    ctx.age = age_on(birth_date, on_date)
    ctx.sex = sex
    ctx.fitzpatrick = fitzpatrick
    ctx.pregnant = pregnant
    ctx.consent = consent
    ctx.conditions = conditions
    ctx.medications = tuple(medications)
    ctx.current_medications = current_medications
    ctx.morphology = morphology
    ctx.body_site = body_site
    ctx.onset_date = onset_date
    ctx.height_mm = height_mm
    ctx.site_findings = site_findings
    ctx.diagnosis_uncertain = diagnosis_uncertain
    ctx.adverse_events = tuple(adverse_events)
    ctx.last_session_date = last_session_date
    ctx.completed_sessions = completed_sessions
    ctx.assessments_considered = assessments_considered
    ctx.vss_baseline = baseline
    ctx.vss_latest = latest
    return ctx


_DEFAULTS = normalise_parameters(DEFAULT_PARAMETERS)


# --- Evaluation -------------------------------------------------------------------------------


Plan = tuple[tuple[Callable[[Context], str | None], dict], ...]

# For each body site, the codes of the rules about a group of sites (`Rule.sites`) that can fire
# there: sites with the same ones share their plans.
_SITE_RULES: dict[str, frozenset[str]] = {
    site: frozenset(rule.code for rule in RULES if rule.sites is not None and site in rule.sites)
    for site in BodySite.values
}


class _Plans(dict):
    """The rules to ask about a document, by the SPARSE_FACTS it lacks and the site rules for its site.

    Each plan is (detect, finding) in report order, leaving out the rules that cannot fire on
    such a document (`Rule.needs`, `Rule.sites`). `finding` is the rule's finding with its title
    shown with these intervals and no detail yet: copying it is cheaper than building a finding
    anew. The loop over a plan in `_decide` is the engine's hot path: it calls each detect
    function directly and builds a finding only for the rules that fire. There are a few dozen
    plans in practice (combinations of sparse facts, 5 sets of site rules), each made when first
    needed.
    """

    def __init__(self, min_interval_days: int, max_interval_days: int):
        super().__init__()
        intervals = {"min_interval_days": min_interval_days, "max_interval_days": max_interval_days}
        self.steps = [
            (rule, finding_dict(rule.code, rule.severity, rule.title_for(intervals), "", rule.sources, rule.printable))
            for rule in RULES
        ]

    def __missing__(self, key: tuple[tuple[bool, ...], frozenset[str]]) -> Plan:
        lacking, site_rules = key
        absent = {fact for fact, lacks in zip(SPARSE_FACTS, lacking, strict=True) if lacks}
        plan = self[key] = tuple(
            (rule.detect, blank)
            for rule, blank in self.steps
            if not (rule.needs and absent.issuperset(rule.needs)) and (rule.sites is None or rule.code in site_rules)
        )
        return plan


@functools.lru_cache(maxsize=64)
def _plans(min_interval_days: int, max_interval_days: int) -> _Plans:
    return _Plans(min_interval_days, max_interval_days)


@functools.lru_cache(maxsize=4096)
def _window_dates(last_session: date, min_interval_days: int, max_interval_days: int) -> tuple[str, str]:
    """The window's earliest and latest dates as the decision writes them; the same ones recur."""
    window = window_after(last_session, min_interval_days=min_interval_days, max_interval_days=max_interval_days)
    return iso[window.earliest], iso[window.latest]


def _decide(ctx: Context, params: dict, plans: _Plans) -> dict:
    findings = []
    for detect, blank in plans[sparse_facts_lacking(ctx), _SITE_RULES[ctx.body_site]]:
        detail = detect(ctx)
        if detail is not None:
            finding = blank.copy()
            finding["detail"] = detail
            finding["sources"] = blank["sources"].copy()  # each decision has its own list
            findings.append(finding)
    window = None
    if ctx.last_session_date is not None:
        earliest, latest = _window_dates(ctx.last_session_date, ctx.min_interval_days, ctx.max_interval_days)
        window = {"earliest": earliest, "latest": latest}
    return {
        "schema": DECISION_SCHEMA,
        "ruleset": RULESET,
        # RULES is ordered most severe first, so the first finding sets the outcome.
        "outcome": OUTCOME_BY_SEVERITY[findings[0]["severity"]] if findings else ELIGIBLE,
        "findings": findings,
        "window": window,
        "on_date": iso[ctx.on_date],
        "stage": ctx.stage,
        "technique": ctx.technique,
        "parameters": _parameters_record(params),
    }


def validate(facts: object) -> None:
    """Raise FactsError if `facts` is not a valid `cryocare.facts/1` document."""
    _context(facts, _DEFAULTS)


def evaluate(facts: dict, parameters: dict | None = None) -> dict:
    """Decide one facts document; raise FactsError (every problem listed) if it is invalid."""
    params = _DEFAULTS if parameters is None else normalise_parameters(parameters)
    return _decide(_context(facts, params), params, _plans(params["min_interval_days"], params["max_interval_days"]))


# How many documents `evaluate_many` validates before it decides them: enough for the gain,
# few enough that their contexts stay small in memory.
_RUN = 256


def evaluate_many(documents: Iterable, parameters: dict | None = None) -> list[dict]:
    """Decide each document in order; an invalid one's place holds {"errors": [...]} instead.

    The result is the same as `evaluate` on each document in turn. The work is ordered
    differently: a run of documents is validated, then the run is decided. The processor does
    the same work many times in a row faster (its caches and branch predictors stay warm) than
    it alternates between validation and the rules for each document: a sixth of the time here.
    """
    params = _DEFAULTS if parameters is None else normalise_parameters(parameters)
    plans = _plans(params["min_interval_days"], params["max_interval_days"])
    results = []
    remaining = iter(documents)
    # The engine makes no reference cycles, so the cyclic garbage collector has nothing to find
    # here; paused, it stops re-scanning the growing list of decisions (about a fifth of the time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        while run := list(islice(remaining, _RUN)):
            validated: list[Context | FactsError] = []
            try:
                for facts in run:
                    try:
                        validated.append(_context(facts, params))
                    except FactsError as error:
                        validated.append(error)
            finally:
                # Also when a document fails validation with an unexpected exception: the ones
                # before it are decided first, so that, as one by one, the first to fail is reported.
                for ctx in validated:
                    if type(ctx) is FactsError:
                        results.append({"errors": ctx.errors})
                    else:
                        results.append(_decide(ctx, params, plans))
    finally:
        if collecting:
            gc.enable()
    return results
