"""The engine's pages in the application: the rule catalogue and the JSON API (the parameters page has its
own module, test_parameters_page)."""

import json

from django.urls import reverse

from protocols.tests.factories_facts import make_facts


def test_rule_catalogue_lists_every_registered_rule_with_full_sources(clinician_client):
    from protocols.rules import RULES, SOURCES

    body = clinician_client.get(reverse("protocols:rules")).content.decode()
    for rule in RULES:
        assert f'id="rule-{rule.code}"' in body
    assert SOURCES["S7"] in body


def test_rule_catalogue_reads_as_words_with_the_parameters_in_force(clinician_client, clinician):
    from protocols import services

    services.protocol_parameters_change(
        user=clinician, values={"min_interval_days": 25}, reason="Clinic protocol review of this year"
    )
    page = clinician_client.get(reverse("protocols:rules"))
    rows = {item["rule"].code: item for item in page.context["rules"]}
    assert rows["REL-12"]["title"] == "Interval shorter than 25 days"
    assert rows["ABS-01"]["condition"] == "condition cold urticaria"
    assert "Clinic protocol sheet" in [name for _, name in rows["REL-12"]["sources"]]
    assert "Zouboulis et al. 1993" in [name for _, name in rows["REL-12"]["sources"]]
    body = page.content.decode()
    assert "{min_interval_days}" not in body and "`" not in body and ">seed<" not in body


# --- The HTTP API ----------------------------------------------------------------------------


def _api(client, body, content_type="application/json"):
    return client.post(reverse("protocols:api_evaluate"), body, content_type=content_type)


def test_api_returns_the_decision(clinician_client):
    response = _api(clinician_client, json.dumps(make_facts(patient__conditions=["raynaud"])))
    assert response.status_code == 200
    assert response.json()["outcome"] == "blocked" and response.json()["findings"][0]["code"] == "ABS-05"


def test_api_names_the_invalid_field(clinician_client):
    response = _api(clinician_client, json.dumps(make_facts(patient__fitzpatrick=7)))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "patient.fitzpatrick"


def test_api_rejects_a_body_that_is_not_json(clinician_client):
    response = _api(clinician_client, "{not json", content_type="text/plain")
    assert response.status_code == 400 and "not valid JSON" in response.json()["errors"][0]["message"]


def test_api_needs_a_logged_in_clinic_user(client, outsider):
    assert _api(client, json.dumps(make_facts())).status_code == 401
    client.force_login(outsider)
    assert _api(client, json.dumps(make_facts())).status_code == 403


def test_api_only_accepts_post(clinician_client):
    assert clinician_client.get(reverse("protocols:api_evaluate")).status_code == 405


def test_api_names_clinic_parameters_outside_rules_md(clinician_client, monkeypatch):
    from protocols import services

    monkeypatch.setattr(services, "clinic_parameters", lambda: {"pregnancy_status_valid_days": 365})

    response = _api(clinician_client, json.dumps(make_facts()))

    assert response.status_code == 500
    assert response.json()["errors"][0]["field"] == "pregnancy_status_valid_days"


def test_decisions_record_the_ruleset_of_rules_md_v1_1(clinician_client):
    assert _api(clinician_client, json.dumps(make_facts())).json()["ruleset"] == "cryocare-rules/1.1"


def test_api_refuses_json_nested_too_deep_with_400(clinician_client):
    for depth in (25, 5000):
        response = _api(clinician_client, "[" * depth + "]" * depth)
        assert response.status_code == 400 and "nested more than 20 levels" in response.json()["errors"][0]["message"]


def test_api_refuses_a_body_too_large_with_400(clinician_client):
    body = json.dumps(make_facts() | {"padding": "x" * 70_000})
    response = _api(clinician_client, body)
    assert response.status_code == 400 and "larger than 65536 bytes" in response.json()["errors"][0]["message"]


def test_api_accepts_an_ordinary_facts_document(clinician_client):
    assert _api(clinician_client, json.dumps(make_facts())).status_code == 200
