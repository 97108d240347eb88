"""The day and week calendar pages."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinic.models import Clinic, Closure, OpeningHours
from patients.tests.factories import PatientFactory
from sessions.models import AppointmentStatus
from sessions.tests.factories import AppointmentFactory, AppointmentScarFactory, ClinicianFactory, RoomFactory

UTC = datetime.UTC
DAY = datetime.date(2031, 3, 12)  # a Wednesday
DAY_URL = reverse("sessions:calendar_day")
WEEK_URL = reverse("sessions:calendar_week")


def at(day: datetime.date, hour: int, minute: int = 0, tz=UTC) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=tz)


def cell_of(grid, appointment):
    """The row where the appointment's cell starts, and the cell."""
    for row in grid.rows:
        for cell in row.cells:
            if any(entry.appointment.pk == appointment.pk for entry in cell.entries):
                return row, cell
    return None, None


@pytest.fixture
def other_clinician(db):
    return ClinicianFactory(username="dr_other", first_name="Olga", last_name="Other")


@pytest.fixture
def room(db):
    return RoomFactory(name="Cryo 1")


# --- Access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [DAY_URL, WEEK_URL])
def test_clinician_and_clinic_admin_both_see_the_calendar(clinician_client, clinic_admin, client, url):
    assert clinician_client.get(url).status_code == 200
    client.force_login(clinic_admin)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", [DAY_URL, WEEK_URL])
def test_outsider_gets_404(client, outsider, url):
    client.force_login(outsider)
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", [DAY_URL, WEEK_URL])
def test_anonymous_user_is_sent_to_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- Day view ---------------------------------------------------------------------------------


def test_day_view_shows_appointment_in_its_clinicians_column_with_status(
    admin_client_, clinician, other_clinician, room
):
    planned = AppointmentScarFactory(
        appointment__clinician=other_clinician,
        appointment__room=room,
        appointment__starts_at=at(DAY, 10),
        appointment__ends_at=at(DAY, 10, 30),
        appointment__status=AppointmentStatus.CHECKED_IN,
    )
    appointment = planned.appointment

    response = admin_client_.get(DAY_URL, {"date": "2031-03-12"})

    grid = response.context["grid"]
    assert [c.key for c in grid.columns] == [clinician.pk, other_clinician.pk]
    row, cell = cell_of(grid, appointment)
    assert cell.column == other_clinician.pk
    assert row.starts == datetime.time(10, 0)
    html = response.content.decode()
    assert "Checked in" in html
    assert f'href="{reverse("sessions:appointment", args=[appointment.pk])}"' in html
    assert f'href="{reverse("sessions:patient", args=[appointment.patient_id])}"' in html
    assert appointment.patient.family_name in html
    assert planned.scar.label in html
    assert "Cryo 1" in html


def test_day_view_by_room_puts_appointment_under_its_room(clinician_client, clinician):
    first, second = RoomFactory(name="A room"), RoomFactory(name="B room")
    appointment = AppointmentFactory(clinician=clinician, room=second, starts_at=at(DAY, 9), ends_at=at(DAY, 9, 45))

    response = clinician_client.get(DAY_URL, {"date": "2031-03-12", "by": "room"})

    grid = response.context["grid"]
    assert [c.label for c in grid.columns] == ["A room", "B room"]
    _, cell = cell_of(grid, appointment)
    assert cell.column == second.pk
    assert first.pk != second.pk


def test_appointment_spans_one_row_per_slot_step(clinician_client, clinician):
    clinic = Clinic.current()
    clinic.slot_step_minutes = 15
    clinic.save()
    appointment = AppointmentFactory(clinician=clinician, starts_at=at(DAY, 11), ends_at=at(DAY, 12))

    response = clinician_client.get(DAY_URL, {"date": "2031-03-12"})

    _, cell = cell_of(response.context["grid"], appointment)
    assert cell.rowspan == 4
    assert 'rowspan="4"' in response.content.decode()


def test_grid_runs_from_opening_to_closing_time(clinician_client, clinician):
    OpeningHours.objects.create(weekday=DAY.weekday(), opens=datetime.time(9), closes=datetime.time(13))
    OpeningHours.objects.create(weekday=DAY.weekday(), opens=datetime.time(14), closes=datetime.time(19, 30))

    rows = clinician_client.get(DAY_URL, {"date": "2031-03-12"}).context["grid"].rows

    assert rows[0].starts == datetime.time(9, 0)
    assert rows[-1].starts == datetime.time(19, 15)


def test_grid_falls_back_to_eight_to_six_without_opening_hours(clinician_client, clinician):
    rows = clinician_client.get(DAY_URL, {"date": "2031-03-12"}).context["grid"].rows

    assert rows[0].starts == datetime.time(8, 0)
    assert rows[-1].starts == datetime.time(17, 45)


def test_appointment_outside_opening_hours_widens_the_grid(clinician_client, clinician):
    appointment = AppointmentFactory(clinician=clinician, starts_at=at(DAY, 7, 10), ends_at=at(DAY, 7, 40))

    grid = clinician_client.get(DAY_URL, {"date": "2031-03-12"}).context["grid"]

    row, _ = cell_of(grid, appointment)
    assert grid.rows[0].starts == datetime.time(7, 0)
    assert row.starts == datetime.time(7, 0)


def test_cancelled_appointment_is_listed_struck_through_not_in_the_grid(clinician_client, clinician):
    patient = PatientFactory(family_name="Cancelledson")
    appointment = AppointmentFactory(
        clinician=clinician,
        patient=patient,
        starts_at=at(DAY, 10),
        ends_at=at(DAY, 10, 30),
        status=AppointmentStatus.CANCELLED,
        cancel_reason="Patient unwell",
    )

    response = clinician_client.get(DAY_URL, {"date": "2031-03-12"})

    assert cell_of(response.context["grid"], appointment) == (None, None)
    assert [entry.appointment for entry in response.context["cancelled"]] == [appointment]
    html = response.content.decode()
    assert "Cancelled this day" in html
    assert "<s>" in html and "Cancelledson" in html


def test_no_show_stays_visible_with_its_badge(clinician_client, clinician):
    appointment = AppointmentFactory(
        clinician=clinician, starts_at=at(DAY, 10), ends_at=at(DAY, 10, 30), status=AppointmentStatus.NO_SHOW
    )

    response = clinician_client.get(DAY_URL, {"date": "2031-03-12"})

    assert cell_of(response.context["grid"], appointment)[1] is not None
    assert "No-show" in response.content.decode()


def test_day_navigation_links_keep_the_column_choice(clinician_client):
    response = clinician_client.get(DAY_URL, {"date": "2031-03-12", "by": "room"})

    html = response.content.decode()
    assert "?date=2031-03-11&amp;by=room" in html
    assert "?date=2031-03-13&amp;by=room" in html
    assert f"?date={timezone.localdate():%Y-%m-%d}&amp;by=room" in html
    assert f"{WEEK_URL}?date=2031-03-12" in html
    assert "?date=2031-03-12&amp;by=clinician" in html
    assert 'type="text" id="calendar-date" name="date" value="2031-03-12" placeholder="YYYY-MM-DD"' in html


def test_next_day_crosses_the_month_end(clinician_client):
    response = clinician_client.get(DAY_URL, {"date": "2031-02-28"})

    assert response.context["next_day"] == datetime.date(2031, 3, 1)


@pytest.mark.parametrize("value", ["2031-02-30", "yesterday", "12/03/2031", "0001-01-01", "9999-12-31", "2031-13-01"])
def test_unreadable_date_falls_back_to_today_with_a_message(clinician_client, value):
    response = clinician_client.get(DAY_URL, {"date": value})

    assert response.status_code == 200
    assert response.context["day"] == timezone.localdate()
    assert any("could not be read" in str(m) for m in get_messages(response.wsgi_request))


def test_unknown_column_choice_falls_back_to_clinicians(clinician_client):
    response = clinician_client.get(DAY_URL, {"date": "2031-03-12", "by": "patient"})

    assert response.context["by"] == "clinician"


def test_clinic_closure_is_shown_as_a_banner(clinician_client):
    Closure.objects.create(starts_on=DAY, ends_on=DAY + datetime.timedelta(days=2), reason="Public holiday")

    html = clinician_client.get(DAY_URL, {"date": "2031-03-12"}).content.decode()

    assert "Clinic closed" in html and "Public holiday" in html


def test_clinician_day_off_is_shown_on_the_banner_and_column(clinician_client, clinician, other_clinician):
    Closure.objects.create(starts_on=DAY, ends_on=DAY, clinician=other_clinician, reason="Conference")

    response = clinician_client.get(DAY_URL, {"date": "2031-03-12"})

    columns = {c.key: c for c in response.context["grid"].columns}
    assert columns[other_clinician.pk].off_reason == "Conference"
    assert columns[clinician.pk].off_reason == ""
    assert "Olga Other off" in response.content.decode()


def test_closure_on_another_day_is_not_shown(clinician_client):
    Closure.objects.create(
        starts_on=DAY + datetime.timedelta(days=1), ends_on=DAY + datetime.timedelta(days=1), reason="Move"
    )

    assert "Clinic closed" not in clinician_client.get(DAY_URL, {"date": "2031-03-12"}).content.decode()


# --- Time zones -------------------------------------------------------------------------------


@pytest.fixture
def madrid(db):
    clinic = Clinic.current()
    clinic.time_zone = "Europe/Madrid"
    clinic.save()
    return clinic.zone


def test_day_view_shows_local_time_in_the_clinics_zone(clinician_client, clinician, madrid):
    appointment = AppointmentFactory(clinician=clinician, starts_at=at(DAY, 9), ends_at=at(DAY, 9, 30))  # 10:00 CET

    response = clinician_client.get(DAY_URL, {"date": "2031-03-12"})

    row, _ = cell_of(response.context["grid"], appointment)
    assert row.starts == datetime.time(10, 0)
    assert "10:00–10:30" in response.content.decode()


def test_appointment_after_utc_midnight_belongs_to_the_local_day(clinician_client, clinician, madrid):
    # 23:30 UTC on the 12th is 00:30 on the 13th in Madrid.
    appointment = AppointmentFactory(clinician=clinician, starts_at=at(DAY, 23, 30), ends_at=at(DAY, 23, 50))

    on_12th = clinician_client.get(DAY_URL, {"date": "2031-03-12"}).context["grid"]
    on_13th = clinician_client.get(DAY_URL, {"date": "2031-03-13"}).context["grid"]

    assert cell_of(on_12th, appointment) == (None, None)
    assert cell_of(on_13th, appointment)[0].starts == datetime.time(0, 30)


def test_day_view_on_the_dst_change_shows_wall_clock_times(clinician_client, clinician, other_clinician, madrid):
    dst_day = datetime.date(2031, 3, 30)  # clocks go from 02:00 CET to 03:00 CEST
    before = AppointmentFactory(
        clinician=other_clinician, starts_at=at(dst_day, 0, 30, madrid), ends_at=at(dst_day, 1, 0, madrid)
    )
    after = AppointmentFactory(clinician=clinician, starts_at=at(dst_day, 9), ends_at=at(dst_day, 9, 30))  # 11:00 CEST

    response = clinician_client.get(DAY_URL, {"date": "2031-03-30"})

    grid = response.context["grid"]
    assert cell_of(grid, before)[0].starts == datetime.time(0, 30)
    assert cell_of(grid, after)[0].starts == datetime.time(11, 0)
    html = response.content.decode()
    assert "11:00–11:30" in html and "00:30–01:00" in html


def test_week_view_groups_by_local_day(clinician_client, clinician, madrid):
    appointment = AppointmentFactory(clinician=clinician, starts_at=at(DAY, 23, 30), ends_at=at(DAY, 23, 50))

    week = clinician_client.get(WEEK_URL, {"date": "2031-03-12"}).context["week"]

    days = {weekday.day: [e.appointment for e in weekday.entries] for weekday in week}
    assert days[DAY] == []
    assert days[DAY + datetime.timedelta(days=1)] == [appointment]


# --- Week view --------------------------------------------------------------------------------


def _one_a_day(clinician, monday, count=7):
    return [
        AppointmentFactory(
            clinician=clinician,
            starts_at=at(monday + datetime.timedelta(days=offset), 10),
            ends_at=at(monday + datetime.timedelta(days=offset), 10, 30),
        )
        for offset in range(count)
    ]


def test_week_view_lists_all_seven_days_and_not_the_next_week(admin_client_, clinician):
    monday = datetime.date(2031, 3, 10)
    this_week = _one_a_day(clinician, monday)
    next_monday = AppointmentFactory(
        clinician=clinician,
        patient=PatientFactory(family_name="Nextweekly"),
        starts_at=at(monday + datetime.timedelta(days=7), 10),
        ends_at=at(monday + datetime.timedelta(days=7), 10, 30),
    )

    response = admin_client_.get(WEEK_URL, {"date": "2031-03-12"})

    week = response.context["week"]
    assert [weekday.day for weekday in week] == [monday + datetime.timedelta(days=n) for n in range(7)]
    assert [[e.appointment for e in weekday.entries] for weekday in week] == [[a] for a in this_week]
    html = response.content.decode()
    for appointment in this_week:
        assert reverse("sessions:appointment", args=[appointment.pk]) in html
    assert reverse("sessions:appointment", args=[next_monday.pk]) not in html
    assert "Nextweekly" not in html
    assert "Scheduled" in html


def test_week_view_filters_by_clinician(clinician_client, clinician, other_clinician):
    mine = AppointmentFactory(clinician=clinician, starts_at=at(DAY, 10), ends_at=at(DAY, 10, 30))
    theirs = AppointmentFactory(clinician=other_clinician, starts_at=at(DAY, 11), ends_at=at(DAY, 11, 30))

    response = clinician_client.get(WEEK_URL, {"date": "2031-03-12", "clinician": other_clinician.pk})

    shown = [e.appointment for weekday in response.context["week"] for e in weekday.entries]
    assert shown == [theirs]
    assert mine not in shown
    assert f'<option value="{other_clinician.pk}" selected>' in response.content.decode()


def test_week_view_ignores_an_unknown_clinician_filter(clinician_client, clinician):
    appointment = AppointmentFactory(clinician=clinician, starts_at=at(DAY, 10), ends_at=at(DAY, 10, 30))

    response = clinician_client.get(WEEK_URL, {"date": "2031-03-12", "clinician": "nobody"})

    assert response.context["clinician"] is None
    assert [e.appointment for weekday in response.context["week"] for e in weekday.entries] == [appointment]


def test_week_navigation_links_move_by_a_week_and_keep_the_filter(clinician_client, clinician):
    html = clinician_client.get(WEEK_URL, {"date": "2031-03-12", "clinician": clinician.pk}).content.decode()

    assert f"?date=2031-03-03&amp;clinician={clinician.pk}" in html
    assert f"?date=2031-03-17&amp;clinician={clinician.pk}" in html
    assert f"{DAY_URL}?date=2031-03-16" in html  # each day header opens the day view


def test_week_view_query_count_does_not_grow_with_appointments(clinician_client, clinician):
    monday = datetime.date(2031, 3, 10)
    AppointmentScarFactory(
        appointment__clinician=clinician, appointment__starts_at=at(monday, 9), appointment__ends_at=at(monday, 9, 30)
    )
    clinician_client.get(WEEK_URL)  # the first request creates the clinic's settings row
    with CaptureQueriesContext(connection) as few:
        clinician_client.get(WEEK_URL, {"date": "2031-03-12"})
    for offset in range(1, 7):
        AppointmentScarFactory(
            appointment__clinician=clinician,
            appointment__starts_at=at(monday + datetime.timedelta(days=offset), 9),
            appointment__ends_at=at(monday + datetime.timedelta(days=offset), 9, 30),
        )
    with CaptureQueriesContext(connection) as many:
        response = clinician_client.get(WEEK_URL, {"date": "2031-03-12"})

    assert sum(len(weekday.entries) for weekday in response.context["week"]) == 7
    assert len(many) == len(few)


def test_day_columns_share_the_width_equally(clinician_client, clinician, other_clinician):
    html = clinician_client.get(DAY_URL, {"date": "2031-03-12"}).content.decode()
    colgroup = html.split("<colgroup>")[1].split("</colgroup>")[0]
    # The time column has its own width; every clinician's column takes an equal share of the rest.
    assert colgroup.startswith('<col class="calendar-time-col">')
    assert colgroup.count("<col>") == html.count('<th scope="col" data-column=')
