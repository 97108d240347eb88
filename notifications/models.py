"""The outbox: one row per e-mail CryoCare sends (reminders, recalls, the daily digest).

A message's `key` says what it is about (its kind, recipient, and the appointment and its time, the
scar window, or the digest's day), and is unique: a job that runs twice, or two workers running the
same job, find the row already there and send nothing new. Sending claims the row first
(pending → sending, in one UPDATE), so a duplicated task finds nothing to claim; a worker killed while
sending leaves the row *sending*, and after `SENDING_TIMEOUT` it may be claimed again.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

# How many times a message is tried before it is *failed*, and how long a claim holds.
MAX_ATTEMPTS = 5
SENDING_TIMEOUT = timedelta(minutes=10)


class MessageKind(models.TextChoices):
    REMINDER = "reminder", "Visit reminder"
    RECALL = "recall", "Recall: window open"
    RECALL_LAST = "recall_last", "Recall: last week of the window"
    DIGEST = "digest", "Daily digest"


class MessageStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Not sent: no longer due"


class Message(models.Model):
    patient_path = "patient"  # how the access layer finds the record's patient (patients.access)
    key = models.CharField(max_length=400, unique=True, editable=False)
    kind = models.CharField(max_length=12, choices=MessageKind.choices)
    status = models.CharField(max_length=8, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    recipient = models.EmailField(max_length=254)
    # What the message is about: a patient's visit or window, or a staff member's digest.
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="messages"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="messages"
    )
    appointment = models.ForeignKey(
        "treatment_sessions.Appointment", on_delete=models.PROTECT, null=True, blank=True, related_name="messages"
    )
    appointment_at = models.DateTimeField("visit time reminded of", null=True, blank=True)
    window_earliest = models.DateField(null=True, blank=True)
    window_latest = models.DateField(null=True, blank=True)
    on_date = models.DateField("digest of", null=True, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # What the sweep looks for: messages waiting or stuck, a few among years of sent ones.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="message_to_deliver",
            ),
            models.Index(fields=["status", "-created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=MessageStatus.SENT) | Q(sent_at__isnull=False), name="message_sent_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(status=MessageStatus.SENDING) | Q(claimed_at__isnull=False),
                name="message_sending_is_claimed",
            ),
            models.CheckConstraint(
                condition=Q(patient__isnull=False) | Q(user__isnull=False), name="message_has_a_patient_or_a_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} ({self.get_status_display()})"
