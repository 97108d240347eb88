"""The outbox's writes: plan the messages a job would send, create them once, deliver each once.

Jobs (reminders, recalls, digest) only plan and create rows; `notifications.tasks` queues each new
row's delivery after the transaction commits. Delivery claims the row, re-reads the records (a visit
moved or cancelled since is not reminded of), sends, and records what happened: sent, skipped with
the reason, tried again later with back-off, or failed after the last attempt.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from clinic.models import Clinic
from documents.selectors import PREPARATION_ADVICE
from notifications import selectors
from notifications.models import MAX_ATTEMPTS, SENDING_TIMEOUT, Message, MessageKind, MessageStatus
from patients.roles import CLINIC_ADMIN, CLINICIAN, user_roles
from protocols.window import CLOSING_DAYS

# Wait before the 2nd, 3rd, 4th and 5th attempt (seconds).
RETRY_DELAYS = (60, 5 * 60, 30 * 60, 2 * 60 * 60)
# Stored errors are cut to this length (an SMTP answer can be long).
ERROR_LENGTH = 500


class OutboxError(Exception):
    """An outbox action that cannot be done; the message says why."""


@dataclass
class Planned:
    """A message a job would send: what `--dry-run` prints and what becomes an outbox row."""

    kind: str
    key: str
    recipient: str
    patient: object = None
    user: object = None
    appointment: object = None
    appointment_at: datetime | None = None
    window_earliest: date | None = None
    window_latest: date | None = None
    on_date: date | None = None

    def describe(self, zone) -> str:
        who = f"{self.recipient} ({self.patient.mrn})" if self.patient else f"{self.recipient} (staff)"
        if self.kind == MessageKind.REMINDER:
            about = f"visit {timezone.localtime(self.appointment_at, zone):%Y-%m-%d %H:%M}"
        elif self.kind in (MessageKind.RECALL, MessageKind.RECALL_LAST):
            about = f"window {self.window_earliest:%Y-%m-%d} to {self.window_latest:%Y-%m-%d}"
        else:
            about = f"{self.on_date:%Y-%m-%d}"
        return f"{MessageKind(self.kind).label}: {who}, {about}"


def _new(planned: list[Planned]) -> list[Planned]:
    """Only those not in the outbox already."""
    existing = set(Message.objects.filter(key__in=[p.key for p in planned]).values_list("key", flat=True))
    return [p for p in planned if p.key not in existing]


def daily_time_reached(now: datetime, clinic: Clinic | None = None) -> bool:
    """The scheduled daily jobs (recalls, digest) wait for the clinic's daily messages time."""
    clinic = clinic or Clinic.current()
    return timezone.localtime(now, clinic.zone).time() >= clinic.daily_messages_at


# --- Planning ------------------------------------------------------------------------------------


def reminders_plan(*, now: datetime) -> list[Planned]:
    """A reminder for each confirmed visit within the reminder time, once per visit time: a visit
    moved after its reminder was sent is reminded of again at its new time."""
    planned = [
        Planned(
            kind=MessageKind.REMINDER,
            key=f"reminder:{a.pk}:{a.starts_at.astimezone(UTC):%Y-%m-%dT%H:%M}:{a.patient.email}",
            recipient=a.patient.email,
            patient=a.patient,
            appointment=a,
            appointment_at=a.starts_at,
        )
        for a in selectors.reminders_due(now=now)
    ]
    return _new(planned)


def recalls_plan(*, now: datetime) -> list[Planned]:
    """A recall when a window is open and nothing is booked; a second one when CLOSING_DAYS of it
    remain, if the first went out before then. The engine is asked only about windows that are due a
    recall (a job that runs every half hour asks nothing once the day's recalls are out)."""
    clinic = Clinic.current()
    today = clinic.date_of(now)
    windows = selectors.recall_candidates(today=today, now=now)
    first_keys = {_window_id(w): _recall_key(MessageKind.RECALL, _window_id(w)) for w in windows}
    made = {
        m.key: timezone.localdate(m.created_at, clinic.zone)
        for m in Message.objects.filter(
            key__in=[*first_keys.values(), *(_recall_key(MessageKind.RECALL_LAST, w) for w in first_keys)]
        ).only("key", "created_at")
    }
    planned = []
    for window in windows:
        window_id = _window_id(window)
        kind = MessageKind.RECALL
        if first_keys[window_id] in made:
            if today < window.last_week_from or made[first_keys[window_id]] >= window.last_week_from:
                continue  # the first recall is out; the second waits for the last week, unless the first was in it
            kind = MessageKind.RECALL_LAST
        if _recall_key(kind, window_id) in made or not selectors.recall_decided(window, today=today):
            continue
        planned.append(
            Planned(
                kind=kind,
                key=_recall_key(kind, window_id),
                recipient=window.patient.email,
                patient=window.patient,
                window_earliest=window.earliest,
                window_latest=window.latest,
            )
        )
    return planned


def _window_id(window: selectors.RecallWindow) -> tuple:
    return (window.patient.pk, window.earliest, window.latest, window.patient.email)


def _recall_key(kind: str, window_id: tuple) -> str:
    patient, earliest, latest, email = window_id
    return f"{kind}:{patient}:{earliest:%Y-%m-%d}:{latest:%Y-%m-%d}:{email}"


def digests_plan(*, now: datetime) -> list[Planned]:
    """Today's digest for each clinic admin, and for each clinician with requests or records waiting."""
    today = Clinic.current().date_of(now)
    admins = {user.pk: user for user in selectors.clinic_admins()}
    staff = admins | {user.pk: user for user in selectors.clinicians_with_email()}
    planned = _new(
        [
            Planned(
                kind=MessageKind.DIGEST,
                key=f"digest:{user.pk}:{today:%Y-%m-%d}:{user.email}",
                recipient=user.email,
                user=user,
                on_date=today,
            )
            for user in staff.values()
        ]
    )
    # A clinician who is not an admin gets one only with something waiting: counted for those still due one.
    return [
        p for p in planned if p.user.pk in admins or not selectors.clinician_digest(user=p.user, today=today).empty
    ]


PLANNERS = {"reminders": reminders_plan, "recalls": recalls_plan, "digest": digests_plan}


def messages_create(planned: list[Planned], *, now: datetime) -> list[Message]:
    """An outbox row per planned message; one already there (another run made it) is left alone."""
    created = []
    for p in planned:
        try:
            with transaction.atomic():
                created.append(
                    Message.objects.create(
                        key=p.key,
                        kind=p.kind,
                        recipient=p.recipient,
                        patient=p.patient,
                        user=p.user,
                        appointment=p.appointment,
                        appointment_at=p.appointment_at,
                        window_earliest=p.window_earliest,
                        window_latest=p.window_latest,
                        on_date=p.on_date,
                        next_attempt_at=now,
                    )
                )
        except IntegrityError:
            continue
    return created


# --- Delivery ------------------------------------------------------------------------------------


@dataclass
class Delivery:
    status: str
    retry_in: int | None = None  # seconds until the next attempt, when there is one


def message_claim(message_id: int, *, now: datetime) -> bool:
    """Take the message for sending, in one UPDATE: waiting and due, or left *sending* by a worker
    that stopped more than SENDING_TIMEOUT ago. False when there is nothing to take (sent already,
    or another worker holds it)."""
    return bool(
        Message.objects.filter(
            pk=message_id,
            status__in=[MessageStatus.PENDING, MessageStatus.SENDING],
            next_attempt_at__lte=now,
            attempts__lt=MAX_ATTEMPTS,
        ).update(
            status=MessageStatus.SENDING,
            claimed_at=now,
            next_attempt_at=now + SENDING_TIMEOUT,
            attempts=F("attempts") + 1,
        )
    )


def message_deliver(message_id: int, *, now: datetime | None = None) -> Delivery | None:
    """Claim, re-check, send and record one message; None when it was not this call's to send."""
    now = now or timezone.now()
    if not message_claim(message_id, now=now):
        return None
    message = Message.objects.select_related("patient", "user", "appointment").get(pk=message_id)
    try:
        email = message_compose(message, now=now)
        if isinstance(email, str):
            _record(message, status=MessageStatus.SKIPPED, last_error=email)
            return Delivery(MessageStatus.SKIPPED)
        email.send()
    except Exception as error:  # noqa: BLE001 (any failure of one message is recorded on it, never lost)
        return _attempt_failed(message, error, now=now)
    _record(message, status=MessageStatus.SENT, sent_at=now, subject=email.subject[:200], last_error="")
    return Delivery(MessageStatus.SENT)


def _record(message: Message, **values) -> None:
    Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(**values)


def _attempt_failed(message: Message, error: Exception, *, now: datetime) -> Delivery:
    text = f"{type(error).__name__}: {error}"[:ERROR_LENGTH]
    if message.attempts >= MAX_ATTEMPTS:
        _record(message, status=MessageStatus.FAILED, last_error=text)
        return Delivery(MessageStatus.FAILED)
    delay = RETRY_DELAYS[min(message.attempts, len(RETRY_DELAYS)) - 1]
    _record(message, status=MessageStatus.PENDING, last_error=text, next_attempt_at=now + timedelta(seconds=delay))
    return Delivery(MessageStatus.PENDING, retry_in=delay)


def outbox_due(*, now: datetime, limit: int = 500) -> list[int]:
    """Messages to (re)deliver: waiting and due, or stuck *sending* past the timeout. A stuck one
    after its last attempt is marked failed: it may or may not have gone out, and is not sent again
    unless someone retries it."""
    Message.objects.filter(status=MessageStatus.SENDING, next_attempt_at__lte=now, attempts__gte=MAX_ATTEMPTS).update(
        status=MessageStatus.FAILED,
        last_error="The worker stopped while sending the last attempt: it may not have been delivered.",
    )
    return list(
        Message.objects.filter(status__in=[MessageStatus.PENDING, MessageStatus.SENDING], next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


@transaction.atomic
def message_retry(*, message_id: int, now: datetime | None = None) -> Message:
    """A failed message back in the queue with fresh attempts (the clinic admin's *retry*)."""
    message = Message.objects.select_for_update().get(pk=message_id)
    if message.status != MessageStatus.FAILED:
        raise OutboxError(f"Only a failed message can be retried; this one is {message.get_status_display().lower()}.")
    message.status = MessageStatus.PENDING
    message.attempts = 0
    message.next_attempt_at = now or timezone.now()
    message.save(update_fields=["status", "attempts", "next_attempt_at"])
    return message


# --- What a message says -----------------------------------------------------------------------------


def _link(name: str, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


def _email(message: Message, template: str, context: dict, language: str) -> EmailMessage:
    with translation.override(language):
        body = render_to_string(f"notifications/{template}.txt", context)
        subject_text = render_to_string(f"notifications/{template}_subject.txt", context)
    subject = " ".join(subject_text.split())
    return EmailMessage(subject=subject, body=body, to=[message.recipient])


def message_compose(message: Message, *, now: datetime) -> EmailMessage | str:
    """The e-mail for `message` from the records as they are now, or why it is no longer to be sent.

    Patients' e-mails carry their name, the date and time, and the clinic's details: never a
    diagnosis, condition or finding. Digests carry counts and links, never a patient's name."""
    clinic = Clinic.current()
    today = clinic.date_of(now)
    if message.kind == MessageKind.REMINDER:
        reason = selectors.reminder_still_due(message, now=now)
        if reason:
            return reason
        appointment = message.appointment
        context = {
            "clinic": clinic,
            "patient": message.patient,
            "at": timezone.localtime(appointment.starts_at, clinic.zone),
            "review": appointment.is_review,
            "advice": PREPARATION_ADVICE,
        }
        return _email(message, "reminder", context, message.patient.preferred_language)
    if message.kind in (MessageKind.RECALL, MessageKind.RECALL_LAST):
        reason = selectors.recall_still_due(message, today=today, now=now)
        if reason:
            return reason
        context = {
            "clinic": clinic,
            "patient": message.patient,
            "earliest": message.window_earliest,
            "latest": message.window_latest,
            "last_week": message.kind == MessageKind.RECALL_LAST,
        }
        return _email(message, "recall", context, message.patient.preferred_language)
    user = message.user
    if not user.is_active or user.email != message.recipient:
        return "The user is no longer active or changed their e-mail address."
    roles = user_roles(user)
    context = {
        "clinic": clinic,
        "user": user,
        "on_date": message.on_date,
        "closing_days": CLOSING_DAYS,
        "clinic_digest": selectors.clinic_digest(today=today, now=now) if CLINIC_ADMIN in roles else None,
        "own": selectors.clinician_digest(user=user, today=today) if CLINICIAN in roles else None,
        "links": {
            "worklist": _link("sessions:due"),
            "calendar": _link("sessions:calendar_day"),
            "outbox": _link("notifications:outbox"),
        },
    }
    if context["clinic_digest"] is None and context["own"] is None:
        return "The user no longer has a clinic role."
    return _email(message, "digest", context, settings.LANGUAGE_CODE)
