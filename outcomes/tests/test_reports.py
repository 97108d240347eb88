"""The clinic's reports over a period, on the page and as CSV: each figure counted from the records."""

import csv
import datetime
import io

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from outcomes.reports import REPORTS, Period, PeriodData, quarter_of
from outcomes.tests.builders import assess
from patients.models import AccessEvent
from patients.tests.factories import ScarFactory
from protocols.models import Evaluation, Override
from sessions.models import AppointmentStatus, SessionAdverseEvent
from sessions.tests.factories import AppointmentFactory, TreatmentSessionFactory

Q1 = Period(datetime.date(2031, 1, 1), datetime.date(2031, 3, 31))
UTC = datetime.UTC


@pytest.fixture
def clinic_quarter(clinician):
    """Two scars treated in Q1 (three sessions and one blister between them), one only before it."""
    hypertrophic = ScarFactory(morphology="hypertrophic", cause="surgical")
    keloid = ScarFactory(morphology="keloid", cause="burn")
    earlier = ScarFactory(morphology="keloid", cause="acne")
    assess(hypertrophic, clinician, datetime.date(2030, 12, 1), (3, 2, 3, 2))  # 10
    assess(hypertrophic, clinician, datetime.date(2031, 3, 1), (1, 1, 1, 0))  # 3: the goal (height 0, pliability 1)
    assess(keloid, clinician, datetime.date(2030, 12, 1), (2, 2, 3, 3))  # 10
    assess(keloid, clinician, datetime.date(2031, 3, 1), (2, 2, 2, 2))  # 8
    assess(keloid, clinician, datetime.date(2031, 5, 1), (0, 0, 0, 0))  # after the period: not read
    first = TreatmentSessionFactory(scar=hypertrophic, performed_on=datetime.date(2031, 1, 10))
    TreatmentSessionFactory(scar=hypertrophic, performed_on=datetime.date(2031, 2, 14))
    TreatmentSessionFactory(scar=keloid, performed_on=datetime.date(2031, 1, 20), technique="spray")
    TreatmentSessionFactory(scar=earlier, performed_on=datetime.date(2030, 11, 5))
    SessionAdverseEvent.objects.create(session=first, code="blister", recorded_by=clinician)
    SessionAdverseEvent.objects.create(
        session=first, code="pain", recorded_by=clinician, entered_in_error=True, entered_in_error_reason="Wrong record"
    )
    return hypertrophic, keloid


def _rows(name, period=Q1):
    return REPORTS[name](PeriodData(period)).rows


def test_scars_treated_by_morphology_and_cause(clinic_quarter):
    assert _rows("scars-treated") == [["Hypertrophic", "Surgical", 1], ["Keloid", "Burn", 1]]


def test_sessions_per_scar(clinic_quarter):
    assert _rows("sessions-per-scar") == [[1, 1, 50.0], [2, 1, 50.0], ["Mean", 1.5, None]]


def test_share_reaching_the_goal(clinic_quarter):
    rows = {row[0]: row[1:] for row in _rows("goal-reached")}
    assert rows["Scars treated in the period"][0] == 2
    assert rows["Latest VSS meets the goal (STP-01)"] == [1, 50.0]
    assert rows["Goal reached (either)"] == [1, 50.0]


def test_mean_vss_change_by_morphology_and_technique(clinic_quarter):
    assert _rows("vss-change") == [
        ["Hypertrophic", "Contact", 1, 10, 3, -7, -70.0],
        ["Keloid", "Spray", 1, 10, 8, -2, -20.0],
    ]


def test_adverse_events_per_100_sessions(clinic_quarter):
    assert _rows("adverse-events") == [["blister", "Blister", 1, 33.3], ["", "Sessions in the period", 3, None]]


def _evaluation(scar, user, findings, outcome, created_at, purpose="booking"):
    evaluation = Evaluation.objects.create(
        patient=scar.patient,
        scar=scar,
        on_date=created_at.date(),
        stage="schedule",
        technique="contact",
        purpose=purpose,
        outcome=outcome,
        ruleset="cryocare-rules/1",
        facts={},
        decision={"findings": [{"code": code, "severity": severity} for code, severity in findings]},
        parameters={},
        created_by=user,
    )
    Evaluation.objects.filter(pk=evaluation.pk).update(created_at=created_at)
    return evaluation


def test_engine_outcomes_and_rules_fired_and_overridden_with_reasons(clinic_quarter, clinician):
    scar = clinic_quarter[0]
    in_q1 = datetime.datetime(2031, 2, 1, 10, tzinfo=UTC)
    overridden = _evaluation(scar, clinician, [("REL-12", "override"), ("WRN-01", "warn")], "needs_override", in_q1)
    Override.objects.create(evaluation=overridden, reason="=Patient travels abroad next week", created_by=clinician)
    _evaluation(scar, clinician, [("REL-12", "override")], "needs_override", in_q1)
    _evaluation(scar, clinician, [], "eligible", in_q1, purpose="treatment")
    _evaluation(scar, clinician, [("ABS-05", "block")], "blocked", datetime.datetime(2031, 4, 2, tzinfo=UTC))

    assert _rows("engine-outcomes") == [
        ["Booking", "Needs a clinician's override", 2],
        ["Treatment (check-in)", "Eligible", 1],
    ]
    rules = {row[0]: row[2:] for row in _rows("rules")}
    assert rules == {
        "REL-12": [2, 1, "=Patient travels abroad next week"],
        "WRN-01": [1, 0, ""],
    }


def test_no_shows_and_cancellations(db):
    for hour, status in enumerate(
        ["completed", "completed", "no_show", "cancelled", "requested", "scheduled"], start=9
    ):
        AppointmentFactory(
            status=status,
            starts_at=datetime.datetime(2031, 2, 3, hour, tzinfo=UTC),
            cancel_reason="Patient unwell" if status == "cancelled" else "",
        )
    AppointmentFactory(status="no_show", starts_at=datetime.datetime(2031, 4, 3, 9, tzinfo=UTC))
    rows = {row[0]: row[1:] for row in _rows("attendance")}
    assert rows["Completed"] == [2, 40.0]
    assert rows["No-show"] == [1, 20.0]
    assert rows["Cancelled"] == [1, 20.0]
    assert rows["Scheduled"] == [1, 20.0]  # still to come: in the shares, not in the rates
    assert rows["All booked visits"] == [5, None]
    assert rows["No-show rate (of visits completed, missed or cancelled)"] == [4, 25.0]
    assert rows["Cancellation rate (of the same)"] == [4, 25.0]
    assert AppointmentStatus.REQUESTED.label not in rows


def test_quarters():
    assert quarter_of(datetime.date(2031, 11, 30)) == Period(datetime.date(2031, 10, 1), datetime.date(2031, 12, 31))
    assert quarter_of(datetime.date(2031, 2, 28)) == Period(datetime.date(2031, 1, 1), datetime.date(2031, 3, 31))


NOON = datetime.datetime(2031, 4, 15, 12, tzinfo=UTC)


@time_machine.travel(NOON, tick=False)
def test_the_page_shows_this_quarter_unless_asked(client, clinic_admin, clinic_quarter):
    client.force_login(clinic_admin)
    page = client.get(reverse("outcomes:reports"))
    assert page.context["period"] == Period(datetime.date(2031, 4, 1), datetime.date(2031, 6, 30))
    asked = client.get(reverse("outcomes:reports"), {"start": "2031-01-01", "end": "2031-03-31"})
    assert asked.context["period"] == Q1
    html = asked.content.decode()
    assert html.count('<section class="card') == len(REPORTS)
    assert "<td>Hypertrophic</td><td>Surgical</td><td>1</td>" in html


@time_machine.travel(NOON, tick=False)
def test_a_wrong_period_is_said_on_its_field(client, clinic_admin):
    client.force_login(clinic_admin)
    response = client.get(reverse("outcomes:reports"), {"start": "2031-03-31", "end": "2031-01-01"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"end": ["The period ends before it starts."]}
    csv_response = client.get(reverse("outcomes:report_csv", args=["attendance"]), {"start": "2031-03-31", "end": "x"})
    assert csv_response.status_code == 400


@time_machine.travel(NOON, tick=False)
def test_csv_export_is_the_reports_figures_and_is_logged(client, clinic_admin, clinician, clinic_quarter):
    scar = clinic_quarter[0]
    evaluation = _evaluation(
        scar, clinician, [("REL-12", "override")], "needs_override", datetime.datetime(2031, 2, 1, tzinfo=UTC)
    )
    Override.objects.create(evaluation=evaluation, reason="=HYPERLINK(1)", created_by=clinician)
    client.force_login(clinic_admin)
    response = client.get(reverse("outcomes:report_csv", args=["rules"]), {"start": "2031-01-01", "end": "2031-03-31"})
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="cryocare-rules-20310101-20310331.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[1] == REPORTS["rules"](PeriodData(Q1)).columns
    assert rows[2][:4] == ["REL-12", rows[2][1], "1", "1"] and rows[2][4] == "'=HYPERLINK(1)"
    event = AccessEvent.objects.get(object_id="report:rules")
    assert (event.action, event.user, event.row_count) == ("export", clinic_admin, 1)
    assert client.get(reverse("outcomes:report_csv", args=["nothing"])).status_code == 404


def test_reports_are_for_clinic_roles_only(outsider):
    client = Client()
    assert client.get(reverse("outcomes:reports")).status_code == 302
    client.force_login(outsider)
    assert client.get(reverse("outcomes:reports")).status_code == 404
    assert client.get(reverse("outcomes:report_csv", args=["rules"])).status_code == 404


@time_machine.travel(NOON, tick=False)
def test_the_period_fields_show_the_languages_format(client, clinic_admin):
    client.force_login(clinic_admin)
    html = client.get(reverse("outcomes:reports"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'name="start" value="01/04/2031" placeholder="DD/MM/AAAA"' in html
