"""The day calendar as a tool: a free time is a link to book there (or, while moving a visit, to move
it there); closed and past times are not; the booking starts from the patient search with the time
filled in."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from clinic.models import OpeningHours
from patients.tests.factories import PatientFactory, ScarFactory
from sessions.tests.factories import AppointmentFactory

UTC = datetime.UTC
DAY = datetime.date(2026, 11, 23)  # a Monday


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 50, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def open_mornings(db):
    OpeningHours.objects.create(weekday=0, opens=datetime.time(9), closes=datetime.time(12))


def _day(client, **params):
    return client.get(reverse("sessions:calendar_day"), {"date": DAY.isoformat(), **params})


def test_free_times_still_to_come_link_to_booking_there(admin_client_, clinician, open_mornings):
    body = _day(admin_client_).content.decode()
    book = reverse("sessions:book_at")
    slots = re.findall(rf'href="{book}\?slot=([0-9T:-]+)&amp;clinician=(\d+)"', body)
    times = sorted({slot for slot, who in slots if who == str(clinician.pk)})
    assert times[0] == "2026-11-23T10:00" and times[-1] == "2026-11-23T11:45"  # 09:xx has passed; 12:00 is closed
    assert "2026-11-23T09:45" not in times and "calendar-unavailable" in body  # past times: shaded, no link


def test_while_moving_a_visit_free_times_link_to_its_reschedule_form(admin_client_, clinician, open_mornings):
    visit = AppointmentFactory(clinician=clinician, starts_at=datetime.datetime(2026, 11, 25, 10, tzinfo=UTC))
    body = _day(admin_client_, move=visit.pk).content.decode()
    move = reverse("sessions:reschedule", args=[visit.pk])
    assert f'href="{move}?slot=2026-11-23T10:30&amp;clinician={clinician.pk}"' in body
    assert 'id="moving"' in body
    form = admin_client_.get(move, {"slot": "2026-11-23T10:30", "clinician": clinician.pk}).context["form"]
    assert form.initial["starts_at"] == datetime.datetime(2026, 11, 23, 10, 30)
    assert form.initial["minutes"] == 30  # the visit's own length


def test_book_at_finds_the_patient_and_keeps_the_time(admin_client_, clinician):
    patient = PatientFactory(family_name="Quintero", given_name="Ines")
    scar = ScarFactory(patient=patient)
    response = admin_client_.get(
        reverse("sessions:book_at"), {"slot": "2026-11-23T10:30", "clinician": clinician.pk, "q": "quinter"}
    )
    body = response.content.decode()
    assert "Quintero, Ines" in body
    link = f"{reverse('sessions:book', args=[scar.pk])}?slot=2026-11-23T10%3A30&amp;clinician={clinician.pk}"
    assert link in body
    booking = admin_client_.get(
        reverse("sessions:book", args=[scar.pk]), {"slot": "2026-11-23T10:30", "clinician": clinician.pk}
    )
    assert booking.context["form"].initial["clinician"] == clinician.pk


def test_book_at_ignores_what_it_cannot_read(admin_client_):
    response = admin_client_.get(reverse("sessions:book_at"), {"slot": "2026-02-30T10:00", "clinician": "x", "q": ""})
    assert response.status_code == 200 and response.context["slot"] is None and response.context["keep"] == ""


def test_the_week_is_a_time_grid_with_visits_sized_by_length(admin_client_, clinician, open_mornings):
    long_visit = AppointmentFactory(
        clinician=clinician,
        starts_at=datetime.datetime(2026, 11, 24, 9, 30, tzinfo=UTC),
        ends_at=datetime.datetime(2026, 11, 24, 10, 30, tzinfo=UTC),
    )
    grid = admin_client_.get(reverse("sessions:calendar_week"), {"date": "2026-11-24"}).context["grid"]
    assert [c.key for c in grid.columns] == [datetime.date(2026, 11, 23 + n).toordinal() for n in range(7)]
    cells = [(row.starts, cell) for row in grid.rows for cell in row.cells if cell.entries]
    assert [(starts, cell.rowspan, cell.entries[0].appointment) for starts, cell in cells] == [
        (datetime.time(9, 30), 2, long_visit)
    ]
    # Monday mornings are open (and still to come after 09:50 only); Tuesday has no opening hours.
    monday, tuesday = grid.columns[0].key, grid.columns[1].key
    at_11 = next(row for row in grid.rows if row.starts == datetime.time(11))
    assert [c.bookable for c in at_11.cells if c.column in (monday, tuesday)] == [True, False]
