"""Properties of the engine over generated facts (hypothesis)."""

import copy
import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from protocols.codes import (
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
from protocols.engine import FactsError, _context, evaluate, evaluate_many, normalise_parameters
from protocols.rules import RULES, RULES_BY_CODE, SPARSE_FACTS, sparse_facts_lacking

pytestmark = pytest.mark.slow  # property-based: thousands of generated documents

RANK = {"block": 0, "override": 1, "warn": 2}
OUTCOME_RANK = {"blocked": 0, "needs_override": 1, "eligible": 2}

# Generating whole documents is slower than hypothesis expects of a strategy.
engine_settings = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _iso(day: date) -> str:
    return day.isoformat()


def _dates(low: date, high: date):
    return st.dates(min_value=low, max_value=max(low, high)).map(_iso)


vss = st.fixed_dictionaries(
    {
        "vascularity": st.integers(0, 3),
        "pigmentation": st.integers(0, 2),
        "pliability": st.integers(0, 5),
        "height": st.integers(0, 3),
    }
)
sizes = st.none() | st.integers(0, 40) | st.floats(0, 40, allow_nan=False, allow_infinity=False)


@st.composite
def valid_facts(draw) -> dict:
    on_date = draw(st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31)))
    birth_date = on_date - timedelta(days=draw(st.integers(0, 95 * 366)))
    around = _dates(birth_date, on_date + timedelta(days=90))
    until_on_date = _dates(birth_date, on_date)
    events = st.lists(
        st.fixed_dictionaries({"code": st.sampled_from(AdverseEvent.values), "resolved": st.booleans()}), max_size=3
    )
    return {
        "schema": "cryocare.facts/1",
        "on_date": _iso(on_date),
        "stage": draw(st.sampled_from(Stage.values)),
        "technique": draw(st.sampled_from(Technique.values)),
        "patient": {
            "birth_date": _iso(birth_date),
            "sex": draw(st.sampled_from(Sex.values)),
            "fitzpatrick": draw(st.none() | st.integers(1, 6)),
            "pregnant": draw(st.none() | st.booleans()),
            "consent": draw(st.none() | st.booleans()),
            "conditions": draw(st.lists(st.sampled_from(Condition.values), max_size=4)),
            "medications": draw(
                st.lists(
                    st.fixed_dictionaries({"code": st.sampled_from(Medication.values), "stopped": st.none() | around}),
                    max_size=3,
                )
            ),
        },
        "scar": {
            "morphology": draw(st.sampled_from(Morphology.values)),
            "cause": draw(st.sampled_from(Cause.values)),
            "body_site": draw(st.sampled_from(BodySite.values)),
            "onset_date": draw(st.none() | until_on_date),
            "length_mm": draw(sizes),
            "width_mm": draw(sizes),
            "height_mm": draw(sizes),
            "site_findings": draw(st.lists(st.sampled_from(SiteFinding.values), max_size=2)),
            "diagnosis_uncertain": draw(st.booleans()),
        },
        "history": draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "date": around,
                        "status": st.sampled_from(SessionStatus.values),
                        "technique": st.none() | st.sampled_from(Technique.values),
                        "adverse_events": events,
                    }
                ),
                max_size=8,
            )
        ),
        "assessments": draw(st.lists(st.fixed_dictionaries({"date": around, "vss": st.none() | vss}), max_size=5)),
    }


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["2025-03-24", "2025-02-30", "cryocare.facts/1", "raynaud", "completed", "spray"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


def _paths(value, prefix=()):
    """Every (container path, key) in a JSON document, for mutating one place."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield (*prefix, key)
            yield from _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield (*prefix, index)
            yield from _paths(child, (*prefix, index))


@st.composite
def possibly_invalid_facts(draw):
    facts = draw(valid_facts())
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(facts))
        path = draw(st.sampled_from(paths))
        parent = facts
        for step in path[:-1]:
            parent = parent[step]
        if isinstance(parent, dict) and draw(st.booleans()):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(json_values)
    return facts


def _outcome_rank(decision: dict) -> int:
    return OUTCOME_RANK[decision["outcome"]]


@engine_settings
@given(valid_facts())
def test_outcome_is_the_class_of_the_most_severe_finding(facts):
    decision = evaluate(facts)

    severities = {finding["severity"] for finding in decision["findings"]}
    if "block" in severities:
        assert decision["outcome"] == "blocked"
    elif "override" in severities:
        assert decision["outcome"] == "needs_override"
    else:
        assert decision["outcome"] == "eligible"


@engine_settings
@given(valid_facts())
def test_findings_are_ordered_by_severity_then_code_without_repeats(facts):
    findings = evaluate(facts)["findings"]

    keys = [(RANK[finding["severity"]], finding["code"]) for finding in findings]
    assert keys == sorted(keys)
    assert len({finding["code"] for finding in findings}) == len(findings)
    for finding in findings:
        rule = RULES_BY_CODE[finding["code"]]
        assert finding["severity"] == rule.severity
        assert finding["sources"] == list(rule.sources)
        assert finding["detail"]


@engine_settings
@given(valid_facts(), st.sampled_from(Condition.values))
def test_adding_a_condition_never_makes_the_outcome_less_severe(facts, condition):
    before = evaluate(facts)
    facts["patient"]["conditions"].append(condition)
    after = evaluate(facts)

    assert _outcome_rank(after) <= _outcome_rank(before)


@engine_settings
@given(valid_facts())
def test_same_facts_give_the_same_decision_and_are_left_unchanged(facts):
    original = copy.deepcopy(facts)

    first = evaluate(facts)
    second = evaluate(copy.deepcopy(facts))

    assert first == second
    assert facts == original


@engine_settings
@given(st.lists(valid_facts() | possibly_invalid_facts(), max_size=4))
def test_evaluate_many_matches_evaluating_one_by_one(documents):
    expected = []
    for facts in documents:
        try:
            expected.append(evaluate(facts))
        except FactsError as error:
            expected.append({"errors": error.errors})

    assert evaluate_many(documents) == expected


# Each of SPARSE_FACTS emptied, with what is derived from it.
_WITHOUT = {
    "conditions": {"conditions": frozenset()},
    "medications": {"medications": (), "current_medications": {}},
    "adverse_events": {"adverse_events": ()},
    "site_findings": {"site_findings": frozenset()},
    "pregnant": {"pregnant": None},
    "diagnosis_uncertain": {"diagnosis_uncertain": False},
}


@engine_settings
@given(valid_facts())
def test_the_rules_the_engine_skips_could_not_have_fired(facts):
    ctx = _context(facts, normalise_parameters(None))

    # Asking every rule finds what the engine found, asking only those the document's facts allow.
    fired = [rule.code for rule in RULES if rule.check(ctx) is not None]
    assert [finding["code"] for finding in evaluate(facts)["findings"]] == fired
    assert sparse_facts_lacking(ctx) == tuple(not getattr(ctx, fact) for fact in SPARSE_FACTS)
    assert set(_WITHOUT) == set(SPARSE_FACTS)
    for rule in RULES:
        if rule.needs:
            without = dataclasses.replace(ctx, **{k: v for fact in rule.needs for k, v in _WITHOUT[fact].items()})
            assert rule.check(without) is None, rule.code
        if rule.sites is not None:
            for site in set(BodySite.values) - rule.sites:
                assert rule.check(dataclasses.replace(ctx, body_site=site)) is None, (rule.code, site)


@engine_settings
@given(valid_facts())
def test_window_and_interval_rules_agree(facts):
    decision = evaluate(facts)
    found = {finding["code"] for finding in decision["findings"]}
    on_date = facts["on_date"]
    # RULES.md v1.1 §5: the last session is the latest completed entry on or before on_date.
    completed_before = [s["date"] for s in facts["history"] if s["status"] == "completed" and s["date"] <= on_date]

    if not completed_before:
        assert decision["window"] is None
        assert not found & {"REL-12", "WRN-06"}
    else:
        window = decision["window"]
        last = date.fromisoformat(max(completed_before))
        assert window["earliest"] == _iso(last + timedelta(days=21))
        assert window["latest"] == _iso(last + timedelta(days=42))
        assert ("REL-12" in found) == (on_date < window["earliest"])
        assert ("WRN-06" in found) == (on_date > window["latest"])


@engine_settings
@given(possibly_invalid_facts())
def test_damaged_facts_raise_nothing_but_facts_error(facts):
    try:
        decision = evaluate(facts)
    except FactsError as error:
        event("rejected")
        assert error.errors
        for item in error.errors:
            assert set(item) == {"field", "message"}
            assert isinstance(item["field"], str) and item["field"]
    else:
        event("decided")
        assert decision["outcome"] in OUTCOME_RANK


@engine_settings
@given(json_values)
def test_arbitrary_json_raises_nothing_but_facts_error(value):
    try:
        evaluate(value)
    except FactsError as error:
        assert error.errors
