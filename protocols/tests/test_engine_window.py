"""The next-session window and the interval rules (REL-12, WRN-06) built on the last session: the latest
completed one on or before on_date (RULES.md v1.1 §5)."""

import pytest

from protocols.engine import evaluate
from protocols.tests.factories_facts import assessment, codes, finding, make_facts, session


def decide(on_date: str, history: list, parameters: dict | None = None) -> dict:
    facts = make_facts(on_date=on_date, history=history, assessments=[assessment("2024-01-15")])
    return evaluate(facts, parameters)


@pytest.mark.parametrize(
    ("on_date", "rel_12", "wrn_06"),
    [
        ("2025-03-23", True, False),
        ("2025-03-24", False, False),
        ("2025-04-14", False, False),
        ("2025-04-15", False, True),
    ],
    ids=["day_20_is_too_soon", "day_21_is_allowed", "day_42_is_not_overdue", "day_43_is_overdue"],
)
def test_interval_edges(on_date, rel_12, wrn_06):
    decision = decide(on_date, [session("2025-03-03")])

    assert ("REL-12" in codes(decision)) is rel_12
    assert ("WRN-06" in codes(decision)) is wrn_06
    assert decision["window"] == {"earliest": "2025-03-24", "latest": "2025-04-14"}


def test_day_20_detail_gives_last_session_and_days():
    detail = finding(decide("2025-03-23", [session("2025-03-03")]), "REL-12")["detail"]
    assert detail == "Last completed session 2025-03-03 (20 days before 2025-03-23)."


def test_day_43_detail_gives_last_session_and_days():
    detail = finding(decide("2025-04-15", [session("2025-03-03")]), "WRN-06")["detail"]
    assert detail.startswith("Last completed session 2025-03-03 (43 days before 2025-04-15)")


def test_day_after_the_session_is_one_day():
    detail = finding(decide("2025-03-04", [session("2025-03-03")]), "REL-12")["detail"]
    assert "(1 day before 2025-03-04)" in detail


def test_no_completed_session_means_no_window_and_no_interval_rule():
    decision = decide("2025-03-24", [session("2025-03-10", "cancelled"), session("2025-03-17", "no_show")])

    assert decision["window"] is None
    assert "REL-12" not in codes(decision) and "WRN-06" not in codes(decision)


def test_empty_history_means_no_window():
    assert decide("2025-03-24", [])["window"] is None


def test_window_across_a_leap_day():
    decision = decide("2024-03-01", [session("2024-02-08")])

    # 2024-02-08 + 21 days = 2024-02-29; + 42 days = 2024-03-21.
    assert decision["window"] == {"earliest": "2024-02-29", "latest": "2024-03-21"}
    assert "REL-12" not in codes(decision)


def test_window_across_a_year_end():
    decision = decide("2025-01-05", [session("2024-12-20")])

    assert decision["window"] == {"earliest": "2025-01-10", "latest": "2025-01-31"}
    assert finding(decision, "REL-12")["detail"] == "Last completed session 2024-12-20 (16 days before 2025-01-05)."


def test_interval_across_a_leap_day_counts_february_29():
    # 2024-02-09 → 2024-03-01 is 21 days because of 29 February.
    assert "REL-12" not in codes(decide("2024-03-01", [session("2024-02-09")]))
    assert "REL-12" in codes(decide("2024-03-01", [session("2024-02-10")]))


def test_only_completed_sessions_count_for_the_last_session():
    history = [session("2025-02-17"), session("2025-03-10", "cancelled"), session("2025-03-17", "no_show")]
    decision = decide("2025-03-24", history)

    assert decision["window"] == {"earliest": "2025-03-10", "latest": "2025-03-31"}
    assert "REL-12" not in codes(decision)
    assert "WRN-06" not in codes(decision)


def test_a_completed_session_on_on_date_is_the_last_session():
    # RULES.md v1.1 §5: "a second freeze on the same day is 0 days after the first".
    history = [session("2025-03-03"), session("2025-03-24"), session("2025-04-07")]
    decision = decide("2025-03-24", history)

    assert decision["window"] == {"earliest": "2025-04-14", "latest": "2025-05-05"}
    assert finding(decision, "REL-12")["detail"] == "Last completed session 2025-03-24 (0 days before 2025-03-24)."
    assert "WRN-06" not in codes(decision)


def test_sessions_after_on_date_are_not_the_last_session():
    history = [session("2025-03-03"), session("2025-03-25"), session("2025-04-07")]
    decision = decide("2025-03-24", history)

    assert decision["window"] == {"earliest": "2025-03-24", "latest": "2025-04-14"}
    assert "REL-12" not in codes(decision)


def test_only_sessions_after_on_date_means_no_window():
    assert decide("2025-03-24", [session("2025-03-25")])["window"] is None


def test_history_order_does_not_matter():
    decision = decide("2025-03-20", [session("2025-03-03"), session("2024-12-02"), session("2025-02-03")])

    assert decision["window"]["earliest"] == "2025-03-24"
    assert "REL-12" in codes(decision)


def test_window_and_interval_rules_follow_the_clinic_parameters():
    parameters = {"min_interval_days": 28, "max_interval_days": 56}
    decision = decide("2025-03-27", [session("2025-03-03")], parameters)

    assert decision["window"] == {"earliest": "2025-03-31", "latest": "2025-04-28"}
    assert finding(decision, "REL-12")["title"] == "Interval shorter than 28 days"
    assert decision["parameters"]["min_interval_days"] == 28
    assert "WRN-06" not in codes(decide("2025-04-28", [session("2025-03-03")], parameters))
    assert finding(decide("2025-04-29", [session("2025-03-03")], parameters), "WRN-06")["title"] == (
        "Overdue: more than 56 days since the last session"
    )
