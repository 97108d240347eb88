"""`manage.py protocol_evaluate`: facts in (file or stdin), decisions out as JSON, exit 2 on bad input."""

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from protocols.engine import evaluate
from protocols.models import ProtocolParameters
from protocols.services import clinic_parameters
from protocols.tests.factories_facts import make_facts, session

pytestmark = pytest.mark.django_db


def run(path: str, stdin: str | None = None) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    options = {"stdout": out, "stderr": err}
    if stdin is not None:
        options["stdin"] = io.StringIO(stdin)
    call_command("protocol_evaluate", path, **options)
    return out.getvalue(), err.getvalue()


def write(tmp_path: Path, content) -> str:
    path = tmp_path / "facts.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return str(path)


def test_single_document_prints_its_decision(tmp_path):
    facts = make_facts(on_date="2025-03-20", history=[session("2025-03-03")])

    out, _ = run(write(tmp_path, facts))

    decision = json.loads(out)
    assert decision == evaluate(facts, clinic_parameters())
    assert decision["outcome"] == "needs_override"
    assert [f["code"] for f in decision["findings"]] == ["REL-12"]
    assert decision["window"] == {"earliest": "2025-03-24", "latest": "2025-04-14"}


def test_decisions_use_the_clinic_parameters_from_the_database(tmp_path):
    ProtocolParameters.objects.update_or_create(pk=1, defaults={"min_interval_days": 28, "max_interval_days": 56})
    facts = make_facts(on_date="2025-03-24", history=[session("2025-03-03")])

    decision = json.loads(run(write(tmp_path, facts))[0])

    assert decision["parameters"]["min_interval_days"] == 28
    assert decision["window"] == {"earliest": "2025-03-31", "latest": "2025-04-28"}
    assert decision["findings"][0]["title"] == "Interval shorter than 28 days"


def test_dash_reads_the_document_from_stdin():
    out, _ = run("-", stdin=json.dumps(make_facts(patient__conditions=["raynaud"])))

    decision = json.loads(out)
    assert decision["outcome"] == "blocked"
    assert decision["findings"][0]["code"] == "ABS-05"


def test_array_prints_decisions_in_order(tmp_path):
    documents = [make_facts(), make_facts(patient__pregnant=True), make_facts(assessments=[])]

    out, _ = run(write(tmp_path, documents))

    assert [decision["outcome"] for decision in json.loads(out)] == ["eligible", "needs_override", "blocked"]


def test_empty_array_prints_an_empty_array(tmp_path):
    assert json.loads(run(write(tmp_path, []))[0]) == []


def test_array_with_an_invalid_document_reports_it_in_place_and_exits_2(tmp_path):
    documents = [make_facts(), make_facts(patient__fitzpatrick=7), make_facts(patient__pregnant=True)]
    out = io.StringIO()

    with pytest.raises(CommandError) as caught:
        call_command("protocol_evaluate", write(tmp_path, documents), stdout=out, stderr=io.StringIO())

    results = json.loads(out.getvalue())
    assert results[0]["outcome"] == "eligible"
    assert results[1] == {
        "errors": [{"field": "patient.fitzpatrick", "message": "must be a whole number 1–6 or null, not 7"}]
    }
    assert results[2]["outcome"] == "needs_override"
    assert caught.value.returncode == 2
    assert "1 of 3 documents are invalid" in str(caught.value)
    assert "document [1]:\n  patient.fitzpatrick: must be" in str(caught.value)


def test_invalid_single_document_names_the_field_and_exits_2(tmp_path):
    out = io.StringIO()

    with pytest.raises(CommandError) as caught:
        call_command(
            "protocol_evaluate",
            write(tmp_path, make_facts(scar__body_site="elbowpit")),
            stdout=out,
            stderr=io.StringIO(),
        )

    assert caught.value.returncode == 2
    assert "scar.body_site: unknown body site code 'elbowpit'" in str(caught.value)
    assert out.getvalue() == ""


@pytest.mark.parametrize("document", [make_facts(), [make_facts()]], ids=["single", "array"])
def test_parameters_outside_rules_md_stop_the_command_naming_the_parameter(tmp_path, monkeypatch, document):
    # The database refuses such a row; a parameters dict from elsewhere must still be named, not decided with.
    from protocols import services
    from protocols.management.commands import protocol_evaluate

    out_of_bounds = clinic_parameters() | {"max_interval_days": 90}
    monkeypatch.setattr(services, "clinic_parameters", lambda: out_of_bounds)
    monkeypatch.setattr(protocol_evaluate, "clinic_parameters", lambda: out_of_bounds)

    with pytest.raises(CommandError) as caught:
        run(write(tmp_path, document))

    assert caught.value.returncode == 1
    assert "max_interval_days: must be 28–56 days (RULES.md §6b), not 90" in str(caught.value)


def test_invalid_json_exits_2(tmp_path):
    with pytest.raises(CommandError) as caught:
        run(write(tmp_path, '{"schema": "cryocare.facts/1",'))

    assert caught.value.returncode == 2
    assert "is not valid JSON" in str(caught.value)


def test_missing_file_exits_2(tmp_path):
    with pytest.raises(CommandError) as caught:
        run(str(tmp_path / "nowhere.json"))

    assert caught.value.returncode == 2
    assert str(caught.value) == f"No such file: {tmp_path / 'nowhere.json'}"


# --- As a process: the exit status and stderr a shell script sees --------------------------------


def manage(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_process_exits_2_without_traceback_on_invalid_json():
    result = manage("protocol_evaluate", "-", stdin="not json")

    assert result.returncode == 2
    assert "stdin is not valid JSON" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_process_exits_2_without_traceback_on_invalid_facts():
    result = manage("protocol_evaluate", "-", stdin=json.dumps(make_facts(patient__conditions=["gout"])))

    assert result.returncode == 2
    assert "patient.conditions[0]: unknown condition code 'gout'" in result.stderr
    assert "Traceback" not in result.stderr


def test_process_exits_2_without_traceback_on_missing_file(tmp_path):
    result = manage("protocol_evaluate", str(tmp_path / "missing.json"))

    assert result.returncode == 2
    assert "No such file" in result.stderr
    assert "Traceback" not in result.stderr


def test_bench_reports_single_and_batch_rates():
    out = io.StringIO()

    call_command("protocol_bench", "--count", "200", "--repeat", "2", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("200 generated documents (seed 1): ")
    assert "invalid" not in lines[0]
    assert "single evaluate(): best" in lines[1] and "decisions/s" in lines[1]
    assert "evaluate_many(200): best" in lines[2]
    for line in lines[1:3]:
        assert ", median " in line and ", min " in line  # the spread between runs, beside the best


def test_bench_generates_only_valid_varied_facts():
    import random

    from protocols.engine import validate
    from protocols.management.commands.protocol_bench import generate_facts

    rng = random.Random(7)
    documents = [generate_facts(rng) for _ in range(500)]
    for facts in documents:
        validate(facts)
    outcomes = {decision["outcome"] for decision in map(evaluate, documents)}
    assert outcomes == {"eligible", "needs_override", "blocked"}
