"""The next-session window (protocols.window): states at their boundaries, days left, labels.

Every date is given explicitly: nothing here reads today's date.
"""

import dataclasses
from datetime import date, timedelta

import pytest

from protocols.engine import evaluate
from protocols.tests.factories_facts import assessment, make_facts, session
from protocols.window import CLOSING_DAYS, WINDOW_LABELS, Window, WindowState, window_after

LAST = date(2025, 3, 3)
# The default protocol: 21 to 42 days after the last session.
WINDOW = window_after(LAST, min_interval_days=21, max_interval_days=42)
EARLIEST = date(2025, 3, 24)
LATEST = date(2025, 4, 14)


def test_window_after_adds_the_intervals_to_the_last_session():
    assert WINDOW == Window(last_session=LAST, earliest=EARLIEST, latest=LATEST)


@pytest.mark.parametrize(
    ("today", "state"),
    [
        (EARLIEST - timedelta(days=1), WindowState.NOT_YET),
        (EARLIEST, WindowState.OPEN),
        (LATEST - timedelta(days=CLOSING_DAYS + 1), WindowState.OPEN),
        (LATEST - timedelta(days=CLOSING_DAYS), WindowState.CLOSING),
        (LATEST, WindowState.CLOSING),
        (LATEST + timedelta(days=1), WindowState.OVERDUE),
    ],
    ids=[
        "day_before_earliest_is_not_yet",
        "earliest_is_open",
        "latest_minus_8_is_still_open",
        "latest_minus_7_is_closing",
        "latest_is_closing",
        "day_after_latest_is_overdue",
    ],
)
def test_state_at_the_boundaries(today, state):
    assert WINDOW.state(today) is state


def test_the_boundaries_are_the_dates_written_out():
    assert WINDOW.state(date(2025, 3, 23)) is WindowState.NOT_YET
    assert WINDOW.state(date(2025, 3, 24)) is WindowState.OPEN
    assert WINDOW.state(date(2025, 4, 6)) is WindowState.OPEN
    assert WINDOW.state(date(2025, 4, 7)) is WindowState.CLOSING
    assert WINDOW.state(date(2025, 4, 14)) is WindowState.CLOSING
    assert WINDOW.state(date(2025, 4, 15)) is WindowState.OVERDUE


def test_long_before_and_long_after():
    assert WINDOW.state(LAST) is WindowState.NOT_YET
    assert WINDOW.state(date(2026, 1, 1)) is WindowState.OVERDUE


def test_a_short_window_is_closing_from_its_first_day():
    short = window_after(LAST, min_interval_days=3, max_interval_days=5)

    assert short.state(date(2025, 3, 5)) is WindowState.NOT_YET
    assert short.state(date(2025, 3, 6)) is WindowState.CLOSING
    assert short.state(date(2025, 3, 8)) is WindowState.CLOSING
    assert short.state(date(2025, 3, 9)) is WindowState.OVERDUE


@pytest.mark.parametrize(
    ("today", "days_left"),
    [
        (LAST, 42),
        (EARLIEST - timedelta(days=1), 22),
        (EARLIEST, 21),
        (LATEST - timedelta(days=CLOSING_DAYS), CLOSING_DAYS),
        (LATEST, 0),
        (LATEST + timedelta(days=1), -1),
        (LATEST + timedelta(days=30), -30),
    ],
)
def test_days_left_counts_to_the_latest_date_and_goes_negative_when_overdue(today, days_left):
    assert WINDOW.days_left(today) == days_left


def test_labels():
    assert WINDOW_LABELS == {
        WindowState.NOT_YET: "Window not open yet",
        WindowState.OPEN: "Window open",
        WindowState.CLOSING: "Window closes within 7 days",
        WindowState.OVERDUE: "Overdue",
    }
    assert CLOSING_DAYS == 7


@pytest.mark.parametrize("state", list(WindowState))
def test_every_state_has_its_label(state):
    assert state.label == WINDOW_LABELS[state]


def test_states_are_the_strings_stored_and_filtered_on():
    assert [state.value for state in WindowState] == ["not_yet", "open", "closing", "overdue"]
    assert WindowState.CLOSING == "closing"


def test_the_label_of_the_state_on_a_day():
    assert WINDOW.state(date(2025, 4, 10)).label == "Window closes within 7 days"


@pytest.mark.parametrize(
    ("last", "minimum", "maximum", "earliest", "latest"),
    [
        (date(2024, 2, 8), 21, 42, date(2024, 2, 29), date(2024, 3, 21)),  # across a leap day
        (date(2024, 12, 20), 14, 28, date(2025, 1, 3), date(2025, 1, 17)),  # across the new year
        (date(2025, 1, 1), 365, 400, date(2026, 1, 1), date(2026, 2, 5)),
        (date(2025, 1, 1), 500, 800, date(2026, 5, 16), date(2027, 3, 12)),  # past a year
    ],
)
def test_window_after_on_other_dates_and_intervals(last, minimum, maximum, earliest, latest):
    window = window_after(last, min_interval_days=minimum, max_interval_days=maximum)

    assert (window.last_session, window.earliest, window.latest) == (last, earliest, latest)


def test_the_same_window_twice_is_equal():
    again = window_after(LAST, min_interval_days=21, max_interval_days=42)

    assert again == WINDOW
    assert hash(again) == hash(WINDOW)


def test_a_window_cannot_be_changed():
    with pytest.raises(dataclasses.FrozenInstanceError):
        WINDOW.latest = date(2025, 5, 1)


def test_intervals_are_keyword_only():
    with pytest.raises(TypeError):
        window_after(LAST, 21, 42)


@pytest.mark.parametrize(
    "parameters",
    [None, {"min_interval_days": 14, "max_interval_days": 28}, {"min_interval_days": 28, "max_interval_days": 56}],
)
def test_the_engine_reports_the_same_window(parameters):
    facts = make_facts(on_date="2025-03-20", history=[session("2025-03-03")], assessments=[assessment("2025-03-01")])
    decision = evaluate(facts, parameters)

    used = decision["parameters"]
    window = window_after(
        LAST, min_interval_days=used["min_interval_days"], max_interval_days=used["max_interval_days"]
    )
    assert decision["window"] == {"earliest": window.earliest.isoformat(), "latest": window.latest.isoformat()}
