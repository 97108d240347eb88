"""Automatic log-off after `IDLE_LOGOUT_SECONDS` without activity, and the keep-alive endpoint the
pages' script uses (static/js/idle-logout.js)."""

import datetime

import pytest
import time_machine
from django.urls import reverse

START = datetime.datetime(2026, 11, 20, 9, 0, tzinfo=datetime.UTC)
PATIENTS = reverse("patients:list")
KEEPALIVE = reverse("session_keepalive")
LOGIN = reverse("login")
PASSWORD = "correct-horse-battery"  # the factories' password


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def later(clock, **delta) -> None:
    clock.shift(datetime.timedelta(**delta))


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_idle_for_sixteen_minutes_the_next_request_is_logged_out(clock, clinician_client):
    assert clinician_client.get(PATIENTS).status_code == 200
    later(clock, minutes=16)

    response = clinician_client.get(PATIENTS)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={PATIENTS}"
    assert not logged_in(clinician_client)
    page = clinician_client.get(response["Location"]).content.decode()
    assert "logged out after 15 minutes without activity" in page


def test_activity_within_fifteen_minutes_keeps_the_session(clock, clinician_client):
    clinician_client.get(PATIENTS)
    for _ in range(4):
        later(clock, minutes=14)
        assert clinician_client.get(PATIENTS).status_code == 200
    assert logged_in(clinician_client)


def test_just_under_the_limit_is_still_logged_in(clock, clinician_client):
    clinician_client.get(PATIENTS)
    later(clock, minutes=14, seconds=59)

    assert clinician_client.get(PATIENTS).status_code == 200


def test_an_idle_post_is_not_saved_and_goes_to_the_log_in_page(clock, clinician_client, patient):
    clinician_client.get(PATIENTS)
    later(clock, minutes=16)
    url = reverse("patients:edit", args=[patient.pk])

    response = clinician_client.post(url, {"given_name": "Changed"})

    assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    patient.refresh_from_db()
    assert patient.given_name != "Changed"


def test_the_limit_comes_from_the_setting(clock, clinician_client, settings):
    settings.IDLE_LOGOUT_SECONDS = 300
    clinician_client.get(PATIENTS)
    later(clock, minutes=6)

    assert clinician_client.get(PATIENTS).status_code == 302


def test_the_log_in_itself_starts_the_idle_time(clock, client, clinician):
    client.post(LOGIN, {"username": clinician.username, "password": PASSWORD})
    later(clock, minutes=16)

    assert client.get(PATIENTS).status_code == 302


def test_the_session_cookie_lasts_the_idle_limit_and_an_hour_not_two_weeks(clock, clinician_client):
    response = clinician_client.get(PATIENTS)

    assert response.cookies["sessionid"]["max-age"] == 900 + 3600


def test_a_session_idle_for_an_hour_is_still_logged_out_and_says_why(clock, clinician_client):
    clinician_client.get(PATIENTS)
    later(clock, minutes=70)

    response = clinician_client.get(PATIENTS, follow=True)

    assert not logged_in(clinician_client)
    assert "logged out after 15 minutes without activity" in response.content.decode()


def test_keep_alive_post_is_activity(clock, clinician_client):
    clinician_client.get(PATIENTS)
    later(clock, minutes=10)
    response = clinician_client.post(KEEPALIVE)
    assert response.status_code == 200 and response.json() == {"seconds_left": 900}
    later(clock, minutes=10)

    assert clinician_client.get(PATIENTS).status_code == 200


def test_asking_how_long_is_left_is_not_activity(clock, clinician_client):
    clinician_client.get(PATIENTS)
    later(clock, minutes=10)
    assert clinician_client.get(KEEPALIVE).json() == {"seconds_left": 300}
    later(clock, minutes=6)

    response = clinician_client.get(KEEPALIVE)

    assert response.status_code == 401 and response.json()["seconds_left"] == 0
    assert response.json()["login_url"] == LOGIN
    assert not logged_in(clinician_client)


def test_keep_alive_post_needs_the_csrf_token(clinician, db):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(clinician)

    assert client.post(KEEPALIVE).status_code == 403


def test_keep_alive_without_a_session_is_401_not_the_log_in_page(client, db):
    assert client.get(KEEPALIVE).status_code == 401
    assert client.post(KEEPALIVE).status_code == 401


def test_pages_carry_the_warning_and_its_script_without_inline_script(clinician_client):
    page = clinician_client.get(PATIENTS).content.decode()

    assert 'id="idle-logout"' in page and 'data-idle-seconds="900"' in page
    assert "js/idle-logout.js" in page
    assert "<script>" not in page and " onclick=" not in page and " onload=" not in page


def test_the_log_in_page_has_no_idle_warning(client, db):
    assert 'id="idle-logout"' not in client.get(LOGIN).content.decode()
