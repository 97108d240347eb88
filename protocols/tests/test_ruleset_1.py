"""Ruleset 1's reading of the history, for the review of what changed with 1.1 (protocols.ruleset_1).

Each case is one of RULES.md v1.1's two changes to §5, decided both ways on the same facts.
"""

import copy

from protocols.engine import evaluate
from protocols.ruleset_1 import facts_as_ruleset_1
from protocols.tests.factories_facts import ON_DATE, codes, make_facts, session


def both(facts: dict) -> tuple[dict, dict]:
    """(ruleset 1's decision, 1.1's decision) on `facts`."""
    return evaluate(facts_as_ruleset_1(facts)), evaluate(facts)


def test_an_unresolved_adverse_event_before_the_last_session_blocks_only_under_1_1():
    facts = make_facts(
        history=[session("2025-02-10", adverse_events=[("infection", False)]), session("2025-03-03")],
    )
    before, now = both(facts)
    assert before["outcome"] == "eligible" and "ADV-01" not in codes(before)
    assert now["outcome"] == "blocked" and codes(now) == ["ADV-01"]


def test_an_unresolved_adverse_event_of_the_last_session_blocks_under_both():
    facts = make_facts(history=[session("2025-03-03", adverse_events=[("ulceration", False)])])
    before, now = both(facts)
    assert codes(before) == codes(now) == ["ADV-01"]


def test_a_freeze_earlier_the_same_day_counts_only_under_1_1():
    facts = make_facts(history=[session("2025-03-03"), session(ON_DATE)])
    before, now = both(facts)
    assert before["outcome"] == "eligible" and before["window"] == {"earliest": "2025-03-24", "latest": "2025-04-14"}
    assert "REL-12" in codes(now) and now["window"]["earliest"] == "2025-04-14"


def test_a_same_day_reaction_still_blocks_under_both():
    """ABS-06 reads every history entry's reactions, in both rulesets."""
    facts = make_facts(history=[session("2025-03-03"), session(ON_DATE, adverse_events=[("urticaria", False)])])
    before, now = both(facts)
    assert "ABS-06" in codes(before) and "ABS-06" in codes(now)


def test_resolved_or_later_events_and_cancelled_entries_are_left_as_they_are():
    history = [
        session("2025-02-10", adverse_events=[("infection", True)]),
        session("2025-02-20", status="cancelled", adverse_events=[("dermatitis", False)]),
        session("2025-03-03"),
        session("2025-03-30", adverse_events=[("frostbite", False)]),  # after on_date
    ]
    facts = make_facts(history=history)
    assert facts_as_ruleset_1(facts)["history"] == history
    assert both(facts)[0] == both(facts)[1]


def test_the_facts_given_are_not_changed():
    facts = make_facts(history=[session("2025-02-10", adverse_events=[("infection", False)]), session(ON_DATE)])
    kept = copy.deepcopy(facts)
    facts_as_ruleset_1(facts)
    assert facts == kept


def test_facts_the_engine_refuses_are_returned_as_they_are():
    for bad in ({"on_date": "someday", "history": []}, make_facts(history="not a list"), [], None):
        assert facts_as_ruleset_1(bad) is bad
