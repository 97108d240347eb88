"""A clinician's private iCalendar feed and the page that shows and regenerates its address."""

import datetime

import icalendar
import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from patients.roles import CLINIC_ADMIN
from patients.tests.factories import PatientFactory
from sessions.models import AppointmentStatus, CalendarFeed
from sessions.tests.factories import AppointmentFactory, ClinicianFactory

FEED_PAGE = reverse("sessions:calendar_feed")


def feed_url(feed: CalendarFeed) -> str:
    return reverse("sessions:ical_feed", args=[feed.token])


def in_days(days: int, hour: int = 10) -> datetime.datetime:
    start = timezone.now().replace(minute=0, second=0, microsecond=0) + datetime.timedelta(days=days)
    return start.replace(hour=hour)


def booked(clinician, days: int, **kwargs):
    return AppointmentFactory(
        clinician=clinician, starts_at=in_days(days), ends_at=in_days(days) + datetime.timedelta(minutes=30), **kwargs
    )


def events(response) -> list:
    return icalendar.Calendar.from_ical(response.content).walk("VEVENT")


@pytest.fixture
def feed(clinician):
    return CalendarFeed.objects.create(clinician=clinician)


# --- The feed page ----------------------------------------------------------------------------


def test_feed_page_shows_the_clinicians_absolute_feed_url(clinician_client, clinician):
    response = clinician_client.get(FEED_PAGE)

    feed = CalendarFeed.objects.get(clinician=clinician)
    assert response.status_code == 200
    assert f"http://testserver{feed_url(feed)}" in response.content.decode()


def test_clinic_admin_has_no_feed(admin_client_, clinic_admin):
    assert admin_client_.get(FEED_PAGE).status_code == 403
    assert not CalendarFeed.objects.filter(clinician=clinic_admin).exists()


def test_outsider_gets_404_on_the_feed_page(client, outsider):
    client.force_login(outsider)

    assert client.get(FEED_PAGE).status_code == 404


def test_regenerating_the_token_cuts_off_the_old_url(clinician_client, client, feed):
    old_url = feed_url(feed)

    response = clinician_client.post(FEED_PAGE)

    feed.refresh_from_db()
    assert response.status_code == 302
    assert feed_url(feed) != old_url
    client.logout()
    assert client.get(old_url).status_code == 404
    assert client.get(feed_url(feed)).status_code == 200


# --- The .ics document ------------------------------------------------------------------------


def test_feed_needs_no_login_and_is_text_calendar(client, feed):
    response = client.get(feed_url(feed))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"


def test_feed_lists_the_clinicians_active_appointments_only(client, feed, clinician):
    mine = booked(clinician, 2)
    no_show = booked(clinician, -3, status=AppointmentStatus.NO_SHOW)
    booked(clinician, 4, status=AppointmentStatus.CANCELLED, cancel_reason="Patient moved away")
    booked(ClinicianFactory(username="dr_other"), 2)

    uids = {str(event["UID"]) for event in events(client.get(feed_url(feed)))}

    assert uids == {f"appointment-{mine.pk}@cryocare", f"appointment-{no_show.pk}@cryocare"}


def test_feed_covers_thirty_days_back_to_180_ahead(client, feed, clinician):
    inside = [booked(clinician, -29), booked(clinician, 179)]
    booked(clinician, -31)
    booked(clinician, 181)

    uids = {str(event["UID"]) for event in events(client.get(feed_url(feed)))}

    assert uids == {f"appointment-{a.pk}@cryocare" for a in inside}


def test_event_times_are_in_utc(client, feed, clinician):
    appointment = booked(clinician, 5)

    response = client.get(feed_url(feed))

    (event,) = events(response)
    assert event.decoded("DTSTART") == appointment.starts_at
    assert event.decoded("DTEND") == appointment.ends_at
    assert event.decoded("DTSTART").utcoffset() == datetime.timedelta(0)
    assert f"DTSTART:{appointment.starts_at.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}" in response.content.decode()


def test_event_uid_is_stable_between_fetches(client, feed, clinician):
    booked(clinician, 3)

    first = [str(e["UID"]) for e in events(client.get(feed_url(feed)))]
    second = [str(e["UID"]) for e in events(client.get(feed_url(feed)))]

    assert first == second


def test_feed_never_contains_the_patients_name(client, feed, clinician):
    patient = PatientFactory(given_name="Maria", family_name="Zubizarreta", mrn="MRN-4242")
    booked(clinician, 2, patient=patient)

    response = client.get(feed_url(feed))

    body = response.content.decode()
    assert "Zubizarreta" not in body
    assert "Maria" not in body
    (event,) = events(response)
    assert str(event["SUMMARY"]) == "Cryotherapy – M.Z. (MRN-4242) · Scheduled"


def test_unknown_token_is_a_plain_404(client, db):
    response = client.get(reverse("sessions:ical_feed", args=["not-a-real-token"]))

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/plain")


def test_feed_of_a_deactivated_clinician_is_404(client, feed, clinician):
    clinician.is_active = False
    clinician.save(update_fields=["is_active"])

    assert client.get(feed_url(feed)).status_code == 404


def test_feed_of_a_clinician_whose_role_was_removed_is_404_and_shows_nothing(client, feed, clinician):
    booked(clinician, days=2)
    assert client.get(feed_url(feed)).status_code == 200
    clinician.groups.clear()

    response = client.get(feed_url(feed))

    assert response.status_code == 404
    assert b"VEVENT" not in response.content and b"VCALENDAR" not in response.content


def test_feed_of_a_clinician_who_became_a_clinic_admin_only_is_404(client, feed, clinician):
    clinician.groups.set([Group.objects.get_or_create(name=CLINIC_ADMIN)[0]])

    assert client.get(feed_url(feed)).status_code == 404
