"""Celery tasks: each takes ids or nothing, re-reads the database, and is queued only after the
transaction that made its rows commits. The periodic ones are in settings (CELERY_BEAT_SCHEDULE);
each job also runs by hand as a management command (`send_reminders`, `send_recalls`, `send_digest`).

Nothing is scheduled weeks ahead in the broker: what is due lives in the database (the outbox), and
the periodic jobs find it.
"""

from datetime import datetime
from functools import partial

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from notifications import services
from notifications.models import Message

# A job plans a few hundred messages at most; a delivery is one SMTP conversation.
JOB_LIMITS = {"soft_time_limit": 240, "time_limit": 300, "ignore_result": True}
DELIVERY_LIMITS = {"soft_time_limit": 60, "time_limit": 90, "ignore_result": True}


def deliver_after_commit(messages: list[Message]) -> None:
    """Queue each message's delivery once the rows are committed (a worker must find them)."""
    for message in messages:
        transaction.on_commit(partial(deliver_message.delay, message.pk))


def job_run(job: str, *, now: datetime | None = None, dry_run: bool = False) -> list[services.Planned]:
    """Plan the job's new messages; unless `dry_run`, create them and queue their delivery."""
    now = now or timezone.now()
    planned = services.PLANNERS[job](now=now)
    if not dry_run:
        with transaction.atomic():
            deliver_after_commit(services.messages_create(planned, now=now))
    return planned


@shared_task(bind=True, name="notifications.deliver_message", **DELIVERY_LIMITS)
def deliver_message(self, message_id: int) -> None:
    delivery = services.message_deliver(message_id)
    # Embedded mode runs tasks in-process: a failed attempt waits there for the next job run or sweep.
    if delivery and delivery.retry_in and not self.request.is_eager:
        raise self.retry(countdown=delivery.retry_in, max_retries=None)


def _scheduled(job: str, *, daily: bool) -> None:
    now = timezone.now()
    if daily and not services.daily_time_reached(now):
        return
    job_run(job, now=now)


@shared_task(name="notifications.send_reminders", **JOB_LIMITS)
def send_reminders() -> None:
    _scheduled("reminders", daily=False)


@shared_task(name="notifications.send_recalls", **JOB_LIMITS)
def send_recalls() -> None:
    _scheduled("recalls", daily=True)


@shared_task(name="notifications.send_digest", **JOB_LIMITS)
def send_digest() -> None:
    _scheduled("digest", daily=True)


@shared_task(name="notifications.sweep_outbox", **JOB_LIMITS)
def sweep_outbox() -> None:
    """Re-queue what is due again: attempts waiting out their back-off, and messages a stopped
    worker left *sending*. Queuing one twice is harmless: only one delivery can claim it."""
    for message_id in services.outbox_due(now=timezone.now()):
        deliver_message.delay(message_id)
