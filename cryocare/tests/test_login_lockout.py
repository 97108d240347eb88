"""Log-in lockout (django-axes): repeated failures lock the account and the address, on the app's
log-in page and on the admin's, with a page that says for how long and who can unlock it."""

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt
from axes.utils import reset
from django.urls import reverse

PASSWORD = "correct-horse-battery"  # the factories' password
LOGIN = reverse("login")
ADMIN_LOGIN = reverse("admin:login")
START = datetime.datetime(2026, 11, 20, 9, 0, tzinfo=datetime.UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_failures_from_elsewhere():
    """Failures are counted in the database, which each test rolls back; this makes it explicit."""
    reset()
    yield
    reset()


def log_in(client, username: str, password: str, url: str = LOGIN, address: str = "10.0.0.1"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def fail(client, username: str, times: int, **kwargs) -> None:
    for _ in range(times):
        log_in(client, username, "wrong-password", **kwargs)


def test_fifty_wrong_passwords_then_the_right_one_does_not_log_in(client, clinician):
    fail(client, clinician.username, 50)

    response = log_in(client, clinician.username, PASSWORD)

    assert not logged_in(client)
    assert response.status_code == 429
    assert AccessAttempt.objects.filter(username=clinician.username).exists()


def test_the_lockout_page_says_for_how_long_and_to_ask_a_clinic_admin(client, clinician):
    fail(client, clinician.username, 5)

    response = log_in(client, clinician.username, PASSWORD)

    page = response.content.decode()
    assert response.status_code == 429
    assert response["Content-Type"].startswith("text/html")
    assert "Log-in locked" in page and "for 15 minutes" in page and "ask a clinic admin" in page
    assert 'href="/accounts/login/"' in page


def test_four_failures_still_let_the_right_password_in(client, clinician):
    fail(client, clinician.username, 4)

    response = log_in(client, clinician.username, PASSWORD)

    assert response.status_code == 302 and logged_in(client)


def test_a_locked_account_stays_locked_from_another_address(client, clinician):
    fail(client, clinician.username, 5, address="10.0.0.1")

    log_in(client, clinician.username, PASSWORD, address="10.9.9.9")

    assert not logged_in(client)


def test_an_address_that_fails_across_accounts_is_locked_for_every_account(client, clinician):
    for number in range(5):
        log_in(client, f"guess{number}", "wrong-password", address="10.6.6.6")

    log_in(client, clinician.username, PASSWORD, address="10.6.6.6")
    assert not logged_in(client)
    log_in(client, clinician.username, PASSWORD, address="10.0.0.2")
    assert logged_in(client)


def test_an_unknown_user_name_is_locked_the_same_way(client, db):
    fail(client, "nobody-here", 5)

    response = log_in(client, "nobody-here", "anything")

    assert response.status_code == 429 and "Log-in locked" in response.content.decode()


def test_the_admin_log_in_is_locked_too(client, clinic_admin):
    fail(client, clinic_admin.username, 5, url=ADMIN_LOGIN)

    response = log_in(client, clinic_admin.username, PASSWORD, url=ADMIN_LOGIN)

    assert response.status_code == 429 and not logged_in(client)


def test_failures_on_the_admin_log_in_lock_the_app_log_in(client, clinician):
    fail(client, clinician.username, 5, url=ADMIN_LOGIN)

    log_in(client, clinician.username, PASSWORD)

    assert not logged_in(client)


def test_after_the_cool_off_the_right_password_logs_in_again(client, clinician, settings):
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=15)
    with time_machine.travel(START, tick=False) as clock:
        fail(client, clinician.username, 5)
        clock.shift(datetime.timedelta(minutes=14))
        log_in(client, clinician.username, PASSWORD)
        assert not logged_in(client)
        clock.shift(datetime.timedelta(minutes=16))
        log_in(client, clinician.username, PASSWORD)
        assert logged_in(client)


def test_the_cool_off_comes_from_the_setting(client, clinician, settings):
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=30)
    fail(client, clinician.username, 5)

    assert "for 30 minutes" in log_in(client, clinician.username, PASSWORD).content.decode()


def test_a_success_below_the_limit_starts_the_count_again(client, clinician):
    fail(client, clinician.username, 4)
    log_in(client, clinician.username, PASSWORD)
    client.logout()
    fail(client, clinician.username, 4)

    log_in(client, clinician.username, PASSWORD)

    assert logged_in(client)


def test_a_clinic_admin_unlocks_an_account_in_the_admin(client, clinician, clinic_admin):
    fail(client, clinician.username, 5)
    attempts = list(AccessAttempt.objects.values_list("pk", flat=True))
    clinic_admin.is_staff = True  # as the demo's clinic admin: the role's admin permissions do the rest
    clinic_admin.save(update_fields=["is_staff"])
    admin = client.__class__()
    admin.force_login(clinic_admin)

    listing = admin.get(reverse("admin:axes_accessattempt_changelist"))
    assert listing.status_code == 200 and clinician.username in listing.content.decode()
    admin.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": attempts, "post": "yes"},
    )

    assert not AccessAttempt.objects.exists()
    log_in(client, clinician.username, PASSWORD)
    assert logged_in(client)


def test_a_clinician_cannot_see_the_lockouts(clinician_client, clinician):
    clinician.is_staff = True
    clinician.save(update_fields=["is_staff"])

    assert clinician_client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403


def test_behind_a_proxy_the_forwarded_address_is_counted(client, clinician, settings):
    settings.LOGIN_PROXY_COUNT = 1
    for number in range(5):
        client.post(
            LOGIN,
            {"username": f"guess{number}", "password": "x"},
            REMOTE_ADDR="10.0.0.254",
            HTTP_X_FORWARDED_FOR="made-up, 203.0.113.7",
        )

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.7"}
    client.post(
        LOGIN,
        {"username": clinician.username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.254",
        HTTP_X_FORWARDED_FOR="198.51.100.2",
    )
    assert logged_in(client)
