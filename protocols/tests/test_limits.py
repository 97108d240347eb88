"""RULES.md v1.1 §6 hard limits of a treatment record and §6b bounds of the protocol parameters."""

from datetime import UTC, datetime, time

import pytest

from protocols.limits import (
    BOUNDS,
    PARAMETER_BOUNDS,
    PARAMETER_DEFAULTS,
    PARAMETER_FIELDS,
    Problem,
    parameter_problems,
    treatment_problems,
)

GOOD = {
    "technique": "contact",
    "freeze_seconds": 25,
    "cycles": 2,
    "started_at": time(9, 0),
    "ended_at": time(9, 20),
    "observation_minutes": 30,
}


def problems(**changes) -> list[Problem]:
    return treatment_problems(**(GOOD | changes))


def fields(found: list[Problem]) -> list[str]:
    return [problem.field for problem in found]


# --- §6 hard limits ---------------------------------------------------------------------------


def test_a_usual_treatment_breaks_no_hard_limit():
    assert problems() == []


def test_a_treatment_not_yet_recorded_breaks_nothing_until_it_is_signed():
    empty = dict.fromkeys(("freeze_seconds", "cycles", "started_at", "ended_at", "observation_minutes"))
    assert problems(**empty) == []
    assert fields(problems(**empty, signing=True)) == ["started_at", "ended_at", "observation_minutes"]


@pytest.mark.parametrize(
    ("technique", "limit"), [("spray", 40), ("contact", 60), ("intralesional", 180)], ids=lambda v: str(v)
)
def test_the_freeze_is_at_most_the_fixed_limit_of_its_technique(technique, limit):
    assert problems(technique=technique, freeze_seconds=limit) == []
    [problem] = problems(technique=technique, freeze_seconds=limit + 1)
    assert problem.field == "freeze_seconds"
    assert f"at most {limit} s per cycle for {technique}" in problem.message and f"not {limit + 1}" in problem.message


def test_the_hard_limit_ignores_the_clinic_parameters():
    # Above the protocol's 30 s for contact, which needs a reason, but not a typing error.
    assert problems(technique="contact", freeze_seconds=45) == []


@pytest.mark.parametrize("seconds", [0, -5])
def test_a_freeze_is_more_than_0_s(seconds):
    assert problems(freeze_seconds=seconds) == [
        Problem("freeze_seconds", f"must be more than 0 s (RULES.md §6 hard limit), not {seconds}")
    ]


def test_1_s_is_a_freeze():
    assert problems(freeze_seconds=1) == []


def test_without_a_technique_only_more_than_0_s_is_checked():
    assert problems(technique=None, freeze_seconds=500) == []
    assert fields(problems(technique=None, freeze_seconds=0)) == ["freeze_seconds"]


@pytest.mark.parametrize("technique", ["spray", "contact", "intralesional"])
@pytest.mark.parametrize(("cycles", "allowed"), [(0, False), (1, True), (3, True), (4, False)])
def test_cycles_are_1_to_3_for_every_technique(technique, cycles, allowed):
    found = problems(technique=technique, cycles=cycles)
    assert (found == []) is allowed
    if not allowed:
        assert found == [Problem("cycles", f"must be 1–3 for every technique (RULES.md §6 hard limit), not {cycles}")]


@pytest.mark.parametrize(
    ("ended_at", "allowed"),
    [(time(12, 0), True), (time(12, 1), False), (time(9, 1), True), (time(9, 0), False), (time(8, 59), False)],
    ids=["180_min_later", "181_min_later", "1_min_later", "at_the_start", "before_the_start"],
)
def test_the_end_is_after_the_start_and_at_most_180_minutes_later(ended_at, allowed):
    found = problems(started_at=time(9, 0), ended_at=ended_at)
    assert (found == []) is allowed
    if not allowed:
        assert fields(found) == ["ended_at"]


def test_the_end_message_gives_the_limit_and_the_length():
    assert problems(ended_at=time(12, 30)) == [
        Problem("ended_at", "must be at most 180 minutes after the start (RULES.md §6 hard limit), not 210")
    ]
    assert problems(ended_at=time(8, 30)) == [Problem("ended_at", "must be after the start time")]


def test_aware_datetimes_are_checked_like_times():
    start = datetime(2025, 3, 24, 9, 0, tzinfo=UTC)
    assert treatment_problems(**(GOOD | {"started_at": start, "ended_at": start.replace(hour=12)})) == []
    late = start.replace(hour=12, minute=1)
    assert fields(treatment_problems(**(GOOD | {"started_at": start, "ended_at": late}))) == ["ended_at"]


@pytest.mark.parametrize(("minutes", "allowed"), [(-1, False), (0, True), (120, True), (121, False)])
def test_the_observation_time_is_0_to_120_minutes(minutes, allowed):
    found = problems(observation_minutes=minutes)
    assert (found == []) is allowed
    if not allowed:
        assert fields(found) == ["observation_minutes"]


def test_every_broken_limit_is_reported_with_its_field():
    found = problems(freeze_seconds=0, cycles=5, ended_at=time(8, 0), observation_minutes=200)
    assert fields(found) == ["freeze_seconds", "cycles", "ended_at", "observation_minutes"]


def test_a_problem_reads_as_a_sentence_on_the_form():
    [problem] = problems(cycles=4)
    assert problem.sentence == "Must be 1–3 for every technique (RULES.md §6 hard limit), not 4."


# --- §6b bounds of the protocol parameters ------------------------------------------------------

RULES_MD_6B = {
    "min_interval_days": (21, 14, 28),
    "max_interval_days": (42, 28, 56),
    "spray_max_freeze_seconds": (20, 5, 20),
    "contact_max_freeze_seconds": (30, 5, 30),
    "intralesional_max_freeze_seconds": (90, 5, 90),
    "spray_max_cycles": (3, 1, 3),
    "contact_max_cycles": (3, 1, 3),
    "intralesional_max_cycles": (2, 1, 2),
    "min_session_minutes": (10, 5, 15),
    "max_session_minutes": (30, 20, 45),
    "pregnancy_status_valid_days": (30, 1, 90),
}


def test_the_bounds_are_those_of_rules_md_6b():
    assert {bound.field: (bound.default, bound.low, bound.high) for bound in PARAMETER_BOUNDS} == RULES_MD_6B
    assert set(PARAMETER_FIELDS) == set(RULES_MD_6B)


def test_the_defaults_break_no_bound():
    assert parameter_problems(PARAMETER_DEFAULTS) == []


EDGES = [(bound.field, edge, True) for bound in PARAMETER_BOUNDS for edge in (bound.low, bound.high)] + [
    (bound.field, past, False) for bound in PARAMETER_BOUNDS for past in (bound.low - 1, bound.high + 1)
]


@pytest.mark.parametrize(("field", "value", "allowed"), EDGES, ids=[f"{f}_{v}" for f, v, _ in EDGES])
def test_each_bound_at_its_edge_is_allowed_and_one_past_is_not(field, value, allowed):
    found = parameter_problems(PARAMETER_DEFAULTS | {field: value})
    assert (found == []) is allowed
    if not allowed:
        bound = BOUNDS[field]
        assert found == [Problem(field, f"must be {bound.low}–{bound.high} {bound.unit} (RULES.md §6b), not {value}")]


def test_the_minimum_interval_is_less_than_the_maximum():
    found = parameter_problems(PARAMETER_DEFAULTS | {"min_interval_days": 28, "max_interval_days": 28})

    assert found == [Problem("min_interval_days", "must be less than max_interval_days (28; RULES.md §6b), not 28")]
    assert parameter_problems(PARAMETER_DEFAULTS | {"min_interval_days": 27, "max_interval_days": 28}) == []


def test_an_order_is_checked_only_between_values_within_their_bounds():
    # 30 is out of its own bounds: one problem, on that field, not a second one about the order.
    found = parameter_problems(PARAMETER_DEFAULTS | {"min_interval_days": 30, "max_interval_days": 28})
    assert [problem.field for problem in found] == ["min_interval_days"]


@pytest.mark.parametrize("value", ["21", 21.0, True, None])
def test_a_parameter_is_a_whole_number(value):
    assert parameter_problems({"min_interval_days": value}) == [
        Problem("min_interval_days", f"must be a whole number, not {value!r}")
    ]


def test_only_the_parameters_given_are_checked():
    assert parameter_problems({"max_session_minutes": 20}) == []
    assert parameter_problems({"not_a_parameter": -1}) == []
