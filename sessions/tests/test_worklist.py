import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from patients.tests.factories import PatientFactory, ScarFactory
from protocols.models import ProtocolParameters
from protocols.window import WindowState, window_after
from sessions.models import AppointmentStatus
from sessions.tests.factories import AppointmentScarFactory, TreatmentSessionFactory
from sessions.worklist import due_counts, due_rows, due_scars

TODAY = datetime.date(2026, 12, 1)
NOW = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)
DUE_URL = reverse("sessions:due")
CSV_URL = reverse("sessions:due_csv")


def _treated(days_ago: int, *, today: datetime.date = TODAY, scar=None, **session):
    """A scar (of a new patient unless given) whose last signed session was `days_ago` days before `today`."""
    scar = scar or ScarFactory()
    TreatmentSessionFactory(scar=scar, performed_on=today - datetime.timedelta(days=days_ago), **session)
    return scar


def _due(**kwargs) -> dict:
    return {scar.pk: scar.due_state for scar in due_scars(today=TODAY, now=NOW, **kwargs)}


# The window: earliest = last + 21, latest = last + 42, inclusive; closing = latest within 7 days.


@pytest.mark.django_db
def test_day_20_after_the_last_session_is_not_due_yet():
    scar = _treated(20)
    assert scar.pk not in _due()


@pytest.mark.django_db
def test_day_21_after_the_last_session_opens_the_window():
    scar = _treated(21)
    assert _due()[scar.pk] == "open"


@pytest.mark.django_db
def test_eight_days_before_the_latest_date_is_still_open():
    scar = _treated(34)  # latest = today + 8
    assert _due()[scar.pk] == "open"


@pytest.mark.django_db
def test_seven_days_before_the_latest_date_is_closing():
    scar = _treated(35)  # latest = today + 7
    assert _due()[scar.pk] == "closing"


@pytest.mark.django_db
def test_day_42_the_latest_date_itself_is_closing():
    scar = _treated(42)
    assert _due()[scar.pk] == "closing"


@pytest.mark.django_db
def test_day_43_is_overdue():
    scar = _treated(43)
    assert _due()[scar.pk] == "overdue"


@pytest.mark.django_db
def test_state_filter_keeps_only_that_state():
    open_scar, closing_scar, overdue_scar = _treated(25), _treated(40), _treated(60)
    assert set(_due(state="open")) == {open_scar.pk}
    assert set(_due(state="closing")) == {closing_scar.pk}
    assert set(_due(state="overdue")) == {overdue_scar.pk}
    assert set(_due(state="all")) == {open_scar.pk, closing_scar.pk, overdue_scar.pk}


@pytest.mark.django_db
def test_counts_per_state():
    for days in (25, 26, 40, 60, 10):
        _treated(days)
    assert due_counts(due_scars(today=TODAY, now=NOW)) == {"open": 2, "closing": 1, "overdue": 1}


@pytest.mark.django_db
def test_a_scar_booked_in_the_future_is_left_out():
    scar = _treated(30)
    AppointmentScarFactory(scar=scar, appointment__starts_at=NOW + datetime.timedelta(days=3))
    assert scar.pk not in _due()


@pytest.mark.django_db
def test_a_requested_booking_also_counts_as_booked():
    scar = _treated(30)
    AppointmentScarFactory(
        scar=scar,
        appointment__starts_at=NOW + datetime.timedelta(days=3),
        appointment__status=AppointmentStatus.REQUESTED,
    )
    assert scar.pk not in _due()


@pytest.mark.django_db
def test_a_cancelled_future_appointment_does_not_count_as_booked():
    scar = _treated(30)
    AppointmentScarFactory(
        scar=scar,
        appointment__starts_at=NOW + datetime.timedelta(days=3),
        appointment__status=AppointmentStatus.CANCELLED,
        appointment__cancel_reason="Patient ill",
    )
    assert _due()[scar.pk] == "open"


@pytest.mark.django_db
def test_a_scheduled_appointment_that_already_ended_does_not_count_as_booked():
    scar = _treated(30)
    AppointmentScarFactory(scar=scar, appointment__starts_at=NOW - datetime.timedelta(days=1))
    assert _due()[scar.pk] == "open"


@pytest.mark.django_db
def test_a_booking_for_another_scar_of_the_same_patient_does_not_hide_this_one():
    scar = _treated(30)
    other = _treated(30, scar=ScarFactory(patient=scar.patient))
    AppointmentScarFactory(scar=other, appointment__starts_at=NOW + datetime.timedelta(days=3))
    assert set(_due()) == {scar.pk}


@pytest.mark.django_db
def test_resolved_scars_are_left_out():
    scar = _treated(30, scar=ScarFactory(status="resolved"))
    assert scar.pk not in _due()


@pytest.mark.django_db
def test_scars_of_archived_patients_are_left_out():
    scar = _treated(30, scar=ScarFactory(patient=PatientFactory(archived=True)))
    assert scar.pk not in _due()


@pytest.mark.django_db
def test_a_scar_without_a_completed_session_is_left_out():
    ScarFactory()
    assert _due() == {}


@pytest.mark.django_db
def test_an_unsigned_session_does_not_count():
    only_unsigned = _treated(30, unsigned=True)
    signed_then_unsigned = _treated(50)
    _treated(25, scar=signed_then_unsigned, unsigned=True)
    due = _due()
    assert only_unsigned.pk not in due
    assert due[signed_then_unsigned.pk] == "overdue"


@pytest.mark.django_db
def test_the_window_follows_the_latest_completed_session():
    scar = _treated(80)
    _treated(30, scar=scar)
    [row] = due_rows(due_scars(today=TODAY, now=NOW), today=TODAY)
    assert row.window.last_session == TODAY - datetime.timedelta(days=30)
    assert row.window.earliest == TODAY - datetime.timedelta(days=9)
    assert row.window.latest == TODAY + datetime.timedelta(days=12)
    assert (row.state, row.days_left) == ("open", 12)


@pytest.mark.django_db
def test_overdue_rows_count_the_days_past_the_latest_date():
    _treated(45)
    [row] = due_rows(due_scars(today=TODAY, now=NOW), today=TODAY)
    assert (row.state, row.days_left, row.days_overdue) == ("overdue", -3, 3)


@pytest.mark.django_db
def test_clinician_filter_keeps_scars_whose_last_session_was_with_that_clinician(clinician):
    mine = _treated(30, appointment__clinician=clinician)
    _treated(30)
    assert set(_due(clinician_id=clinician.pk)) == {mine.pk}
    [row] = due_rows(due_scars(today=TODAY, now=NOW, clinician_id=clinician.pk), today=TODAY)
    assert row.clinician == clinician


@pytest.mark.django_db
def test_clinician_filter_reads_the_clinician_of_the_last_session_only(clinician):
    scar = _treated(60, appointment__clinician=clinician)
    _treated(30, scar=scar)
    assert _due(clinician_id=clinician.pk) == {}


@pytest.mark.django_db
def test_default_sort_puts_the_most_urgent_first():
    open_scar, overdue_scar, closing_scar = _treated(25), _treated(60), _treated(40)
    assert list(_due()) == [overdue_scar.pk, closing_scar.pk, open_scar.pk]


@pytest.mark.django_db
def test_sort_by_latest_descending():
    open_scar, overdue_scar, closing_scar = _treated(25), _treated(60), _treated(40)
    assert list(_due(sort="-latest")) == [open_scar.pk, closing_scar.pk, overdue_scar.pk]


@pytest.mark.django_db
def test_sort_by_patient_name():
    zed = _treated(30, scar=ScarFactory(patient=PatientFactory(family_name="Zed")))
    abel = _treated(25, scar=ScarFactory(patient=PatientFactory(family_name="Abel")))
    assert list(_due(sort="patient")) == [abel.pk, zed.pk]
    assert list(_due(sort="-patient")) == [zed.pk, abel.pk]


@pytest.mark.django_db
def test_an_unknown_sort_falls_back_to_the_default():
    open_scar, overdue_scar = _treated(25), _treated(60)
    assert list(_due(sort="patient__mrn; DROP TABLE")) == [overdue_scar.pk, open_scar.pk]


# The pages, computed from the real date in the clinic's time zone.


def _today():
    return timezone.localdate()


def test_worklist_lists_due_scars_with_a_book_button(clinician_client, clinician):
    scar = _treated(30, today=_today(), appointment__clinician=clinician)
    _treated(10, today=_today())
    response = clinician_client.get(DUE_URL)
    assert response.status_code == 200
    [row] = response.context["page"].object_list
    assert row.scar == scar
    content = response.content.decode()
    assert reverse("sessions:book", args=[scar.pk]) in content
    assert reverse("sessions:scar", args=[scar.pk]) in content
    assert reverse("sessions:patient", args=[scar.patient.pk]) in content
    assert scar.patient.mrn in content
    assert "12 days left" in content


def test_clinic_admin_sees_the_worklist(admin_client_):
    scar = _treated(60, today=_today())
    response = admin_client_.get(DUE_URL)
    assert response.status_code == 200
    assert [row.scar for row in response.context["page"]] == [scar]
    assert "18 days overdue" in response.content.decode()


def test_worklist_shows_counts_per_state(clinician_client):
    for days in (25, 40, 41, 60):
        _treated(days, today=_today())
    response = clinician_client.get(DUE_URL, {"state": "open"})
    assert response.context["counts"] == {"open": 1, "closing": 2, "overdue": 1}
    assert len(response.context["page"].object_list) == 1


def test_worklist_filters_by_state_and_clinician(clinician_client, clinician):
    mine = _treated(60, today=_today(), appointment__clinician=clinician)
    _treated(60, today=_today())
    _treated(25, today=_today(), appointment__clinician=clinician)
    response = clinician_client.get(DUE_URL, {"state": "overdue", "clinician": clinician.pk})
    assert [row.scar for row in response.context["page"]] == [mine]


def test_worklist_ignores_a_clinician_filter_that_is_not_a_clinician(clinician_client, clinic_admin):
    for days in (30, 31):
        _treated(days, today=_today())
    for value in (clinic_admin.pk, "abc", "-1"):
        response = clinician_client.get(DUE_URL, {"clinician": value})
        assert response.status_code == 200
        assert response.context["clinician_id"] is None
        assert len(response.context["page"].object_list) == 2


def test_worklist_with_a_bogus_sort_or_state_falls_back_to_the_defaults(clinician_client):
    open_scar, overdue_scar = _treated(25, today=_today()), _treated(60, today=_today())
    response = clinician_client.get(DUE_URL, {"sort": "password", "state": "everything"})
    assert response.status_code == 200
    assert (response.context["sort"], response.context["state"]) == ("latest", "all")
    assert [row.scar for row in response.context["page"]] == [overdue_scar, open_scar]


def test_worklist_pages_by_25(clinician_client):
    for days in range(21, 47):
        _treated(days, today=_today())
    first = clinician_client.get(DUE_URL)
    second = clinician_client.get(DUE_URL, {"page": 2})
    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 1
    assert second.context["page"].object_list[0].window.last_session == _today() - datetime.timedelta(days=21)


def test_worklist_query_count_does_not_grow_with_rows(clinician_client):
    _treated(30, today=_today())
    clinician_client.get(DUE_URL)  # first request creates the clinic and parameter rows
    with CaptureQueriesContext(connection) as few:
        clinician_client.get(DUE_URL)
    for days in range(31, 41):
        _treated(days, today=_today())
    with CaptureQueriesContext(connection) as many:
        response = clinician_client.get(DUE_URL)
    assert len(response.context["page"].object_list) == 11
    assert len(many) == len(few)


def test_outsider_gets_404_for_the_worklist_and_its_export(client, outsider):
    _treated(30, today=_today())
    client.force_login(outsider)
    assert client.get(DUE_URL).status_code == 404
    assert client.get(CSV_URL).status_code == 404


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_csv_export_has_the_header_and_one_exact_row_per_due_scar(admin_client_, clinician):
    today = _today()
    patient = PatientFactory(mrn="MRN-1", given_name="Ana", family_name="Ruiz")
    _treated(40, today=today, scar=ScarFactory(patient=patient), appointment__clinician=clinician)
    clinician.first_name, clinician.last_name = "Eva", "Sanz"
    clinician.save()
    response = admin_client_.get(CSV_URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == f'attachment; filename="due-{today:%Y-%m-%d}.csv"'
    day = datetime.timedelta(days=1)
    assert _csv_rows(response) == [
        ["mrn", "patient", "scar", "body_site", "last_session", "earliest", "latest", "state", "clinician"],
        [
            "MRN-1",
            "Ana Ruiz",
            "Abdomen (midline), hypertrophic",
            "abdomen",
            (today - 40 * day).isoformat(),
            (today - 19 * day).isoformat(),
            (today + 2 * day).isoformat(),
            "closing",
            "Eva Sanz",
        ],
    ]


def test_csv_export_uses_the_same_filters_and_sort_without_paging(clinician_client):
    for days in range(21, 50):
        _treated(days, today=_today())
    rows = _csv_rows(clinician_client.get(CSV_URL, {"state": "open", "sort": "-latest", "page": 2}))[1:]
    assert len(rows) == 34 - 21 + 1
    assert [row[4] for row in rows] == sorted((row[4] for row in rows), reverse=True)
    assert {row[7] for row in rows} == {"open"}


def test_csv_export_defuses_spreadsheet_formulas(clinician_client):
    patient = PatientFactory(mrn="@SUM(A1)", given_name='=HYPERLINK("http://x")', family_name="Doe")
    _treated(30, today=_today(), scar=ScarFactory(patient=patient))
    [row] = _csv_rows(clinician_client.get(CSV_URL))[1:]
    assert row[0] == "'@SUM(A1)"
    assert row[1] == '\'=HYPERLINK("http://x") Doe'


def test_a_future_booking_removes_the_scar_from_the_page(clinician_client):
    scar = _treated(30, today=_today())
    AppointmentScarFactory(scar=scar, appointment__starts_at=timezone.now() + datetime.timedelta(days=2))
    assert list(clinician_client.get(DUE_URL).context["page"].object_list) == []


@pytest.mark.django_db
@pytest.mark.parametrize(("min_days", "max_days"), [(21, 42), (28, 56), (5, 10), (1, 3)])
def test_the_sql_states_agree_with_the_window_function(min_days, max_days):
    """The worklist filters in SQL; `protocols.window` is the definition: same answer for every day."""
    parameters = ProtocolParameters(min_interval_days=min_days, max_interval_days=max_days)
    scars = {days_ago: _treated(days_ago) for days_ago in range(0, max_days + 10)}
    in_sql = {scar.pk: scar.due_state for scar in due_scars(today=TODAY, now=NOW, parameters=parameters)}
    for days_ago, scar in scars.items():
        window = window_after(
            TODAY - datetime.timedelta(days=days_ago), min_interval_days=min_days, max_interval_days=max_days
        )
        expected = window.state(TODAY)
        assert in_sql.get(scar.pk, WindowState.NOT_YET) == expected, (days_ago, expected)
