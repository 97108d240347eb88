"""Invalid facts are rejected with errors that name the field, never treated as "no finding"."""

import copy
import math

import pytest

from protocols.engine import (
    DEFAULT_PARAMETERS,
    PARAMETER_NAMES,
    FactsError,
    ParametersError,
    evaluate,
    evaluate_many,
    parameters_from_fields,
    validate,
)
from protocols.limits import BOUNDS, PARAMETER_BOUNDS, PARAMETER_DEFAULTS, PARAMETER_FIELDS
from protocols.tests.factories_facts import DROP, make_facts, session


def errors_for(facts) -> list[dict]:
    with pytest.raises(FactsError) as caught:
        evaluate(facts)
    return caught.value.errors


def fields(facts) -> list[str]:
    return [error["field"] for error in errors_for(facts)]


INVALID = [
    # required fields
    ({"schema": DROP}, "schema", "missing_schema"),
    ({"on_date": DROP}, "on_date", "missing_on_date"),
    ({"technique": DROP}, "technique", "missing_technique"),
    ({"patient": DROP}, "patient", "missing_patient"),
    ({"patient__birth_date": DROP}, "patient.birth_date", "missing_birth_date"),
    ({"scar": DROP}, "scar", "missing_scar"),
    ({"scar__morphology": DROP}, "scar.morphology", "missing_morphology"),
    ({"scar__body_site": DROP}, "scar.body_site", "missing_body_site"),
    ({"history": [{"status": "completed"}]}, "history[0].date", "missing_session_date"),
    ({"history": [{"date": "2025-03-03"}]}, "history[0].status", "missing_session_status"),
    ({"patient__medications": [{"stopped": None}]}, "patient.medications[0].code", "missing_medication_code"),
    (
        {"history": [{"date": "2025-03-03", "status": "completed", "adverse_events": [{"resolved": True}]}]},
        "history[0].adverse_events[0].code",
        "missing_adverse_event_code",
    ),
    ({"assessments": [{"vss": None}]}, "assessments[0].date", "missing_assessment_date"),
    (
        {"assessments": [{"date": "2025-03-03", "vss": {"vascularity": 1, "pigmentation": 1, "pliability": 1}}]},
        "assessments[0].vss.height",
        "missing_vss_item",
    ),
    # wrong schema, stage, technique
    ({"schema": "cryocare.facts/2"}, "schema", "wrong_schema_version"),
    ({"stage": "book"}, "stage", "unknown_stage"),
    ({"stage": None}, "stage", "null_stage"),
    ({"technique": "laser"}, "technique", "unknown_technique"),
    ({"technique": ["spray"]}, "technique", "technique_as_list"),
    # dates
    ({"on_date": "2025-13-01"}, "on_date", "month_13"),
    ({"on_date": "2025-02-29"}, "on_date", "feb_29_in_common_year"),
    ({"on_date": "24-03-2025"}, "on_date", "day_first_date"),
    ({"on_date": "20250324"}, "on_date", "basic_iso_date"),
    ({"on_date": "2025-W13-1"}, "on_date", "iso_week_date"),
    ({"on_date": "2025-03-24T09:00"}, "on_date", "datetime_instead_of_date"),
    ({"on_date": 20250324}, "on_date", "number_instead_of_date"),
    ({"patient__birth_date": None}, "patient.birth_date", "null_birth_date"),
    ({"scar__onset_date": "yesterday"}, "scar.onset_date", "words_as_onset_date"),
    (
        {"patient__medications": [{"code": "isotretinoin", "stopped": "2025/01/15"}]},
        "patient.medications[0].stopped",
        "slashes",
    ),
    ({"history": [session("2025-3-3")]}, "history[0].date", "unpadded_session_date"),
    ({"on_date": "1985-07-13"}, "on_date", "on_date_before_birth_date"),
    ({"history": [session("1985-07-13")]}, "history[0].date", "session_before_birth"),
    ({"scar__onset_date": "1980-01-01"}, "scar.onset_date", "onset_before_birth"),
    ({"scar__onset_date": "2025-03-25"}, "scar.onset_date", "onset_after_on_date"),
    ({"assessments": [{"date": "1984-01-01", "vss": None}]}, "assessments[0].date", "assessment_before_birth"),
    # patient values
    ({"patient__sex": "f"}, "patient.sex", "unknown_sex"),
    ({"patient__fitzpatrick": 7}, "patient.fitzpatrick", "fitzpatrick_7"),
    ({"patient__fitzpatrick": 0}, "patient.fitzpatrick", "fitzpatrick_0"),
    ({"patient__fitzpatrick": 2.0}, "patient.fitzpatrick", "fitzpatrick_float"),
    ({"patient__fitzpatrick": "2"}, "patient.fitzpatrick", "fitzpatrick_string"),
    ({"patient__fitzpatrick": True}, "patient.fitzpatrick", "fitzpatrick_boolean"),
    ({"patient__pregnant": "no"}, "patient.pregnant", "pregnant_string"),
    ({"patient__pregnant": 0}, "patient.pregnant", "pregnant_zero"),
    ({"patient__consent": 1}, "patient.consent", "consent_one"),
    ({"patient__conditions": ["raynaud", "cold_allergy"]}, "patient.conditions[1]", "unknown_condition"),
    ({"patient__conditions": ["raynaud", None]}, "patient.conditions[1]", "null_condition"),
    ({"patient__conditions": [["raynaud"]]}, "patient.conditions[0]", "nested_list_condition"),
    ({"patient__conditions": "raynaud"}, "patient.conditions", "conditions_as_string"),
    ({"patient__conditions": None}, "patient.conditions", "null_conditions"),
    ({"patient__medications": [{"code": "warfarin"}]}, "patient.medications[0].code", "unknown_medication"),
    ({"patient__medications": ["isotretinoin"]}, "patient.medications[0]", "medication_as_string"),
    ({"patient": "Jane"}, "patient", "patient_as_string"),
    # scar values
    ({"scar__morphology": "raised"}, "scar.morphology", "unknown_morphology"),
    ({"scar__cause": "surgery"}, "scar.cause", "unknown_cause"),
    ({"scar__body_site": "left_cheek"}, "scar.body_site", "unknown_body_site"),
    ({"scar__length_mm": -1}, "scar.length_mm", "negative_length"),
    ({"scar__width_mm": "6"}, "scar.width_mm", "width_as_string"),
    ({"scar__height_mm": math.nan}, "scar.height_mm", "height_nan"),
    ({"scar__height_mm": math.inf}, "scar.height_mm", "height_infinite"),
    ({"scar__height_mm": True}, "scar.height_mm", "height_boolean"),
    ({"scar__height_mm": 10**400}, "scar.height_mm", "height_too_large_for_a_number"),
    ({"scar__site_findings": ["ulcer"]}, "scar.site_findings[0]", "unknown_site_finding"),
    ({"scar__diagnosis_uncertain": "false"}, "scar.diagnosis_uncertain", "diagnosis_uncertain_string"),
    ({"scar__diagnosis_uncertain": None}, "scar.diagnosis_uncertain", "diagnosis_uncertain_null"),
    ({"scar": []}, "scar", "scar_as_list"),
    # history
    ({"history": {"date": "2025-03-03"}}, "history", "history_as_object"),
    ({"history": ["2025-03-03"]}, "history[0]", "session_as_string"),
    ({"history": [session("2025-03-03", status="done")]}, "history[0].status", "unknown_status"),
    ({"history": [session("2025-03-03", technique="cryo")]}, "history[0].technique", "unknown_session_technique"),
    (
        {"history": [session("2025-03-03", adverse_events=[("burn", False)])]},
        "history[0].adverse_events[0].code",
        "unknown_adverse_event",
    ),
    (
        {"history": [session("2025-03-03", adverse_events=[("blister", "yes")])]},
        "history[0].adverse_events[0].resolved",
        "resolved_string",
    ),
    (
        {"history": [{"date": "2025-03-03", "status": "completed", "adverse_events": "blister"}]},
        "history[0].adverse_events",
        "adverse_events_as_string",
    ),
    # assessments
    ({"assessments": None}, "assessments", "null_assessments"),
    ({"assessments": [{"date": "2025-03-03", "vss": [2, 1, 3, 2]}]}, "assessments[0].vss", "vss_as_list"),
]

_VSS_LIMITS = [
    ("vascularity", 4),
    ("pigmentation", 3),
    ("pliability", 6),
    ("height", 4),
    ("height", -1),
    ("pliability", 1.5),
]
for _item, _value in _VSS_LIMITS:
    _vss = {"vascularity": 1, "pigmentation": 1, "pliability": 1, "height": 1, _item: _value}
    INVALID.append(
        ({"assessments": [{"date": "2025-03-03", "vss": _vss}]}, f"assessments[0].vss.{_item}", f"vss_{_item}_{_value}")
    )


@pytest.mark.parametrize(("overrides", "field"), [(o, f) for o, f, _ in INVALID], ids=[i for _, _, i in INVALID])
def test_invalid_value_is_rejected_naming_the_field(overrides, field):
    assert field in fields(make_facts(**overrides))


def test_document_that_is_not_an_object_is_rejected():
    assert errors_for(["not", "a", "document"]) == [
        {"field": "document", "message": "must be a JSON object, not ['not', 'a', 'document']"}
    ]


def test_every_problem_is_reported_at_once():
    facts = make_facts(
        patient__fitzpatrick=9,
        patient__conditions=["raynaud", "gout"],
        scar__length_mm=-4,
        assessments=[
            {"date": "2025-03-03", "vss": {"vascularity": 9, "pigmentation": 0, "pliability": 0, "height": 0}}
        ],
    )
    assert fields(facts) == [
        "patient.fitzpatrick",
        "patient.conditions[1]",
        "scar.length_mm",
        "assessments[0].vss.vascularity",
    ]


def test_messages_say_what_is_wrong():
    errors = errors_for(make_facts(patient__fitzpatrick=7, on_date="2025-02-30", patient__conditions=["gout"]))
    messages = {error["field"]: error["message"] for error in errors}

    assert messages["patient.fitzpatrick"] == "must be a whole number 1–6 or null, not 7"
    assert messages["on_date"] == "must be a date in YYYY-MM-DD form, not '2025-02-30'"
    assert messages["patient.conditions[0]"] == "unknown condition code 'gout'"


def test_on_date_before_birth_date_names_on_date():
    errors = errors_for(make_facts(on_date="1980-01-01", history=[], assessments=[]))
    assert {"field": "on_date", "message": "is before patient.birth_date (1985-07-14)"} in errors


def test_facts_error_is_a_value_error_listing_the_fields():
    with pytest.raises(ValueError, match=r"patient\.fitzpatrick: must be"):
        evaluate(make_facts(patient__fitzpatrick=8))


def test_validate_raises_the_same_errors_without_deciding():
    validate(make_facts())
    with pytest.raises(FactsError):
        validate(make_facts(scar__body_site="elbowpit"))


# --- What is optional -------------------------------------------------------------------------


def test_unknown_fields_are_ignored():
    facts = make_facts(comment="seen by Dr X", patient__nickname="Jo", scar__laterality="left", scar__colour="red")
    facts["history"][0]["room"] = 4
    facts["assessments"][0]["photo"] = "a.jpg"
    facts["assessments"][0]["vss"]["itch"] = 9

    assert evaluate(facts)["outcome"] == "eligible"


def test_minimal_document_uses_the_documented_defaults():
    facts = {
        "schema": "cryocare.facts/1",
        "on_date": "2025-03-24",
        "technique": "spray",
        "patient": {"birth_date": "1990-01-01"},
        "scar": {"morphology": "keloid", "body_site": "chest"},
    }
    decision = evaluate(facts)

    assert decision["stage"] == "schedule"
    assert decision["window"] is None
    # No assessment is a block; nothing else fires: sex unknown, pregnancy unknown, no consent needed yet.
    assert [f["code"] for f in decision["findings"]] == ["ASM-01"]


def test_nullable_fields_accept_null():
    facts = make_facts(
        patient__fitzpatrick=None,
        patient__pregnant=None,
        patient__consent=None,
        patient__medications=[{"code": "antiplatelet", "stopped": None}],
        scar__onset_date=None,
        scar__length_mm=None,
        scar__width_mm=None,
        scar__height_mm=None,
        history=[session("2025-03-03", technique=None)],
        assessments=[{"date": "2025-03-03", "vss": None}],
    )
    assert evaluate(facts)["schema"] == "cryocare.decision/1"


def test_sizes_may_be_zero_or_decimal():
    assert evaluate(make_facts(scar__height_mm=0, scar__length_mm=12.5))["outcome"] == "eligible"


def test_repeated_codes_are_allowed():
    decision = evaluate(make_facts(patient__conditions=["raynaud", "raynaud"]))
    assert [f["code"] for f in decision["findings"]] == ["ABS-05"]


def test_sessions_and_assessments_after_on_date_are_valid():
    facts = make_facts(history=[session("2025-03-03"), session("2025-05-01")])
    facts["assessments"].append({"date": "2025-06-01", "vss": None})
    assert evaluate(facts)["outcome"] == "eligible"


# --- Evaluation leaves its input alone and reports per document in a batch ----------------------


def test_evaluate_does_not_change_the_facts():
    facts = make_facts(patient__conditions=["diabetes"], scar__body_site="foot")
    before = copy.deepcopy(facts)

    evaluate(facts)

    assert facts == before


def test_evaluate_many_puts_errors_in_the_place_of_an_invalid_document():
    results = evaluate_many([make_facts(), make_facts(patient__fitzpatrick=0), 42, make_facts(patient__pregnant=True)])

    assert results[0]["outcome"] == "eligible"
    assert results[1] == {
        "errors": [{"field": "patient.fitzpatrick", "message": "must be a whole number 1–6 or null, not 0"}]
    }
    assert results[2]["errors"][0]["field"] == "document"
    assert results[3]["outcome"] == "needs_override"


# --- Parameters: any value RULES.md §6b allows is accepted, anything else is named ----------------

BAD_PARAMETERS = [
    ({"min_interval_days": 0}, ["min_interval_days"], "zero_minimum"),
    ({"min_interval_days": 13}, ["min_interval_days"], "minimum_one_below_14"),
    ({"min_interval_days": 42, "max_interval_days": 21}, ["min_interval_days", "max_interval_days"], "swapped"),
    ({"min_interval_days": 28, "max_interval_days": 28}, ["min_interval_days"], "minimum_not_below_maximum"),
    ({"max_interval_days": "42"}, ["max_interval_days"], "maximum_as_string"),
    ({"max_interval_days": 57}, ["max_interval_days"], "maximum_one_above_56"),
    ({"freeze_limits": {"spray": {"max_freeze_seconds": 21}}}, ["freeze_limits.spray.max_freeze_seconds"], "looser"),
    ({"freeze_limits": {"contact": {"max_freeze_seconds": 4}}}, ["freeze_limits.contact.max_freeze_seconds"], "4_s"),
    ({"freeze_limits": {"intralesional": {"max_cycles": 3}}}, ["freeze_limits.intralesional.max_cycles"], "3_cycles"),
    ({"freeze_limits": {"spray": {"max_cycles": 0}}}, ["freeze_limits.spray.max_cycles"], "no_cycle"),
    ({"freeze_limits": [20, 30, 90]}, ["freeze_limits"], "freeze_limits_not_an_object"),
    ({"freeze_limits": {"contact": 30}}, ["freeze_limits.contact"], "technique_limits_not_an_object"),
    ({"session_minutes": {"min": 16}}, ["session_minutes.min"], "session_minimum_above_15"),
    ({"session_minutes": {"max": 46}}, ["session_minutes.max"], "session_maximum_above_45"),
    ({"pregnancy_status_valid_days": 0}, ["pregnancy_status_valid_days"], "pregnancy_status_0_days"),
    ({"pregnancy_status_valid_days": 91}, ["pregnancy_status_valid_days"], "pregnancy_status_91_days"),
    ({"pregnancy_status_valid_days": True}, ["pregnancy_status_valid_days"], "pregnancy_status_true"),
    ({"pregnancy_status_valid_days": None}, ["pregnancy_status_valid_days"], "pregnancy_status_null"),
]


@pytest.mark.parametrize(
    ("parameters", "named"), [(p, n) for p, n, _ in BAD_PARAMETERS], ids=[i for _, _, i in BAD_PARAMETERS]
)
def test_bad_parameters_raise_parameters_error_naming_each_parameter(parameters, named):
    with pytest.raises(ParametersError) as caught:
        evaluate(make_facts(), parameters)

    assert [error["field"] for error in caught.value.errors] == named
    assert isinstance(caught.value, ValueError) and not isinstance(caught.value, FactsError)


def test_parameters_error_gives_the_bound_and_the_value():
    with pytest.raises(ParametersError) as caught:
        evaluate_many([make_facts()], {"min_interval_days": 30})

    assert caught.value.errors == [
        {"field": "min_interval_days", "message": "must be 14–28 days (RULES.md §6b), not 30"}
    ]
    assert str(caught.value) == "protocol parameters: min_interval_days: must be 14–28 days (RULES.md §6b), not 30"


def test_parameters_that_are_not_an_object_are_named():
    with pytest.raises(ParametersError) as caught:
        evaluate(make_facts(), [21, 42])
    assert caught.value.errors[0]["field"] == "parameters"


EDGES = [(bound.field, edge) for bound in PARAMETER_BOUNDS for edge in (bound.low, bound.high)]


@pytest.mark.parametrize(("field", "value"), EDGES, ids=[f"{field}_{value}" for field, value in EDGES])
def test_every_bound_at_its_edge_is_accepted_and_recorded(field, value):
    parameters = parameters_from_fields(PARAMETER_DEFAULTS | {field: value})

    decision = evaluate(make_facts(history=[session("2025-03-03"), session("2025-03-24")]), parameters)

    assert decision["parameters"] == parameters
    assert "REL-12" in [f["code"] for f in decision["findings"]]


PAST = [(bound.field, past) for bound in PARAMETER_BOUNDS for past in (bound.low - 1, bound.high + 1) if past >= 0]


@pytest.mark.parametrize(("field", "value"), PAST, ids=[f"{field}_{value}" for field, value in PAST])
def test_one_past_each_bound_is_refused_on_that_parameter(field, value):
    parameters = parameters_from_fields(PARAMETER_DEFAULTS | {field: value})

    with pytest.raises(ParametersError) as caught:
        evaluate(make_facts(), parameters)

    assert [error["field"] for error in caught.value.errors] == [PARAMETER_NAMES[field]]
    bound = BOUNDS[field]
    assert f"{bound.low}–{bound.high}" in caught.value.errors[0]["message"]


@pytest.mark.parametrize("corner", ["low", "high"])
def test_the_strictest_and_the_loosest_settings_decide_without_error(corner):
    values = {bound.field: getattr(bound, corner) for bound in PARAMETER_BOUNDS}
    parameters = parameters_from_fields(values)

    decisions = evaluate_many([make_facts(), make_facts(on_date="2025-05-30"), make_facts(history=[])], parameters)

    assert all("outcome" in decision for decision in decisions)
    assert decisions[0]["parameters"]["min_interval_days"] == values["min_interval_days"]


def test_partial_parameters_take_the_rest_from_the_defaults():
    decision = evaluate(make_facts(), {"freeze_limits": {"spray": {"max_cycles": 2}}, "pregnancy_status_valid_days": 7})

    assert decision["parameters"] == DEFAULT_PARAMETERS | {
        "freeze_limits": DEFAULT_PARAMETERS["freeze_limits"] | {"spray": {"max_freeze_seconds": 20, "max_cycles": 2}},
        "pregnancy_status_valid_days": 7,
    }


def test_every_parameter_lands_where_its_engine_name_says():
    assert set(PARAMETER_NAMES) == set(PARAMETER_FIELDS)
    numbered = parameters_from_fields({field: n for n, field in enumerate(PARAMETER_FIELDS)})
    for n, field in enumerate(PARAMETER_FIELDS):
        node = numbered
        for key in PARAMETER_NAMES[field].split("."):
            node = node[key]
        assert node == n, field


def test_default_parameters_are_those_of_rules_md():
    assert DEFAULT_PARAMETERS == {
        "min_interval_days": 21,
        "max_interval_days": 42,
        "freeze_limits": {
            "spray": {"max_freeze_seconds": 20, "max_cycles": 3},
            "contact": {"max_freeze_seconds": 30, "max_cycles": 3},
            "intralesional": {"max_freeze_seconds": 90, "max_cycles": 2},
        },
        "session_minutes": {"min": 10, "max": 30},
        "pregnancy_status_valid_days": 30,
    }


def test_default_parameters_have_the_shape_and_values_of_the_clinic_model():
    from protocols.models import ProtocolParameters

    assert ProtocolParameters().as_engine_parameters() == DEFAULT_PARAMETERS


def test_decision_records_a_copy_of_the_parameters():
    decision = evaluate(make_facts())
    decision["parameters"]["min_interval_days"] = 1
    decision["parameters"]["freeze_limits"]["spray"]["max_cycles"] = 99

    again = evaluate(make_facts())
    assert again["parameters"]["min_interval_days"] == 21
    assert again["parameters"]["freeze_limits"]["spray"]["max_cycles"] == 3


def test_python_callers_may_pass_choices_members_and_decimals():
    from decimal import Decimal

    from protocols.codes import BodySite, Condition, Technique

    facts = make_facts(
        technique=Technique.SPRAY,
        patient__conditions=[Condition.RAYNAUD],
        scar__body_site=BodySite.SCALP,
        scar__height_mm=Decimal("6.5"),
    )
    decision = evaluate(facts)

    assert [f["code"] for f in decision["findings"]] == ["ABS-05", "WRN-02", "WRN-08"]
    assert "Scar height 6.5 mm" in decision["findings"][2]["detail"]


@pytest.mark.parametrize("value", ["NaN", "-1", "Infinity", "sNaN"])
def test_decimal_sizes_must_be_finite_and_not_negative(value):
    from decimal import Decimal

    assert fields(make_facts(scar__width_mm=Decimal(value))) == ["scar.width_mm"]
