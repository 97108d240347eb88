"""Who is due a message, read from the records: the same reads decide when a job plans a message and
again just before it is sent (a visit moved or cancelled since, a window booked since, is not sent)."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from clinic.models import Clinic
from notifications.models import Message, MessageStatus
from patients.models import Consent, Patient
from patients.roles import CLINIC_ADMIN, clinician_users
from protocols.models import Outcome, ProtocolParameters
from protocols.window import CLOSING_DAYS, WindowState
from sessions.calendar import local_bounds, person_label
from sessions.decisions import scar_decision_or_errors
from sessions.models import Appointment, AppointmentStatus
from sessions.selectors import requests_waiting, unsigned_records, visits_to_reschedule
from sessions.worklist import due_counts, due_rows, due_scars

GOAL_REACHED = "STP-01"
# Statuses of a visit that is being held for the patient on its day (a request is not confirmed yet).
REMINDED_STATUSES = (AppointmentStatus.SCHEDULED,)


def _reachable(prefix: str = "") -> Q:
    """A current patient who agreed to e-mail and has an address."""
    return Q(**{f"{prefix}archived": False, f"{prefix}email_consent": True}) & ~Q(**{f"{prefix}email": ""})


# --- Reminders ---------------------------------------------------------------------------------


def reminders_due(*, now: datetime, clinic: Clinic | None = None) -> QuerySet[Appointment]:
    """Confirmed treatment and review visits starting within the clinic's reminder time from `now`,
    not flagged to reschedule, of patients who agreed to e-mail."""
    clinic = clinic or Clinic.current()
    return (
        Appointment.objects.filter(
            status__in=REMINDED_STATUSES,
            starts_at__gt=now,
            starts_at__lte=now + timedelta(hours=clinic.reminder_hours_before),
            reschedule_reason="",
        )
        .filter(_reachable("patient__"))
        .select_related("patient")
        .order_by("starts_at", "pk")
    )


def reminder_still_due(message: Message, *, now: datetime) -> str:
    """"" when the reminder may go now; otherwise why not."""
    appointment = message.appointment
    if appointment.status != AppointmentStatus.SCHEDULED:
        return f"The visit is {appointment.get_status_display().lower()}."
    if appointment.starts_at != message.appointment_at:
        return "The visit was moved: the new time gets its own reminder."
    if appointment.reschedule_reason:
        return "The visit is to be rescheduled."
    if appointment.starts_at <= now:
        return "The visit has begun."
    return _patient_unreachable(appointment.patient, message.recipient)


def _patient_unreachable(patient: Patient, recipient: str) -> str:
    if patient.archived:
        return "The patient is archived."
    if not patient.email_consent:
        return "The patient no longer agrees to e-mail."
    if patient.email != recipient:
        return "The patient's e-mail address changed."
    return ""


# --- Recalls -----------------------------------------------------------------------------------


@dataclass
class RecallWindow:
    """A patient with one or more scars due in the same window and nothing booked for them."""

    patient: Patient
    earliest: date
    latest: date
    scars: list = field(default_factory=list)

    @property
    def last_week_from(self) -> date:
        """The day from which CLOSING_DAYS of the window remain: the second recall's day."""
        return self.latest - timedelta(days=CLOSING_DAYS)


def _consent_withdrawn(today: date) -> Exists:
    """The scar's cryotherapy consents are all withdrawn: one is on file, and none is in force."""
    on_file = Consent.objects.filter(scars=OuterRef("pk"), entered_in_error=False, signed_on__lte=today)
    return Exists(on_file.filter(withdrawn_on__lte=today)) & ~Exists(
        on_file.filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=today))
    )


def recall_candidates(*, today: date, now: datetime, patient: Patient | None = None) -> list[RecallWindow]:
    """Windows a patient may be recalled to on `today` (the clinic's date), from one query, before
    the engine is asked (`recall_decided`).

    A scar counts when it is active, of a current patient who agreed to e-mail, in its window (open
    or closing, not overdue), with nothing booked for it (a review visit counts as booked: see
    `sessions.worklist`), and its cryotherapy consent not withdrawn. Scars of one patient with the
    same window make one window.
    """
    parameters = ProtocolParameters.current()
    scars = (
        due_scars(today=today, now=now, parameters=parameters)
        .filter(due_state__in=[WindowState.OPEN, WindowState.CLOSING])
        .filter(_reachable("patient__"))
        .exclude(_consent_withdrawn(today))
    )
    if patient is not None:
        scars = scars.filter(patient=patient)
    windows: dict[tuple, RecallWindow] = {}
    for row in due_rows(scars, today=today, parameters=parameters):
        key = (row.patient.pk, row.window.earliest, row.window.latest)
        window = windows.setdefault(key, RecallWindow(row.patient, row.window.earliest, row.window.latest))
        window.scars.append(row.scar)
    return list(windows.values())


def recall_decided(window: RecallWindow, *, today: date) -> RecallWindow | None:
    """The window with the scars the engine lets be booked today — the booking page's decision:
    neither *blocked* nor *goal reached* (STP-01); None when no scar is left."""
    scars = []
    for scar in window.scars:
        decision = scar_decision_or_errors(scar=scar, on_date=today)
        if decision.get("outcome") in (None, Outcome.BLOCKED):
            continue
        if any(finding["code"] == GOAL_REACHED for finding in decision["findings"]):
            continue
        scars.append(scar)
    return RecallWindow(window.patient, window.earliest, window.latest, scars) if scars else None


def recall_still_due(message: Message, *, today: date, now: datetime) -> str:
    """"" when the recall may go now; otherwise why not (booked since, blocked since, ...)."""
    unreachable = _patient_unreachable(message.patient, message.recipient)
    if unreachable:
        return unreachable
    for window in recall_candidates(today=today, now=now, patient=message.patient):
        same = (window.earliest, window.latest) == (message.window_earliest, message.window_latest)
        if same and recall_decided(window, today=today):
            return ""
    return "No scar of this window needs booking any more (booked, blocked, goal reached or course ended)."


# --- Digest ------------------------------------------------------------------------------------


def clinic_admins() -> QuerySet:
    """Active clinic admins (and superusers, who hold every role) with an e-mail address."""
    return (
        get_user_model()
        .objects.filter(Q(groups__name=CLINIC_ADMIN) | Q(is_superuser=True), is_active=True)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def clinicians_with_email() -> QuerySet:
    return clinician_users().exclude(email="").order_by("pk")


@dataclass
class ClinicDigest:
    visits_by_clinician: list[tuple[str, int]]
    visits_total: int
    closing: int
    overdue: int
    to_reschedule: int
    requests_waiting: int
    messages_failed: int


@dataclass
class ClinicianDigest:
    requests_waiting: int
    unsigned_records: int

    @property
    def empty(self) -> bool:
        return not (self.requests_waiting or self.unsigned_records)


def clinic_digest(*, today: date, now: datetime) -> ClinicDigest:
    clinic = Clinic.current()
    start, end = local_bounds(today, today, clinic.zone)
    visits = (
        Appointment.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .exclude(status=AppointmentStatus.CANCELLED)
        .values("clinician")
        .annotate(n=Count("pk"))
        .order_by()
    )
    per_clinician = {row["clinician"]: row["n"] for row in visits}
    names = {user.pk: person_label(user) for user in get_user_model().objects.filter(pk__in=per_clinician)}
    counts = due_counts(due_scars(today=today, now=now))
    return ClinicDigest(
        visits_by_clinician=sorted((names[pk], n) for pk, n in per_clinician.items()),
        visits_total=sum(per_clinician.values()),
        closing=counts[WindowState.CLOSING],
        overdue=counts[WindowState.OVERDUE],
        to_reschedule=visits_to_reschedule().filter(starts_at__gte=start).count(),
        requests_waiting=requests_waiting(today=today).count(),
        messages_failed=Message.objects.filter(status=MessageStatus.FAILED).count(),
    )


def clinician_digest(*, user, today: date) -> ClinicianDigest:
    return ClinicianDigest(
        requests_waiting=requests_waiting(today=today, clinician=user).count(),
        unsigned_records=unsigned_records(clinician=user).count(),
    )


# --- The outbox page -----------------------------------------------------------------------------


def outbox(*, status: str = "") -> QuerySet[Message]:
    messages = Message.objects.select_related("patient", "user", "appointment").order_by("-created_at", "-pk")
    return messages.filter(status=status) if status in MessageStatus.values else messages


def outbox_counts() -> dict[str, int]:
    counts = defaultdict(int)
    for row in Message.objects.values("status").annotate(n=Count("pk")).order_by():
        counts[row["status"]] = row["n"]
    return counts

