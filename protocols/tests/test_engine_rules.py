"""Every rule of RULES.md §5: a case where it fires and a close case where it does not.

The baseline document (`make_facts()`) is eligible with no findings; each case changes as little as
possible. The tables at the top cover every rule both ways (checked by a test); the functions below
them pin the edges and the detail text. Cases whose id starts with `v1_1_` are the changes of
RULES.md v1.1 §5 ("Last session" = the latest completed entry on or before on_date; ADV-01 reads
every completed session on or before on_date), each beside its boundary: the same day, the day
before, the day after.
"""

from datetime import date

import pytest

from protocols.engine import evaluate
from protocols.rules import RULES, RULES_BY_CODE, SOURCES, add_months, age_on, expand_sources
from protocols.tests.factories_facts import (
    DROP,
    assessment,
    codes,
    finding,
    make_facts,
    session,
    sessions_every,
)


def decide(**overrides) -> dict:
    return evaluate(make_facts(**overrides))


# (code, overrides, id): the rule fires.
FIRES = [
    ("IND-01", {"scar__morphology": "atrophic"}, "atrophic_scar_is_not_an_indication"),
    ("IND-01", {"scar__morphology": "normotrophic"}, "normotrophic_scar_is_not_an_indication"),
    ("IND-01", {"scar__morphology": "other"}, "other_morphology_is_not_an_indication"),
    ("ASM-01", {"assessments": []}, "no_assessment_at_all"),
    ("ASM-01", {"assessments": [assessment("2025-03-25")]}, "only_assessment_is_after_on_date"),
    ("ABS-01", {"patient__conditions": ["cold_urticaria"]}, "cold_urticaria"),
    ("ABS-02", {"patient__conditions": ["cryoglobulinemia"]}, "cryoglobulinemia"),
    ("ABS-03", {"patient__conditions": ["cryofibrinogenemia"]}, "cryofibrinogenemia"),
    ("ABS-04", {"patient__conditions": ["cold_agglutinin_disease"]}, "cold_agglutinin_disease"),
    ("ABS-05", {"patient__conditions": ["raynaud"]}, "raynaud"),
    ("ABS-06", {"patient__conditions": ["cryotherapy_hypersensitivity"]}, "hypersensitivity_condition"),
    (
        "ABS-06",
        {
            "history": [
                session("2024-11-04", status="cancelled", adverse_events=[("urticaria", True)]),
                session("2025-03-03"),
            ]
        },
        "resolved_urticaria_on_a_cancelled_entry",
    ),
    (
        "ABS-06",
        {"history": [session("2024-11-04", adverse_events=[("hypersensitivity", True)]), session("2025-03-03")]},
        "past_hypersensitivity_reaction",
    ),
    ("ABS-07", {"scar__site_findings": ["active_infection"]}, "active_infection_at_site"),
    ("ABS-07", {"scar__site_findings": ["inflammation"]}, "inflammation_at_site"),
    ("ABS-08", {"scar__site_findings": ["open_wound"]}, "open_wound_at_site"),
    ("ABS-09", {"scar__diagnosis_uncertain": True}, "diagnosis_uncertain"),
    ("ABS-10", {"patient__conditions": ["severe_peripheral_circulation_disorder"]}, "severe_circulation_disorder"),
    ("ABS-11", {"stage": "treat", "patient__consent": None}, "treat_stage_consent_unknown"),
    ("ABS-11", {"stage": "treat", "patient__consent": False}, "treat_stage_consent_refused"),
    ("ABS-11", {"stage": "treat", "patient__consent": DROP}, "treat_stage_consent_absent"),
    ("ABS-12", {"scar__site_findings": ["active_skin_disease"]}, "active_skin_disease_at_site"),
    (
        "ADV-01",
        {"history": [session("2025-03-03", adverse_events=[("frostbite", False)])]},
        "unresolved_frostbite_after_last_session",
    ),
    (
        "ADV-01",
        {"history": [session("2025-03-03", adverse_events=[("dermatitis", False)])]},
        "unresolved_dermatitis_after_last_session",
    ),
    (
        "ADV-01",
        {"history": [session("2025-03-03", adverse_events=[("infection", False)])]},
        "unresolved_infection_after_last_session",
    ),
    (
        "ADV-01",
        {"history": [session("2025-03-03", adverse_events=[("ulceration", False)])]},
        "unresolved_ulceration_after_last_session",
    ),
    (
        "ADV-01",
        {"history": [session("2025-03-03", adverse_events=[{"code": "ulceration"}])]},
        "event_without_resolved_counts_as_unresolved",
    ),
    (
        "ADV-01",
        {"history": [session("2025-01-06", adverse_events=[("frostbite", False)]), session("2025-03-03")]},
        "v1_1_unresolved_frostbite_on_an_older_session",
    ),
    (
        "ADV-01",
        {"history": [session("2025-03-03"), session("2025-03-24", adverse_events=[("infection", False)])]},
        "v1_1_unresolved_infection_after_a_freeze_earlier_on_on_date",
    ),
    (
        "ADV-01",
        {"history": [session("2025-03-03"), session("2025-03-23", adverse_events=[("dermatitis", False)])]},
        "unresolved_dermatitis_after_a_freeze_the_day_before",
    ),
    ("REL-01", {"patient__conditions": ["multiple_myeloma"]}, "multiple_myeloma"),
    ("REL-02", {"patient__conditions": ["immunodeficiency"]}, "immunodeficiency"),
    ("REL-03", {"patient__conditions": ["pyoderma_gangrenosum"]}, "pyoderma_gangrenosum"),
    ("REL-04", {"patient__conditions": ["autoimmune_connective_tissue_disease"]}, "autoimmune_connective_tissue"),
    ("REL-05", {"patient__medications": [{"code": "immunosuppressant", "stopped": None}]}, "immunosuppressant_taken"),
    (
        "REL-05",
        {"patient__medications": [{"code": "immunosuppressant", "stopped": "2025-03-24"}]},
        "immunosuppressant_stopping_on_on_date_is_current",
    ),
    (
        "REL-06",
        {"technique": "intralesional", "patient__medications": [{"code": "anticoagulant", "stopped": None}]},
        "intralesional_with_anticoagulant",
    ),
    (
        "REL-06",
        {"technique": "intralesional", "patient__medications": [{"code": "antiplatelet", "stopped": "2025-04-01"}]},
        "intralesional_with_antiplatelet",
    ),
    (
        "REL-06",
        {"technique": "intralesional", "patient__conditions": ["bleeding_disorder"]},
        "intralesional_with_bleeding_disorder",
    ),
    ("REL-07", {"scar__body_site": "foot", "patient__conditions": ["diabetes"]}, "foot_with_diabetes"),
    (
        "REL-07",
        {"scar__body_site": "ankle", "patient__conditions": ["peripheral_vascular_disease"]},
        "ankle_with_vascular_disease",
    ),
    ("REL-08", {"patient__pregnant": True}, "pregnant"),
    ("REL-09", {"patient__birth_date": "2007-03-25"}, "one_day_before_18th_birthday"),
    ("REL-11", {"scar__body_site": "periorbital"}, "periorbital"),
    ("REL-11", {"scar__body_site": "nasal_ala"}, "nasal_ala"),
    ("REL-11", {"scar__body_site": "lip_vermilion"}, "lip_vermilion"),
    ("REL-11", {"scar__body_site": "finger"}, "finger"),
    ("REL-12", {"history": [session("2025-03-04")]}, "twenty_days_after_last_session"),
    ("REL-12", {"history": [session("2025-03-23")]}, "last_session_the_day_before"),
    ("REL-12", {"history": [session("2025-03-03"), session("2025-03-24")]}, "v1_1_second_freeze_on_the_same_day"),
    (
        "REL-13",
        {
            "history": sessions_every(28, 3),
            "assessments": [assessment("2024-11-11", 2, 1, 3, 2), assessment("2025-03-03", 2, 1, 2, 2)],
        },
        "three_sessions_and_vss_one_point_better",
    ),
    (
        "REL-13",
        {
            "history": sessions_every(28, 6),
            "assessments": [assessment("2024-09-16", 3, 2, 4, 3), assessment("2025-03-03", 1, 1, 2, 1)],
        },
        "six_sessions_and_goal_not_reached",
    ),
    (
        "REL-13",
        {
            "history": [*sessions_every(28, 2), session("2025-03-24")],
            "assessments": [assessment("2025-02-03", 2, 1, 3, 2), assessment("2025-03-03", 2, 1, 3, 2)],
        },
        "v1_1_a_freeze_earlier_on_on_date_is_the_third_completed_session",
    ),
    ("STP-01", {"assessments": [assessment("2025-03-03", 1, 1, 1, 0)]}, "height_0_and_pliability_1"),
    ("WRN-01", {"patient__fitzpatrick": 4}, "fitzpatrick_4"),
    ("WRN-01", {"patient__fitzpatrick": 6}, "fitzpatrick_6"),
    ("WRN-02", {"scar__body_site": "scalp"}, "scalp"),
    ("WRN-02", {"scar__body_site": "eyebrow"}, "eyebrow"),
    ("WRN-02", {"scar__body_site": "beard_area"}, "beard_area"),
    ("WRN-03", {"scar__body_site": "forehead"}, "forehead"),
    ("WRN-03", {"scar__body_site": "temple"}, "temple"),
    ("WRN-04", {"patient__medications": [{"code": "isotretinoin", "stopped": None}]}, "isotretinoin_taken"),
    (
        "WRN-04",
        {"patient__medications": [{"code": "isotretinoin", "stopped": "2024-03-24"}]},
        "isotretinoin_stopped_exactly_365_days_before",
    ),
    (
        "WRN-05",
        {"technique": "contact", "patient__medications": [{"code": "anticoagulant", "stopped": None}]},
        "contact_with_anticoagulant",
    ),
    (
        "WRN-05",
        {"technique": "spray", "patient__medications": [{"code": "antiplatelet", "stopped": None}]},
        "spray_with_antiplatelet",
    ),
    ("WRN-05", {"technique": "spray", "patient__conditions": ["bleeding_disorder"]}, "spray_with_bleeding_disorder"),
    ("WRN-06", {"history": [session("2025-02-09")]}, "forty_three_days_after_last_session"),
    (
        "WRN-06",
        {"history": [session("2025-02-09"), session("2025-03-25")]},
        "a_completed_session_the_day_after_is_not_the_last_session",
    ),
    ("WRN-07", {"scar__onset_date": "2024-09-25"}, "hypertrophic_scar_one_day_short_of_6_months"),
    ("WRN-08", {"scar__height_mm": 5.5}, "contact_on_a_scar_over_5_mm"),
    ("WRN-08", {"technique": "spray", "scar__height_mm": 6}, "spray_on_a_scar_over_5_mm"),
    ("WRN-09", {"scar__body_site": "lower_leg"}, "lower_leg_without_diabetes_or_pvd"),
    ("WRN-09", {"scar__body_site": "toe"}, "toe_without_diabetes_or_pvd"),
    ("WRN-10", {"patient__pregnant": None}, "woman_of_39_with_pregnancy_unknown"),
    ("WRN-10", {"patient__pregnant": None, "patient__birth_date": "2013-03-24"}, "girl_turning_12_today"),
    ("WRN-10", {"patient__pregnant": None, "patient__birth_date": "1974-03-25"}, "woman_aged_50"),
]

# (code, overrides, id): a close case where the rule stays silent.
DOES_NOT_FIRE = [
    ("IND-01", {"scar__morphology": "keloid"}, "keloid_is_an_indication"),
    ("IND-01", {"scar__morphology": "hypertrophic"}, "hypertrophic_is_an_indication"),
    ("ASM-01", {"assessments": [assessment("2025-03-24", vss=False)]}, "assessment_without_vss_on_on_date"),
    ("ASM-01", {"assessments": [assessment("2025-03-23"), assessment("2025-03-25")]}, "assessment_the_day_before"),
    ("ABS-01", {"patient__conditions": ["diabetes"]}, "other_condition_is_not_cold_urticaria"),
    ("ABS-02", {"patient__conditions": ["cryofibrinogenemia"]}, "cryofibrinogenemia_is_not_cryoglobulinemia"),
    ("ABS-03", {"patient__conditions": ["cryoglobulinemia"]}, "cryoglobulinemia_is_not_cryofibrinogenemia"),
    ("ABS-04", {"patient__conditions": ["cold_urticaria"]}, "cold_urticaria_is_not_cold_agglutinin_disease"),
    ("ABS-05", {"patient__conditions": ["severe_peripheral_circulation_disorder"]}, "circulation_disorder_not_raynaud"),
    (
        "ABS-06",
        {"history": [session("2025-03-03", adverse_events=[("blister", False), ("edema", False), ("pain", True)])]},
        "other_adverse_events_are_not_hypersensitivity",
    ),
    ("ABS-07", {"scar__site_findings": ["open_wound"]}, "open_wound_is_not_infection"),
    ("ABS-08", {"scar__site_findings": ["inflammation"]}, "inflammation_is_not_an_open_wound"),
    ("ABS-09", {"scar__diagnosis_uncertain": False}, "diagnosis_certain"),
    ("ABS-09", {"scar__diagnosis_uncertain": DROP}, "diagnosis_uncertain_absent_means_false"),
    ("ABS-10", {"patient__conditions": ["raynaud"]}, "raynaud_is_not_a_severe_circulation_disorder"),
    ("ABS-11", {"stage": "treat", "patient__consent": True}, "treat_stage_with_consent"),
    ("ABS-11", {"stage": "schedule", "patient__consent": None}, "scheduling_without_consent_yet"),
    ("ABS-12", {"scar__site_findings": ["inflammation"]}, "inflammation_is_not_skin_disease"),
    (
        "ADV-01",
        {"history": [session("2025-03-03", adverse_events=[("frostbite", True)])]},
        "frostbite_resolved",
    ),
    (
        "ADV-01",
        {"history": [session("2025-03-03", adverse_events=[("blister", False), ("hyperpigmentation", False)])]},
        "unresolved_event_not_needing_recovery",
    ),
    (
        "ADV-01",
        {"history": [session("2025-01-06", adverse_events=[("frostbite", True)]), session("2025-03-03")]},
        "frostbite_on_an_older_session_resolved",
    ),
    (
        "ADV-01",
        {"history": [session("2025-01-06", "no_show", adverse_events=[("frostbite", False)]), session("2025-03-03")]},
        "unresolved_frostbite_on_an_older_no_show_entry",
    ),
    (
        "ADV-01",
        {"history": [session("2025-03-03"), session("2025-03-10", "cancelled", adverse_events=[("frostbite", False)])]},
        "unresolved_frostbite_on_a_later_cancelled_entry",
    ),
    (
        "ADV-01",
        {"history": [session("2025-03-03"), session("2025-03-24", "cancelled", adverse_events=[("frostbite", False)])]},
        "unresolved_frostbite_on_an_entry_cancelled_on_on_date",
    ),
    (
        "ADV-01",
        {"history": [session("2025-03-03"), session("2025-03-25", adverse_events=[("frostbite", False)])]},
        "unresolved_frostbite_on_a_completed_session_the_day_after",
    ),
    ("REL-01", {"patient__conditions": ["immunodeficiency"]}, "immunodeficiency_is_not_myeloma"),
    ("REL-02", {"patient__conditions": ["multiple_myeloma"]}, "myeloma_is_not_immunodeficiency"),
    ("REL-03", {"patient__conditions": ["autoimmune_connective_tissue_disease"]}, "not_pyoderma_gangrenosum"),
    ("REL-04", {"patient__conditions": ["pyoderma_gangrenosum"]}, "pyoderma_is_not_connective_tissue"),
    (
        "REL-05",
        {"patient__medications": [{"code": "immunosuppressant", "stopped": "2025-03-23"}]},
        "immunosuppressant_stopped_the_day_before",
    ),
    (
        "REL-06",
        {"technique": "contact", "patient__medications": [{"code": "anticoagulant", "stopped": None}]},
        "anticoagulant_with_contact_technique",
    ),
    (
        "REL-06",
        {"technique": "intralesional", "patient__medications": [{"code": "anticoagulant", "stopped": "2025-03-01"}]},
        "intralesional_after_anticoagulant_stopped",
    ),
    ("REL-07", {"scar__body_site": "knee", "patient__conditions": ["diabetes"]}, "knee_is_not_below_the_knee"),
    ("REL-07", {"scar__body_site": "foot"}, "foot_without_diabetes_or_pvd"),
    ("REL-08", {"patient__pregnant": False}, "not_pregnant"),
    ("REL-08", {"patient__pregnant": None}, "pregnancy_unknown"),
    ("REL-09", {"patient__birth_date": "2007-03-24"}, "eighteenth_birthday_on_on_date"),
    ("REL-11", {"scar__body_site": "nose"}, "nose_is_not_delicate"),
    ("REL-11", {"scar__body_site": "hand"}, "hand_is_not_delicate"),
    ("REL-12", {"history": [session("2025-03-03")]}, "twenty_one_days_after_last_session"),
    (
        "REL-12",
        {"history": [session("2025-03-03"), session("2025-03-25")]},
        "a_completed_session_the_day_after_is_not_the_last_session",
    ),
    (
        "REL-12",
        {"history": [session("2025-03-03"), session("2025-03-24", "cancelled")]},
        "an_entry_cancelled_on_the_same_day_is_not_a_session",
    ),
    (
        "REL-13",
        {
            "history": sessions_every(28, 3),
            "assessments": [assessment("2024-11-11", 2, 1, 3, 2), assessment("2025-03-03", 2, 1, 2, 1)],
        },
        "three_sessions_and_vss_two_points_better",
    ),
    (
        "REL-13",
        {
            "history": sessions_every(28, 2),
            "assessments": [assessment("2025-02-03", 2, 1, 3, 2), assessment("2025-03-03", 2, 1, 3, 2)],
        },
        "two_sessions_and_no_change",
    ),
    (
        "REL-13",
        {
            "history": [*sessions_every(28, 2), session("2025-03-25")],
            "assessments": [assessment("2025-02-03", 2, 1, 3, 2), assessment("2025-03-03", 2, 1, 3, 2)],
        },
        "a_completed_session_the_day_after_is_not_counted",
    ),
    ("STP-01", {"assessments": [assessment("2025-03-03", 1, 1, 2, 0)]}, "height_0_but_pliability_2"),
    ("STP-01", {"assessments": [assessment("2025-03-03", 1, 1, 0, 1)]}, "pliability_0_but_height_1"),
    ("WRN-01", {"patient__fitzpatrick": 3}, "fitzpatrick_3"),
    ("WRN-01", {"patient__fitzpatrick": None}, "fitzpatrick_unknown"),
    ("WRN-02", {"scar__body_site": "forehead"}, "forehead_is_not_hair_bearing"),
    ("WRN-03", {"scar__body_site": "eyebrow"}, "eyebrow_is_not_forehead"),
    (
        "WRN-04",
        {"patient__medications": [{"code": "isotretinoin", "stopped": "2024-03-23"}]},
        "isotretinoin_stopped_366_days_before",
    ),
    (
        "WRN-05",
        {"technique": "intralesional", "patient__medications": [{"code": "anticoagulant", "stopped": None}]},
        "intralesional_with_anticoagulant_is_rel06_instead",
    ),
    (
        "WRN-05",
        {"technique": "contact", "patient__medications": [{"code": "antiplatelet", "stopped": "2025-03-20"}]},
        "contact_after_antiplatelet_stopped",
    ),
    ("WRN-06", {"history": [session("2025-02-10")]}, "forty_two_days_after_last_session"),
    (
        "WRN-06",
        {"history": [session("2025-02-09"), session("2025-03-24")]},
        "v1_1_a_freeze_earlier_on_on_date_is_the_last_session",
    ),
    (
        "WRN-06",
        {"history": [session("2025-02-09"), session("2025-03-23")]},
        "a_freeze_the_day_before_is_the_last_session",
    ),
    ("WRN-07", {"scar__onset_date": "2024-09-24"}, "hypertrophic_scar_exactly_6_months_old"),
    ("WRN-07", {"scar__morphology": "keloid", "scar__onset_date": "2025-01-01"}, "young_keloid"),
    ("WRN-07", {"scar__onset_date": None}, "onset_unknown"),
    ("WRN-08", {"scar__height_mm": 5}, "height_exactly_5_mm"),
    ("WRN-08", {"technique": "intralesional", "scar__height_mm": 8}, "bulky_scar_treated_intralesionally"),
    ("WRN-08", {"scar__height_mm": None}, "height_unknown"),
    ("WRN-09", {"scar__body_site": "lower_leg", "patient__conditions": ["diabetes"]}, "with_diabetes_is_rel07_instead"),
    ("WRN-09", {"scar__body_site": "knee"}, "knee_is_not_below_the_knee"),
    ("WRN-10", {"patient__pregnant": False}, "pregnancy_status_known"),
    ("WRN-10", {"patient__pregnant": None, "patient__sex": "male"}, "male_patient"),
    ("WRN-10", {"patient__pregnant": None, "patient__birth_date": "2013-03-25"}, "girl_aged_11"),
    ("WRN-10", {"patient__pregnant": None, "patient__birth_date": "1974-03-24"}, "woman_turning_51_today"),
]


def test_every_rule_has_a_firing_case_and_a_silent_case():
    assert {code for code, _, _ in FIRES} == set(RULES_BY_CODE)
    assert {code for code, _, _ in DOES_NOT_FIRE} == set(RULES_BY_CODE)


@pytest.mark.parametrize(("code", "overrides"), [(c, o) for c, o, _ in FIRES], ids=[i for _, _, i in FIRES])
def test_rule_fires(code, overrides):
    decision = decide(**overrides)

    found = finding(decision, code)
    rule = RULES_BY_CODE[code]
    assert found["severity"] == rule.severity
    assert found["sources"] == list(rule.sources)
    assert found["detail"]


@pytest.mark.parametrize(
    ("code", "overrides"), [(c, o) for c, o, _ in DOES_NOT_FIRE], ids=[i for _, _, i in DOES_NOT_FIRE]
)
def test_rule_stays_silent(code, overrides):
    assert code not in codes(decide(**overrides))


def test_baseline_document_is_eligible_with_no_findings():
    decision = decide()

    assert decision["outcome"] == "eligible"
    assert decision["findings"] == []


# --- The registry ---------------------------------------------------------------------------

# RULES.md §5, code → (class, sources), ranges expanded.
EXPECTED = {
    "IND-01": ("block", ("seed", "S6", "S7")),
    "ASM-01": ("block", ("seed",)),
    "ABS-01": ("block", ("seed", "S29", "S31", "S36")),
    "ABS-02": ("block", ("seed", "S28", "S29", "S30", "S31")),
    "ABS-03": ("block", ("S29", "S30")),
    "ABS-04": ("block", ("S36", "S37")),
    "ABS-05": ("block", ("seed", "S28", "S29", "S30")),
    "ABS-06": ("block", ("S32", "S33", "S38")),
    "ABS-07": ("block", ("seed",)),
    "ABS-08": ("block", ("seed", "S40")),
    "ABS-09": ("block", ("S32", "S33")),
    "ABS-10": ("block", ("seed", "S32")),
    "ABS-11": ("block", ("S32",)),
    "ABS-12": ("block", ("seed",)),
    "ADV-01": ("block", ("seed",)),
    "REL-01": ("override", ("S30", "S31")),
    "REL-02": ("override", ("S30", "S31")),
    "REL-03": ("override", ("S31",)),
    "REL-04": ("override", ("S28", "S43")),
    "REL-05": ("override", ("S31", "S43")),
    "REL-06": ("override", ("S31", "S35", "S44")),
    "REL-07": ("override", ("S32", "S34", "S39")),
    "REL-08": ("override", ("seed",)),
    "REL-09": ("override", ("S32",)),
    "REL-11": ("override", ("S32", "S34")),
    "REL-12": ("override", ("seed", "S7", "S11")),
    "REL-13": ("override", ("S7", "S14")),
    "STP-01": ("override", ("S7", "DESIGN")),
    "WRN-01": ("warn", ("S2", "S3", "S29")),
    "WRN-02": ("warn", ("S29", "S30")),
    "WRN-03": ("warn", ("S14",)),
    "WRN-04": ("warn", ("S47", "S48")),
    "WRN-05": ("warn", ("S31", "S44")),
    "WRN-06": ("warn", ("seed",)),
    "WRN-07": ("warn", ("S11", "S26")),
    "WRN-08": ("warn", ("S14", "S18")),
    "WRN-09": ("warn", ("S39", "S40")),
    "WRN-10": ("warn", ("seed",)),
}


def test_registry_holds_exactly_the_rules_of_rules_md_with_their_class_and_sources():
    assert {rule.code: (rule.severity, rule.sources) for rule in RULES} == EXPECTED


def test_retired_rel_10_is_not_in_the_registry():
    assert "REL-10" not in RULES_BY_CODE


def test_registry_is_ordered_by_severity_then_code():
    rank = {"block": 0, "override": 1, "warn": 2}
    keys = [(rank[rule.severity], rule.code) for rule in RULES]
    assert keys == sorted(keys)


def test_every_rule_source_has_a_full_reference():
    cited = {source for rule in RULES for source in rule.sources}
    assert cited <= set(SOURCES)
    assert SOURCES["DESIGN"] and SOURCES["S28"].startswith("Sharma VK")


def test_every_rule_declares_a_title_and_condition_in_words():
    for rule in RULES:
        assert rule.title and rule.condition, rule.code


def test_source_ranges_expand_to_each_source():
    assert expand_sources("seed, S28–S31") == ("seed", "S28", "S29", "S30", "S31")


def test_rule_check_returns_a_finding_with_the_rule_identity():
    from protocols.engine import _context, normalise_parameters

    ctx = _context(make_facts(patient__conditions=["raynaud"]), normalise_parameters(None))

    result = RULES_BY_CODE["ABS-05"].check(ctx)
    assert result.code == "ABS-05" and result.severity == "block"
    assert result.as_dict()["sources"] == ["seed", "S28", "S29", "S30"]
    assert RULES_BY_CODE["ABS-01"].check(ctx) is None


def test_the_context_holds_each_fact_under_its_own_name():
    from dataclasses import fields

    from protocols.engine import _context, normalise_parameters
    from protocols.rules import AdverseEventRecord, Context, MedicationRecord

    facts = make_facts(
        stage="treat",
        technique="intralesional",
        patient__sex="male",
        patient__fitzpatrick=5,
        patient__pregnant=None,
        patient__consent=False,
        patient__conditions=["diabetes"],
        patient__medications=[{"code": "isotretinoin", "stopped": "2025-04-01"}],
        scar__morphology="keloid",
        scar__body_site="foot",
        scar__onset_date="2024-01-02",
        scar__height_mm=4.5,
        scar__site_findings=["inflammation"],
        scar__diagnosis_uncertain=True,
        history=[session("2025-02-01"), session("2025-03-03", adverse_events=[("blister", False)])],
        assessments=[assessment("2025-03-03", 1, 1, 1, 1), assessment("2025-02-01", 3, 2, 5, 3)],
    )
    ctx = _context(facts, normalise_parameters({"min_interval_days": 14, "max_interval_days": 56}))

    on_date, stopped = date(2025, 3, 24), date(2025, 4, 1)
    assert {field.name: getattr(ctx, field.name) for field in fields(Context)} == {
        "on_date": on_date,
        "stage": "treat",
        "technique": "intralesional",
        "min_interval_days": 14,
        "max_interval_days": 56,
        "birth_date": date(1985, 7, 14),
        "age": 39,
        "sex": "male",
        "fitzpatrick": 5,
        "pregnant": None,
        "consent": False,
        "conditions": frozenset({"diabetes"}),
        "medications": (MedicationRecord("isotretinoin", stopped),),
        "current_medications": {"isotretinoin": stopped},
        "morphology": "keloid",
        "body_site": "foot",
        "onset_date": date(2024, 1, 2),
        "height_mm": 4.5,
        "site_findings": frozenset({"inflammation"}),
        "diagnosis_uncertain": True,
        "adverse_events": (AdverseEventRecord(date(2025, 3, 3), "completed", "blister", False),),
        "last_session_date": date(2025, 3, 3),
        "completed_sessions": 2,
        "assessments_considered": 2,
        "vss_baseline": (date(2025, 2, 1), facts["assessments"][1]["vss"]),
        "vss_latest": (date(2025, 3, 3), facts["assessments"][0]["vss"]),
    }


def test_parametrised_titles_show_the_parameters_in_force():
    rule = RULES_BY_CODE["REL-12"]
    assert rule.title_for({"min_interval_days": 28, "max_interval_days": 56}) == "Interval shorter than 28 days"
    assert "28 days" in rule.condition_for({"min_interval_days": 28, "max_interval_days": 56})


# --- Outcome ----------------------------------------------------------------------------------


def test_a_block_makes_the_outcome_blocked_even_with_overrides_and_warnings():
    decision = decide(patient__conditions=["raynaud"], patient__pregnant=True, patient__fitzpatrick=5)

    assert codes(decision) == ["ABS-05", "REL-08", "WRN-01"]
    assert decision["outcome"] == "blocked"


def test_an_override_without_block_needs_override():
    decision = decide(patient__pregnant=True, patient__fitzpatrick=5)

    assert decision["outcome"] == "needs_override"


def test_warnings_alone_leave_the_patient_eligible():
    decision = decide(patient__fitzpatrick=5)

    assert decision["outcome"] == "eligible"
    assert codes(decision) == ["WRN-01"]


def test_all_findings_are_returned_ordered_by_severity_then_code():
    decision = decide(
        scar__morphology="atrophic",
        assessments=[],
        scar__site_findings=["open_wound", "inflammation"],
        patient__conditions=["raynaud", "cold_urticaria", "immunodeficiency"],
        scar__body_site="eyebrow",
        patient__fitzpatrick=6,
    )

    assert codes(decision) == ["ABS-01", "ABS-05", "ABS-07", "ABS-08", "ASM-01", "IND-01", "REL-02", "WRN-01", "WRN-02"]


def test_decision_has_the_documented_shape():
    decision = decide(history=[session("2025-03-03")], on_date="2025-03-20", patient__conditions=[])

    assert decision["schema"] == "cryocare.decision/1"
    assert decision["ruleset"] == "cryocare-rules/1.1"
    assert decision["findings"] == [
        {
            "code": "REL-12",
            "severity": "override",
            "title": "Interval shorter than 21 days",
            "detail": "Last completed session 2025-03-03 (17 days before 2025-03-20).",
            "sources": ["seed", "S7", "S11"],
            "printable": False,
        }
    ]
    assert decision["window"] == {"earliest": "2025-03-24", "latest": "2025-04-14"}
    assert (decision["on_date"], decision["stage"], decision["technique"]) == ("2025-03-20", "schedule", "contact")
    assert decision["parameters"]["min_interval_days"] == 21
    assert decision["parameters"]["pregnancy_status_valid_days"] == 30


# --- Details name what triggered the rule ------------------------------------------------------


def test_condition_finding_names_the_condition():
    detail = finding(decide(patient__conditions=["cryoglobulinemia"]), "ABS-02")["detail"]
    assert "Cryoglobulinaemia" in detail and "cryoglobulinemia" in detail


def test_hypersensitivity_finding_names_the_event_and_session_date():
    decision = decide(history=[session("2024-12-02", "no_show", adverse_events=[("urticaria", True)])])
    assert finding(decision, "ABS-06")["detail"] == "Urticaria recorded after the session of 2024-12-02 (no_show)."


def test_adverse_event_finding_names_the_event_and_session_date():
    decision = decide(history=[session("2025-03-03", adverse_events=[("ulceration", False), ("frostbite", False)])])
    detail = finding(decision, "ADV-01")["detail"]
    assert detail == (
        "Unresolved frostbite, ulceration after the completed session of 2025-03-03: "
        "no cryotherapy until the skin has recovered."
    )


def test_adv_01_names_every_session_with_an_unresolved_event_oldest_first():
    decision = decide(
        history=[
            session("2025-03-03", adverse_events=[("dermatitis", False), ("blister", False)]),
            session("2025-01-06", adverse_events=[("frostbite", False), ("infection", True)]),
            session("2025-02-03"),
        ]
    )
    assert finding(decision, "ADV-01")["detail"] == (
        "Unresolved frostbite after the completed session of 2025-01-06; dermatitis after the completed session "
        "of 2025-03-03: no cryotherapy until the skin has recovered."
    )


def test_adv_01_reads_every_completed_session_on_the_last_date():
    decision = decide(history=[session("2025-03-03", adverse_events=[("infection", False)]), session("2025-03-03")])
    assert "ADV-01" in codes(decision)


def test_medication_finding_names_the_medication_and_its_status():
    detail = finding(decide(patient__medications=[{"code": "immunosuppressant", "stopped": None}]), "REL-05")["detail"]
    assert detail == "Current medication: immunosuppressant (still taking)."


def test_bleeding_finding_lists_every_risk():
    decision = decide(
        technique="intralesional",
        patient__conditions=["bleeding_disorder"],
        patient__medications=[{"code": "antiplatelet", "stopped": None}],
    )
    detail = finding(decision, "REL-06")["detail"]
    assert "antiplatelet (still taking)" in detail and "bleeding disorder" in detail


def test_minor_finding_gives_age_and_birth_date():
    detail = finding(decide(patient__birth_date="2010-06-01"), "REL-09")["detail"]
    assert detail.startswith("Patient is 14 on 2025-03-24 (born 2010-06-01)")


def test_isotretinoin_finding_gives_stop_date_and_days():
    decision = decide(patient__medications=[{"code": "isotretinoin", "stopped": "2025-01-15"}])
    assert finding(decision, "WRN-04")["detail"] == "Isotretinoin stopped 2025-01-15 (68 days before 2025-03-24)."


def test_isotretinoin_uses_the_latest_stop_of_repeated_courses():
    decision = decide(
        patient__medications=[
            {"code": "isotretinoin", "stopped": "2023-01-01"},
            {"code": "isotretinoin", "stopped": "2024-12-24"},
        ]
    )
    assert "stopped 2024-12-24" in finding(decision, "WRN-04")["detail"]


def test_young_scar_finding_gives_the_date_it_turns_6_months():
    detail = finding(decide(scar__onset_date="2025-01-10"), "WRN-07")["detail"]
    assert "Scar formed 2025-01-10" in detail and "2025-07-10" in detail


def test_bulky_scar_finding_gives_the_height():
    assert "Scar height 7.5 mm" in finding(decide(scar__height_mm=7.5), "WRN-08")["detail"]


# --- Age and calendar edges ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "on_date", "age"),
    [
        ("2004-02-29", "2022-02-28", 17),
        ("2004-02-29", "2022-03-01", 18),
        ("2004-02-29", "2024-02-28", 19),
        ("2004-02-29", "2024-02-29", 20),
        ("1990-12-31", "2025-12-30", 34),
        ("1990-12-31", "2025-12-31", 35),
    ],
    ids=[
        "leap_day_birthday_not_yet_on_feb_28_of_common_year",
        "leap_day_birthday_on_march_1st_of_common_year",
        "leap_day_birthday_not_yet_on_feb_28_of_leap_year",
        "leap_day_birthday_on_feb_29_of_leap_year",
        "day_before_birthday",
        "on_birthday",
    ],
)
def test_age_is_whole_years_on_on_date(born, on_date, age):
    assert age_on(date.fromisoformat(born), date.fromisoformat(on_date)) == age


def test_patient_born_on_leap_day_is_a_minor_until_march_1st():
    on_feb_28 = decide(
        patient__birth_date="2008-02-29", on_date="2026-02-28", history=[], assessments=[assessment("2026-02-01")]
    )
    on_mar_1 = decide(
        patient__birth_date="2008-02-29", on_date="2026-03-01", history=[], assessments=[assessment("2026-02-01")]
    )

    assert "REL-09" in codes(on_feb_28)
    assert "REL-09" not in codes(on_mar_1)


@pytest.mark.parametrize(
    ("onset", "on_date", "fires"),
    [
        ("2024-08-31", "2025-02-27", True),
        ("2024-08-31", "2025-02-28", False),
        ("2023-08-31", "2024-02-28", True),
        ("2023-08-31", "2024-02-29", False),
        ("2024-07-15", "2025-01-14", True),
        ("2024-07-15", "2025-01-15", False),
    ],
    ids=[
        "month_end_onset_day_before_end_of_february",
        "month_end_onset_reaches_6_months_on_feb_28",
        "month_end_onset_feb_28_in_leap_year_still_young",
        "month_end_onset_reaches_6_months_on_feb_29",
        "across_the_year_end_day_before",
        "across_the_year_end_on_the_day",
    ],
)
def test_scar_age_counts_calendar_months(onset, on_date, fires):
    decision = decide(scar__onset_date=onset, on_date=on_date, history=[], assessments=[assessment(onset)])
    assert ("WRN-07" in codes(decision)) is fires


def test_add_months_clamps_to_the_end_of_the_month():
    assert add_months(date(2024, 8, 31), 6) == date(2025, 2, 28)
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert add_months(date(2024, 10, 15), 6) == date(2025, 4, 15)


# --- REL-13 and STP-01 read the VSS ------------------------------------------------------------


def test_rel_13_compares_latest_with_baseline_whatever_the_list_order():
    decision = decide(
        history=sessions_every(28, 3),
        assessments=[assessment("2025-03-03", 2, 1, 3, 1), assessment("2024-11-11", 2, 1, 3, 2)],
    )
    detail = finding(decision, "REL-13")["detail"]
    assert "from 8 (baseline 2024-11-11) to 7 (latest 2025-03-03)" in detail


def test_rel_13_skips_assessments_without_vss():
    decision = decide(
        history=sessions_every(28, 3),
        assessments=[
            assessment("2024-10-14", vss=False),
            assessment("2024-11-11", 3, 2, 4, 3),
            assessment("2025-02-03", 1, 1, 2, 1),
            assessment("2025-03-03", vss=False),
        ],
    )
    assert "REL-13" not in codes(decision)


def test_rel_13_does_not_fire_when_no_assessment_has_vss():
    decision = decide(
        history=sessions_every(28, 6),
        assessments=[assessment("2024-09-16", vss=False), assessment("2025-03-03", vss=False)],
    )
    assert "REL-13" not in codes(decision)
    assert "STP-01" not in codes(decision)


def test_rel_13_fires_after_3_sessions_when_the_only_vss_is_the_baseline():
    decision = decide(history=sessions_every(28, 3), assessments=[assessment("2024-11-11", 2, 1, 3, 2)])
    assert "REL-13" in codes(decision)


def test_rel_13_counts_only_completed_sessions_on_or_before_on_date():
    history = [
        session("2025-01-06"),
        session("2025-02-03", "cancelled"),
        session("2025-02-10", "no_show"),
        session("2025-03-03"),
        session("2025-03-24", "cancelled"),
        session("2025-03-25"),
        session("2025-04-14"),
    ]
    flat = [assessment("2025-01-06", 2, 1, 3, 2), assessment("2025-03-03", 2, 1, 3, 2)]
    assert "REL-13" not in codes(decide(history=history, assessments=flat))


def test_rel_13_counts_a_freeze_earlier_on_on_date():
    history = [session("2025-01-06"), session("2025-03-03"), session("2025-03-24")]
    flat = [assessment("2025-01-06", 2, 1, 3, 2), assessment("2025-03-03", 2, 1, 3, 2)]
    assert finding(decide(history=history, assessments=flat), "REL-13")["detail"].startswith("3 completed sessions")


def test_rel_13_at_6_sessions_fires_for_goal_not_reached_even_with_good_improvement():
    decision = decide(
        history=sessions_every(28, 6),
        assessments=[assessment("2024-09-16", 3, 2, 5, 3), assessment("2025-03-03", 0, 0, 2, 1)],
    )
    detail = finding(decision, "REL-13")["detail"]
    assert detail.startswith("6 completed sessions and the goal is not reached")
    assert "VSS total went" not in detail


def test_goal_reached_after_6_sessions_is_stp_01_not_rel_13():
    decision = decide(
        history=sessions_every(28, 6),
        assessments=[assessment("2024-09-16", 3, 2, 5, 3), assessment("2025-03-03", 1, 1, 1, 0)],
    )
    assert "STP-01" in codes(decision)
    assert "REL-13" not in codes(decision)


def test_stp_01_reads_the_latest_assessment_with_vss():
    decision = decide(assessments=[assessment("2025-02-03", 1, 0, 1, 0), assessment("2025-03-03", vss=False)])
    assert finding(decision, "STP-01")["detail"].startswith("Latest VSS (2025-02-03): height 0, pliability 1.")


def test_assessments_after_on_date_are_not_read():
    decision = decide(assessments=[assessment("2025-02-10", 2, 1, 3, 2), assessment("2025-03-25", 0, 0, 0, 0)])
    assert "STP-01" not in codes(decision)


def test_same_day_assessments_take_the_last_listed_as_latest():
    decision = decide(assessments=[assessment("2025-03-03", 2, 1, 3, 2), assessment("2025-03-03", 0, 0, 1, 0)])
    assert "STP-01" in codes(decision)


def test_only_the_patient_facing_warnings_are_printable():
    decision = decide(
        scar__body_site="eyebrow", patient__fitzpatrick=5, history=[session("2025-03-03")], on_date="2025-03-20"
    )

    printable = {f["code"]: f["printable"] for f in decision["findings"]}
    assert printable == {"REL-12": False, "WRN-01": True, "WRN-02": True}


def test_the_printable_warnings_are_those_of_rules_md_v1_1():
    # RULES.md v1.1 §5: "WRN-01, WRN-02, WRN-03, WRN-05 and WRN-09 are `printable`".
    assert {rule.code for rule in RULES if rule.printable} == {"WRN-01", "WRN-02", "WRN-03", "WRN-05", "WRN-09"}


def test_rule_conditions_say_what_rules_md_v1_1_says():
    # The two conditions v1.1 reworded, as the catalogue shows them.
    assert RULES_BY_CODE["ASM-01"].condition.startswith("no assessment dated on or before `on_date`")
    assert RULES_BY_CODE["ADV-01"].condition.startswith("any completed session on or before `on_date` has")
