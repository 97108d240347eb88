"""What the messages' tests share: a frozen clock, running a job as the worker would, and a patient
who agreed to e-mail."""

import datetime

from notifications import tasks
from patients.tests.factories import PatientFactory

UTC = datetime.UTC
# A Tuesday; the clinic's zone is UTC in tests unless a test sets another.
NOW = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
# Words of a patient's clinical record that a patient's e-mail must never carry.
CLINICAL_WORDS = ("raynaud", "diabet", "keloid", "hypertrophic", "anticoagulant", "abdomen", "scar on", "blocked")


def run(job: str, capture, **kwargs):
    """Run a job now and deliver what it queued (tasks run in-process in tests, after the commit)."""
    with capture(execute=True):
        return tasks.job_run(job, **kwargs)


def reachable_patient(**kwargs):
    defaults = {"email": "pat@example.org", "email_consent": True, "given_name": "Rosa", "family_name": "Delgado"}
    return PatientFactory(**(defaults | kwargs))


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=UTC)
