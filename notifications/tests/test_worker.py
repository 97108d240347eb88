"""A real Celery worker against the Redis on 127.0.0.1:6379: the same reminder queued twice, and the
reminders job run twice, send exactly one e-mail (in the outbox and in the mailbox).

The worker is its own process with its own database (a SQLite file this test migrates, or a fresh
PostgreSQL database when DATABASE_URL names PostgreSQL), a queue of its own on a Redis database
the suite's cache does not use, and a file mailbox; the test queues tasks by name, as the web app's
process does. Skipped only when no Redis answers.
"""

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
# A Redis database of its own: every test clears the suite's cache (conftest.py), which is a FLUSHDB
# of the database REDIS_URL names; the worker's queue must not be in it.
SUITE_REDIS_DB = os.environ.get("REDIS_URL", "").rstrip("/").rsplit("/", 1)[-1]
REDIS_URL = f"redis://127.0.0.1:6379/{14 if SUITE_REDIS_DB == '13' else 13}"
pytestmark = pytest.mark.slow

SEED = """
import datetime, json
from django.utils import timezone
from clinic.models import Room
from notifications import services
from patients.models import Patient
from sessions.models import Appointment
from django.contrib.auth.models import Group, User
clinician = User.objects.create(username="doc", first_name="Ana", last_name="Moreno")
clinician.groups.add(Group.objects.get_or_create(name="Clinician")[0])
room = Room.objects.create(name="Room 1")
soon = timezone.now() + datetime.timedelta(hours=24)
ids = []
for n, email in enumerate(["first@example.org", "second@example.org"]):
    patient = Patient.objects.create(
        mrn=f"W-{n}", given_name="Rosa", family_name=f"Test{n}", birth_date=datetime.date(1980, 1, 1),
        email=email, email_consent=True,
    )
    Appointment.objects.create(
        patient=patient, clinician=clinician, room=room, starts_at=soon + datetime.timedelta(hours=n),
        ends_at=soon + datetime.timedelta(hours=n, minutes=30), booked_by=clinician,
    )
now = timezone.now()
print(json.dumps([m.pk for m in services.messages_create(services.reminders_plan(now=now), now=now)]))
"""
STATUS = "import json; from notifications.models import Message; print(json.dumps(list(Message.objects.order_by('pk').values_list('status', 'attempts', 'recipient'))))"  # noqa: E501


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _psql(statement: str) -> bool:
    result = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", statement], capture_output=True, text=True
    )
    return result.returncode == 0


@pytest.fixture
def database_url(tmp_path):
    """A fresh database of the suite's engine, migrated, for the worker and this test to share."""
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        name = f"cryocare_worker_{uuid.uuid4().hex[:8]}"
        assert _psql(f"CREATE DATABASE {name}")
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
        _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    else:
        yield f"sqlite:///{tmp_path / 'worker.sqlite3'}"


def _env(database_url: str, mailbox: Path, queue: str) -> dict:
    keep = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "EMAIL_URL")}
    return keep | {
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "EMAIL_URL": f"filemail:///{mailbox}",  # django-environ drops the first slash of the path
        "CELERY_QUEUE": queue,
        "DEBUG": "true",
    }


def _manage(env: dict, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _statuses(env: dict) -> list:
    return json.loads(_manage(env, "shell", "-v", "0", "-c", STATUS))


def _mailbox(mailbox: Path) -> list[str]:
    return [path.read_text() for path in sorted(mailbox.glob("*.log"))]


def _wait_until(check, *, seconds: int = 90):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    return check()


def test_a_real_worker_sends_a_reminder_queued_twice_once(tmp_path, database_url):
    if not _redis_answers():
        pytest.skip("no Redis answers on 127.0.0.1:6379")
    queue = f"cryocare-test-{uuid.uuid4().hex[:8]}"
    mailbox = tmp_path / "mailbox"
    mailbox.mkdir()
    env = _env(database_url, mailbox, queue)
    _manage(env, "migrate", "-v", "0")
    first, second = json.loads(_manage(env, "shell", "-v", "0", "-c", SEED).strip().splitlines()[-1])
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "cryocare", "worker", "--pool", "solo", "--queues", queue,
         "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "info"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    sender = Celery(broker=REDIS_URL)
    try:
        # The same reminder twice, then the jobs twice (they find both planned already), then the other.
        for task, args in [
            ("notifications.deliver_message", [first]),
            ("notifications.deliver_message", [first]),
            ("notifications.send_reminders", []),
            ("notifications.send_reminders", []),
            ("notifications.deliver_message", [second]),
        ]:
            sender.send_task(task, args=args, queue=queue)
        # One worker process takes tasks in order: once the last is done, so are the others.
        expected = [["sent", 1, "first@example.org"], ["sent", 1, "second@example.org"]]
        assert _wait_until(lambda: _statuses(env) == expected), _statuses(env)
        time.sleep(1)  # anything still queued behind would show now
        assert _statuses(env) == expected
        mails = _mailbox(mailbox)
        assert sum("To: first@example.org" in m for m in mails) == 1
        assert sum("To: second@example.org" in m for m in mails) == 1
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
        sender.close()
    assert "notifications.deliver_message" in output and "Traceback" not in output, output
