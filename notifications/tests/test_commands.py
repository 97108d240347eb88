"""The jobs by hand: `send_reminders`, `send_recalls` and `send_digest` print what they send (or with
--dry-run what they would, storing nothing), and a second run sends nothing new; a job's messages
are delivered only once its transaction has committed."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction

from notifications import tasks
from notifications.models import Message, MessageStatus
from notifications.tests.helpers import NOW, reachable_patient
from sessions.tests.factories import AppointmentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


@pytest.fixture
def visit():
    return AppointmentFactory(patient=reachable_patient(mrn="T-REM"), starts_at=NOW + datetime.timedelta(hours=30))


def _call(capture, *args) -> str:
    out = StringIO()
    with capture(execute=True):
        call_command(*args, stdout=out)
    return out.getvalue()


def test_dry_run_prints_what_it_would_send_and_stores_nothing(visit, django_capture_on_commit_callbacks, mailoutbox):
    out = _call(django_capture_on_commit_callbacks, "send_reminders", "--dry-run")
    assert "Would send: Visit reminder: pat@example.org (T-REM), visit 2026-12-02 15:00" in out
    assert "1 new message(s)." in out
    assert not Message.objects.exists() and not mailoutbox


@pytest.mark.parametrize("command", ["send_reminders", "send_recalls", "send_digest"])
def test_every_job_run_twice_by_hand_sends_nothing_new(
    command, visit, clinic_admin, django_capture_on_commit_callbacks, mailoutbox
):
    clinic_admin.email = "desk@example.org"
    clinic_admin.save()
    first = _call(django_capture_on_commit_callbacks, command)
    expected = 0 if command == "send_recalls" else 1  # nothing in this clinic is due a recall
    assert len(mailoutbox) == expected and first.count("Queued:") == expected
    again = _call(django_capture_on_commit_callbacks, command)
    assert again.strip() == "Nothing new to send."
    assert len(mailoutbox) == expected


def test_a_jobs_messages_go_only_after_its_transaction_commits(visit, mailoutbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        tasks.job_run("reminders")
        raise RuntimeError("the job's transaction is rolled back")
    assert not Message.objects.exists() and not mailoutbox


def test_a_job_queues_its_deliveries_on_commit(visit, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tasks.job_run("reminders")
        assert Message.objects.get().status == MessageStatus.PENDING and not mailoutbox
    (deliver,) = [c for c in callbacks if getattr(c, "func", None) == tasks.deliver_message.delay]
    deliver()
    assert Message.objects.get().status == MessageStatus.SENT and len(mailoutbox) == 1
