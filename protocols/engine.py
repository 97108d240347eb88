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
"""

from __future__ import annotations

import gc
import math
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from decimal import Decimal

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
    WARN,
    AdverseEventRecord,
    Context,
    MedicationRecord,
    VssReading,
    age_on,
    finding_dict,
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

_MISSING = object()
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
    """A fresh copy for the decision, so callers may keep or change it without touching ours."""
    return {
        "min_interval_days": params["min_interval_days"],
        "max_interval_days": params["max_interval_days"],
        "freeze_limits": {technique: dict(limit) for technique, limit in params["freeze_limits"].items()},
        "session_minutes": dict(params["session_minutes"]),
        "pregnancy_status_valid_days": params["pregnancy_status_valid_days"],
    }


# --- Validation -------------------------------------------------------------------------------


def _show(value: object) -> str:
    try:
        text = repr(value)
    except (ValueError, RecursionError):  # an int past the digit limit, a structure nested too deeply
        return f"<{type(value).__name__}>"
    return text if len(text) <= 40 else text[:37] + "..."


_DATE_CACHE: dict[str, date] = {}


def _parse_date(value: object) -> date | None:
    """A strict YYYY-MM-DD date, or None. Parsed dates are memoised: the same few hundred recur."""
    if type(value) is not str:
        return None
    parsed = _DATE_CACHE.get(value)
    if parsed is not None:
        return parsed
    if len(value) != 10 or value[4] != "-" or value[7] != "-":
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        return None
    if len(_DATE_CACHE) >= 65536:
        _DATE_CACHE.clear()
    _DATE_CACHE[value] = parsed
    return parsed


def _is_size(value: object) -> bool:
    """A finite number ≥ 0; Decimal too, as a DecimalField hands it over. `true` is not a number."""
    kind = type(value)
    if kind is int:
        return value >= 0
    if kind is float:
        return math.isfinite(value) and value >= 0
    if kind is Decimal:
        return value.is_finite() and value >= 0
    return False


def _before_birth(birth_date: date) -> str:
    return f"is before patient.birth_date ({birth_date.isoformat()})"


def _date_message(value: object) -> str:
    return f"must be a date in YYYY-MM-DD form, not {_show(value)}"


def _code_message(value: object, what: str) -> str:
    if not isinstance(value, str):
        return f"must be a {what} code (a string), not {_show(value)}"
    return f"unknown {what} code {_show(value)}"


def _choice_message(value: object, allowed: frozenset[str]) -> str:
    return f"must be one of {', '.join(sorted(allowed))}; not {_show(value)}"


class _Errors(list):
    def add(self, field: str, message: str) -> None:
        self.append({"field": field, "message": message})


def _check_choice(value: object, allowed: frozenset[str], what: str | None = None) -> str | None:
    """None if `value` is one of `allowed`; otherwise what is wrong with it.

    `value` is _MISSING when the field is absent ("is required"). The message lists the choices or,
    given `what` ("body site", "medication"...), names the kind of code: those lists are long.
    """
    if isinstance(value, str) and value in allowed:
        return None
    if value is _MISSING:
        return "is required"
    return _choice_message(value, allowed) if what is None else _code_message(value, what)


def _check_date(value: object, birth_date: date | None, *, nullable: bool = False) -> tuple[date | None, str | None]:
    """(the date, None) for a valid date; (None, what is wrong) otherwise.

    `value` is _MISSING when the field is absent ("is required"); with `nullable`, None is allowed
    and gives (None, None). A date before `birth_date` (when that is known) is wrong too.
    """
    when = _DATE_CACHE.get(value) if type(value) is str else None  # nearly every date is memoised
    if when is None:
        if value is None and nullable:
            return None, None
        when = _parse_date(value)
        if when is None:
            if value is _MISSING:
                return None, "is required"
            return None, (_date_message(value) + " or null") if nullable else _date_message(value)
    if birth_date is not None and when < birth_date:
        return None, _before_birth(birth_date)
    return when, None


def _as_list(errors: _Errors, field: str, raw: object) -> list | tuple:
    """`raw` if it is a list; otherwise an error and an empty list."""
    if type(raw) in _LIST_TYPES:
        return raw
    errors.add(field, f"must be a list, not {_show(raw)}")
    return ()


def _objects(errors: _Errors, field: str, raw: object) -> Iterable[tuple[int, dict]]:
    """(index, entry) for each object in the list `raw`; an error for `raw`, or each entry, that is not."""
    entries = _as_list(errors, field, raw)
    for entry in entries:
        if not isinstance(entry, dict):
            return _objects_reporting(errors, field, entries)
    return enumerate(entries)  # all objects, the usual case: no generator to step through


def _objects_reporting(errors: _Errors, field: str, entries: list | tuple) -> Iterator[tuple[int, dict]]:
    # A generator, so that the error for an entry lands between those of its neighbours' fields.
    for i, entry in enumerate(entries):
        if isinstance(entry, dict):
            yield i, entry
        else:
            errors.add(f"{field}[{i}]", f"must be an object, not {_show(entry)}")


def _code_set(errors: _Errors, field: str, raw: object, allowed: frozenset[str], what: str) -> frozenset[str]:
    """The codes of the list `raw`; empty, with an error for each entry not in `allowed`, if any is not."""
    if type(raw) in _LIST_TYPES and not raw:  # none, the usual case
        return _NO_CODES
    codes = _as_list(errors, field, raw)
    bad = False
    for i, code in enumerate(codes):
        problem = _check_choice(code, allowed, what)
        if problem:
            errors.add(f"{field}[{i}]", problem)
            bad = True
    return _NO_CODES if bad else frozenset(codes)


def _context(facts: object, params: dict) -> Context:
    """Validate `facts` and build the rules' context; raise FactsError listing every problem."""
    if not isinstance(facts, dict):
        raise FactsError([{"field": "document", "message": f"must be a JSON object, not {_show(facts)}"}])
    errors = _Errors()

    schema = facts.get("schema", _MISSING)
    if schema is _MISSING:
        errors.add("schema", "is required")
    elif schema != FACTS_SCHEMA:
        errors.add("schema", f"must be {FACTS_SCHEMA!r}, not {_show(schema)}")

    # Whether on_date is before the birth date is checked last, once the birth date is known.
    on_date, problem = _check_date(facts.get("on_date", _MISSING), None)
    if problem:
        errors.add("on_date", problem)

    stage = facts.get("stage", "schedule")
    problem = _check_choice(stage, _STAGES)
    if problem:
        errors.add("stage", problem)

    technique = facts.get("technique", _MISSING)
    problem = _check_choice(technique, _TECHNIQUES)
    if problem:
        errors.add("technique", problem)

    # --- patient
    birth_date = None
    sex = "unknown"
    fitzpatrick = pregnant = consent = None
    conditions: frozenset[str] = frozenset()
    medications: list[MedicationRecord] = []
    patient = facts.get("patient", _MISSING)
    if patient is _MISSING:
        errors.add("patient", "is required")
    elif not isinstance(patient, dict):
        errors.add("patient", f"must be an object, not {_show(patient)}")
    else:
        birth_date, problem = _check_date(patient.get("birth_date", _MISSING), None)
        if problem:
            errors.add("patient.birth_date", problem)

        sex = patient.get("sex", "unknown")
        problem = _check_choice(sex, _SEXES)
        if problem:
            errors.add("patient.sex", problem)

        fitzpatrick = patient.get("fitzpatrick")
        if fitzpatrick is not None and not (type(fitzpatrick) is int and 1 <= fitzpatrick <= 6):
            errors.add("patient.fitzpatrick", f"must be a whole number 1–6 or null, not {_show(fitzpatrick)}")

        for name in ("pregnant", "consent"):
            value = patient.get(name)
            if value is not None and type(value) is not bool:
                errors.add(f"patient.{name}", f"must be true, false or null, not {_show(value)}")
        pregnant = patient.get("pregnant")
        consent = patient.get("consent")

        conditions = _code_set(errors, "patient.conditions", patient.get("conditions", ()), _CONDITIONS, "condition")

        for i, entry in _objects(errors, "patient.medications", patient.get("medications", ())):
            code = entry.get("code", _MISSING)
            problem = _check_choice(code, _MEDICATIONS, "medication")
            if problem:
                errors.add(f"patient.medications[{i}].code", problem)
            stopped, problem = _check_date(entry.get("stopped"), birth_date, nullable=True)
            if problem:
                errors.add(f"patient.medications[{i}].stopped", problem)
            medications.append(MedicationRecord(code, stopped))

    # --- scar
    morphology = body_site = None
    onset_date = height_mm = None
    site_findings: frozenset[str] = frozenset()
    diagnosis_uncertain = False
    scar = facts.get("scar", _MISSING)
    if scar is _MISSING:
        errors.add("scar", "is required")
    elif not isinstance(scar, dict):
        errors.add("scar", f"must be an object, not {_show(scar)}")
    else:
        morphology = scar.get("morphology", _MISSING)
        problem = _check_choice(morphology, _MORPHOLOGIES)
        if problem:
            errors.add("scar.morphology", problem)

        problem = _check_choice(scar.get("cause", "unknown"), _CAUSES)
        if problem:
            errors.add("scar.cause", problem)

        body_site = scar.get("body_site", _MISSING)
        problem = _check_choice(body_site, _BODY_SITES, "body site")
        if problem:
            errors.add("scar.body_site", problem)

        onset_date, problem = _check_date(scar.get("onset_date"), birth_date, nullable=True)
        if problem:
            errors.add("scar.onset_date", problem)
        elif onset_date is not None and on_date is not None and onset_date > on_date:
            errors.add("scar.onset_date", f"is after on_date ({on_date.isoformat()})")

        for name in _SIZE_FIELDS:
            value = scar.get(name)
            if value is not None and not _is_size(value):
                errors.add(f"scar.{name}", f"must be a number ≥ 0 or null, not {_show(value)}")
        height_mm = scar.get("height_mm")

        site_findings = _code_set(
            errors, "scar.site_findings", scar.get("site_findings", ()), _SITE_FINDINGS, "site finding"
        )

        diagnosis_uncertain = scar.get("diagnosis_uncertain", False)
        if type(diagnosis_uncertain) is not bool:
            errors.add("scar.diagnosis_uncertain", f"must be true or false, not {_show(diagnosis_uncertain)}")

    # --- history: validated and, in the same pass, what the rules need from it. Only completed
    # sessions on or before on_date are the past (last session, count; RULES.md v1.1 §5: a second
    # freeze on the same day is 0 days after the first); adverse events are kept from every entry.
    completed = 0
    last_date: date | None = None
    adverse_events: list[AdverseEventRecord] = []
    for i, entry in _objects(errors, "history", facts.get("history", ())):
        when, problem = _check_date(entry.get("date", _MISSING), birth_date)
        if problem:
            errors.add(f"history[{i}].date", problem)
        status = entry.get("status", _MISSING)
        problem = _check_choice(status, _STATUSES)
        if problem:
            errors.add(f"history[{i}].status", problem)
        session_technique = entry.get("technique")
        if session_technique is not None:
            problem = _check_choice(session_technique, _TECHNIQUES)
            if problem:
                errors.add(f"history[{i}].technique", problem + " or null")
        events: list[AdverseEventRecord] = []
        events_raw = entry.get("adverse_events", ())
        if type(events_raw) not in _LIST_TYPES or events_raw:  # none, the usual case: no field path to build
            for j, event in _objects(errors, f"history[{i}].adverse_events", events_raw):
                code = event.get("code", _MISSING)
                problem = _check_choice(code, _ADVERSE_EVENTS, "adverse event")
                if problem:
                    errors.add(f"history[{i}].adverse_events[{j}].code", problem)
                resolved = event.get("resolved", False)
                if type(resolved) is not bool:
                    errors.add(
                        f"history[{i}].adverse_events[{j}].resolved", f"must be true or false, not {_show(resolved)}"
                    )
                events.append(AdverseEventRecord(when, status, code, resolved))
            adverse_events.extend(events)
        if status == _COMPLETED and when is not None and on_date is not None and when <= on_date:
            completed += 1
            if last_date is None or when > last_date:
                last_date = when

    # --- assessments: only those dated on or before on_date count (see the module docstring).
    # Ties on a date: the first listed is the baseline, the last listed is the latest.
    considered = 0
    baseline: tuple[date, dict] | None = None
    latest: tuple[date, dict] | None = None
    for i, entry in _objects(errors, "assessments", facts.get("assessments", ())):
        when, problem = _check_date(entry.get("date", _MISSING), birth_date)
        if problem:
            errors.add(f"assessments[{i}].date", problem)
        vss = entry.get("vss")
        if vss is not None:
            if not isinstance(vss, dict):
                errors.add(f"assessments[{i}].vss", f"must be an object or null, not {_show(vss)}")
                vss = None
            else:
                for name, top in VSS_ITEM_MAX.items():
                    item = vss.get(name, _MISSING)
                    if item is _MISSING:
                        errors.add(f"assessments[{i}].vss.{name}", "is required")
                    elif not (type(item) is int and 0 <= item <= top):
                        errors.add(f"assessments[{i}].vss.{name}", f"must be a whole number 0–{top}, not {_show(item)}")
        if when is not None and on_date is not None and when <= on_date:
            considered += 1
            if vss is not None:
                if baseline is None or when < baseline[0]:
                    baseline = (when, vss)
                if latest is None or when >= latest[0]:
                    latest = (when, vss)

    if birth_date is not None and on_date is not None and on_date < birth_date:
        errors.add("on_date", _before_birth(birth_date))

    if errors:
        raise FactsError(list(errors))

    current: dict[str, date | None] = {}
    for code, stopped in medications:
        if stopped is None or stopped >= on_date:
            if code in current:
                previous = current[code]
                stopped = None if previous is None or stopped is None else max(previous, stopped)
            current[code] = stopped

    return Context(
        on_date=on_date,
        stage=stage,
        technique=technique,
        min_interval_days=params["min_interval_days"],
        max_interval_days=params["max_interval_days"],
        birth_date=birth_date,
        age=age_on(birth_date, on_date),
        sex=sex,
        fitzpatrick=fitzpatrick,
        pregnant=pregnant,
        consent=consent,
        conditions=conditions,
        medications=tuple(medications),
        current_medications=current,
        morphology=morphology,
        body_site=body_site,
        onset_date=onset_date,
        height_mm=height_mm,
        site_findings=site_findings,
        diagnosis_uncertain=diagnosis_uncertain,
        adverse_events=tuple(adverse_events),
        last_session_date=last_date,
        completed_sessions=completed,
        assessments_considered=considered,
        vss_baseline=_reading(baseline),
        vss_latest=_reading(latest),
    )


def _reading(dated_vss: tuple[date, dict] | None) -> VssReading | None:
    if dated_vss is None:
        return None
    when, vss = dated_vss
    return VssReading(when, vss["vascularity"], vss["pigmentation"], vss["pliability"], vss["height"])


_DEFAULTS = normalise_parameters(DEFAULT_PARAMETERS)


# --- Evaluation -------------------------------------------------------------------------------


# (detect, rule) pairs in report order: the loop below is the engine's hot path, so it calls
# each detect function directly and builds a finding only for the rules that fire.
_PLAN = tuple((rule.detect, rule) for rule in RULES)


def _decide(ctx: Context, params: dict) -> dict:
    findings = []
    for detect, rule in _PLAN:
        detail = detect(ctx)
        if detail is not None:
            findings.append(
                finding_dict(rule.code, rule.severity, rule.title_in(ctx), detail, rule.sources, rule.printable)
            )
    last = ctx.last_session_date
    window = None
    if last is not None:
        after = window_after(last, min_interval_days=ctx.min_interval_days, max_interval_days=ctx.max_interval_days)
        window = {"earliest": after.earliest.isoformat(), "latest": after.latest.isoformat()}
    return {
        "schema": DECISION_SCHEMA,
        "ruleset": RULESET,
        # RULES is ordered most severe first, so the first finding sets the outcome.
        "outcome": OUTCOME_BY_SEVERITY[findings[0]["severity"]] if findings else ELIGIBLE,
        "findings": findings,
        "window": window,
        "on_date": ctx.on_date.isoformat(),
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
    return _decide(_context(facts, params), params)


def evaluate_many(documents: list, parameters: dict | None = None) -> list[dict]:
    """Decide each document in order; an invalid one's place holds {"errors": [...]} instead."""
    params = _DEFAULTS if parameters is None else normalise_parameters(parameters)
    results = []
    # The engine makes no reference cycles, so the cyclic garbage collector has nothing to find
    # here; paused, it stops re-scanning the growing list of decisions (about a fifth of the time).
    collecting = gc.isenabled()
    gc.disable()
    try:
        for facts in documents:
            try:
                results.append(_decide(_context(facts, params), params))
            except FactsError as error:
                results.append({"errors": error.errors})
    finally:
        if collecting:
            gc.enable()
    return results
