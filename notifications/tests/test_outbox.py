"""Exactly once: a duplicated or retried delivery sends one e-mail; a worker that dies after claiming
leaves a *sending* message that is sent after the timeout, once; a mail server that refuses is tried
again with back-off, then the message is *failed*, listed on the Messages page and retried from there."""

import datetime
import socket

import pytest
from django.core import mail
from django.urls import reverse

from notifications import services, tasks
from notifications.models import MAX_ATTEMPTS, SENDING_TIMEOUT, Message, MessageStatus
from notifications.tests.helpers import NOW, reachable_patient
from patients.models import AccessEvent
from patients.roles import role_permissions_sync
from sessions.tests.factories import AppointmentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


@pytest.fixture
def reminder():
    """A planned reminder of a visit in 24 hours (its delivery not run yet)."""
    AppointmentFactory(patient=reachable_patient(), starts_at=NOW + datetime.timedelta(hours=24))
    (message,) = services.messages_create(services.reminders_plan(now=NOW), now=NOW)
    return message


@pytest.fixture
def refusing_mail_server(settings):
    """SMTP to a port on this machine where nothing listens: every send fails, as with a server down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    return settings


def _deliver(capture, message_id):
    with capture(execute=True):
        tasks.deliver_message.delay(message_id)


def test_a_duplicated_task_sends_once(reminder, django_capture_on_commit_callbacks, mailoutbox):
    for _ in range(3):
        _deliver(django_capture_on_commit_callbacks, reminder.pk)
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts, len(mailoutbox)) == (MessageStatus.SENT, 1, 1)


def test_a_job_run_twice_while_the_first_delivery_is_queued_plans_nothing_new(reminder, mailoutbox):
    assert services.reminders_plan(now=NOW) == []
    assert services.messages_create([*[services.Planned(**_planned_from(reminder))]], now=NOW) == []
    assert Message.objects.count() == 1


def _planned_from(message):
    return {f: getattr(message, f) for f in ("kind", "key", "recipient", "patient", "appointment", "appointment_at")}


def test_a_worker_that_dies_after_claiming_is_replaced_after_the_timeout_once(
    reminder, clock, django_capture_on_commit_callbacks, mailoutbox
):
    assert services.message_claim(reminder.pk, now=NOW)  # ... and the worker is killed here
    reminder.refresh_from_db()
    assert reminder.status == MessageStatus.SENDING

    clock.move_to(NOW + SENDING_TIMEOUT - datetime.timedelta(seconds=1))
    _deliver(django_capture_on_commit_callbacks, reminder.pk)  # a duplicate meanwhile: still held
    assert services.outbox_due(now=NOW + SENDING_TIMEOUT - datetime.timedelta(seconds=1)) == []
    assert not mailoutbox

    clock.move_to(NOW + SENDING_TIMEOUT)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.sweep_outbox.delay()
        tasks.sweep_outbox.delay()
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts, len(mailoutbox)) == (MessageStatus.SENT, 2, 1)


def test_a_refusing_server_is_tried_again_with_back_off_then_failed(
    reminder, clock, refusing_mail_server, django_capture_on_commit_callbacks
):
    waits = []
    moment = NOW
    for attempt in range(1, MAX_ATTEMPTS + 1):
        clock.move_to(moment)
        _deliver(django_capture_on_commit_callbacks, reminder.pk)
        reminder.refresh_from_db()
        assert reminder.attempts == attempt and "ConnectionRefusedError" in reminder.last_error
        if reminder.status == MessageStatus.PENDING:
            waits.append(int((reminder.next_attempt_at - moment).total_seconds()))
            _deliver(django_capture_on_commit_callbacks, reminder.pk)  # too early: nothing happens
            assert Message.objects.get().attempts == attempt
            moment = reminder.next_attempt_at
    assert waits == list(services.RETRY_DELAYS) and waits == sorted(waits)
    assert reminder.status == MessageStatus.FAILED
    assert services.outbox_due(now=moment + datetime.timedelta(days=1)) == []


def test_a_failed_message_is_listed_and_retried_by_a_clinic_admin(
    reminder, admin_client_, settings, django_capture_on_commit_callbacks, mailoutbox
):
    Message.objects.filter(pk=reminder.pk).update(
        status=MessageStatus.FAILED, attempts=MAX_ATTEMPTS, last_error="SMTPServerDisconnected: gone"
    )
    page = admin_client_.get(reverse("notifications:outbox"), {"status": "failed"})
    assert page.status_code == 200
    assert b"SMTPServerDisconnected: gone" in page.content and b"Retry" in page.content
    assert AccessEvent.objects.filter(object_id="outbox", row_count=1).exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_.post(reverse("notifications:retry", args=[reminder.pk]))
    assert response.status_code == 302
    reminder.refresh_from_db()
    assert (reminder.status, reminder.attempts, len(mailoutbox)) == (MessageStatus.SENT, 1, 1)
    assert AccessEvent.objects.filter(object_type="message", object_id=str(reminder.pk), action="change").exists()


def test_only_a_failed_message_can_be_retried(reminder, admin_client_, django_capture_on_commit_callbacks):
    _deliver(django_capture_on_commit_callbacks, reminder.pk)
    response = admin_client_.post(reverse("notifications:retry", args=[reminder.pk]), follow=True)
    assert b"Only a failed message can be retried" in response.content
    assert Message.objects.get().attempts == 1 and len(mail.outbox) == 1


def test_the_messages_page_is_for_clinic_admins(reminder, clinician_client):
    assert clinician_client.get(reverse("notifications:outbox")).status_code == 403
    assert clinician_client.post(reverse("notifications:retry", args=[reminder.pk])).status_code == 403
    assert Message.objects.get().status == MessageStatus.PENDING


def test_retrying_a_message_that_is_not_there_is_404(admin_client_):
    assert admin_client_.post(reverse("notifications:retry", args=[999])).status_code == 404


def test_an_unknown_status_filter_shows_all(reminder, admin_client_):
    response = admin_client_.get(reverse("notifications:outbox"), {"status": "<script>"})
    assert response.status_code == 200 and b"pat@example.org" in response.content


def test_failed_messages_are_retried_from_the_django_admin_too(
    reminder, clinic_admin, client, django_capture_on_commit_callbacks, mailoutbox
):
    role_permissions_sync()
    clinic_admin.is_staff = True
    clinic_admin.save()
    client.force_login(clinic_admin)
    Message.objects.filter(pk=reminder.pk).update(status=MessageStatus.FAILED, attempts=MAX_ATTEMPTS, last_error="x")
    changelist = reverse("admin:notifications_message_changelist")
    assert client.get(changelist, {"status__exact": "failed"}).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(changelist, {"action": "retry", "_selected_action": [reminder.pk]})
    reminder.refresh_from_db()
    assert (reminder.status, len(mailoutbox)) == (MessageStatus.SENT, 1)
