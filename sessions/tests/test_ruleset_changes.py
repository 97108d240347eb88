"""`manage.py protocol_ruleset_changes`: the scars whose current decision differs between ruleset 1
and 1.1, read from the database."""

import csv
import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from patients.models import ScarStatus
from patients.tests.factories import ScarAssessmentFactory, ScarFactory
from sessions.models import SessionAdverseEvent
from sessions.tests.factories import TreatmentSessionFactory

ON = "2026-11-20"


def _treated(patient=None, *, infection_resolved_on=None, clinician):
    """A scar treated 2026-10-01 (an infection followed) and 2026-10-25 (nothing)."""
    scar = ScarFactory(**({"patient": patient} if patient else {}))
    ScarAssessmentFactory(scar=scar, assessor=clinician, assessed_on=datetime.date(2026, 9, 20))
    first = TreatmentSessionFactory(scar=scar, performed_on=datetime.date(2026, 10, 1), completed_by=clinician)
    SessionAdverseEvent.objects.create(
        session=first, code="infection", recorded_by=clinician, resolved_on=infection_resolved_on
    )
    TreatmentSessionFactory(scar=scar, performed_on=datetime.date(2026, 10, 25), completed_by=clinician)
    return scar


def _run(*args) -> str:
    out = io.StringIO()
    call_command("protocol_ruleset_changes", *args, stdout=out)
    return out.getvalue()


def test_an_old_infection_never_marked_resolved_is_listed_as_now_blocking(clinician):
    changed = _treated(clinician=clinician)
    _treated(clinician=clinician, infection_resolved_on=datetime.date(2026, 10, 10))  # resolved: the same in both
    output = _run("--date", ON)
    lines = output.strip().splitlines()
    assert lines[0] == (
        f"{changed.patient.mrn}  {changed.patient.full_name}  {changed.label} (contact): "
        "eligible → blocked (now fires ADV-01)"
    )
    assert lines[-1] == (
        f"1 of 2 scars with a treatment record decide differently on {ON} under cryocare-rules/1.1 than under "
        "cryocare-rules/1."
    )


def test_ended_courses_and_archived_patients_are_not_reviewed(clinician):
    ended = _treated(clinician=clinician)
    type(ended).objects.filter(pk=ended.pk).update(
        status=ScarStatus.RESOLVED, course_ended_on=datetime.date(2026, 11, 1), course_end_reason="declined"
    )
    archived = _treated(clinician=clinician)
    type(archived.patient).objects.filter(pk=archived.patient.pk).update(archived=True)
    assert _run("--date", ON).strip() == (
        f"0 of 0 scars with a treatment record decide differently on {ON} under cryocare-rules/1.1 than under "
        "cryocare-rules/1."
    )


def test_csv_output(clinician):
    changed = _treated(clinician=clinician)
    rows = list(csv.reader(io.StringIO(_run("--date", ON, "--csv"))))
    assert rows == [
        ["mrn", "patient", "scar", "technique", "ruleset_1", "ruleset_1_1", "now_fire", "no_longer_fire"],
        [changed.patient.mrn, changed.patient.full_name, changed.label, "contact", "eligible", "blocked", "ADV-01", ""],
    ]


@pytest.mark.parametrize("bad", ["2026-02-30", "yesterday"])
def test_a_bad_date_stops_with_a_message(db, bad):
    with pytest.raises(CommandError, match="is not a date") as stopped:
        _run("--date", bad)
    assert stopped.value.returncode == 2
