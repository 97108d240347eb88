"""The worklist: active scars whose next session is due and not booked (RULES.md §2).

The window and its states are defined once, in `protocols.window`. Here each state is the same
definition written as a date comparison on the last session's date, with the same parameters, so
the database does the filtering, counting, sorting and paging identically on SQLite and
PostgreSQL; a test holds the SQL and the pure function to the same answers.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from patients.models import Scar, ScarStatus
from protocols.models import ProtocolParameters
from protocols.window import CLOSING_DAYS, WINDOW_LABELS, Window, WindowState
from sessions.models import UPCOMING_STATUSES, AppointmentScar
from sessions.selectors import window_after

STATES = (WindowState.OPEN, WindowState.CLOSING, WindowState.OVERDUE)  # the due ones


SORTS = {
    "latest": ("last_session", "pk"),
    "-latest": ("-last_session", "-pk"),
    "last_session": ("last_session", "pk"),
    "-last_session": ("-last_session", "-pk"),
    "patient": ("patient__family_name", "patient__given_name", "patient__mrn", "pk"),
    "-patient": ("-patient__family_name", "-patient__given_name", "-patient__mrn", "-pk"),
}
DEFAULT_SORT = "latest"  # most urgent first: the window that closes soonest


def _state_conditions(*, today: date, parameters: ProtocolParameters) -> dict[str, Q]:
    """Each state as a condition on `last_session`; latest = last_session + max_interval_days."""
    latest_is_today = today - timedelta(days=parameters.max_interval_days)
    earliest_is_today = today - timedelta(days=parameters.min_interval_days)
    closing_from = latest_is_today + timedelta(days=CLOSING_DAYS)
    return {
        WindowState.OVERDUE: Q(last_session__lt=latest_is_today),
        # Also due: with a short protocol window the last 7 days may start before the earliest date.
        WindowState.CLOSING: Q(last_session__gte=latest_is_today, last_session__lte=closing_from)
        & Q(last_session__lte=earliest_is_today),
        WindowState.OPEN: Q(last_session__gt=closing_from, last_session__lte=earliest_is_today),
    }


def due_scars(
    *,
    today: date,
    now: datetime | None = None,
    state: str = "all",
    clinician_id: int | None = None,
    sort: str = DEFAULT_SORT,
    parameters: ProtocolParameters | None = None,
) -> QuerySet[Scar]:
    """Active scars of current patients that are due, with nothing booked, in one query.

    Each scar carries `last_session` (the date of its last freeze, stored on the scar),
    `last_clinician_id` (the clinician of that session's visit, also stored) and `due_state`. `state` is
    one of STATES or "all";
    an unknown `sort` falls back to the default.
    """
    parameters = parameters or ProtocolParameters.current()
    now = now or timezone.now()
    conditions = _state_conditions(today=today, parameters=parameters)
    # An appointment in progress still counts as booked, hence its end rather than its start.
    booked = AppointmentScar.objects.filter(
        scar=OuterRef("pk"), appointment__status__in=UPCOMING_STATUSES, appointment__ends_at__gte=now
    )
    scars = (
        Scar.objects.filter(status=ScarStatus.ACTIVE, patient__archived=False)
        # The stored date and clinician of the last freeze (indexed columns), never recomputed per row.
        .annotate(last_session=F("last_freeze_on"), last_clinician_id=F("last_freeze_by"))
        .filter(last_session__isnull=False)
        .filter(conditions[WindowState.OPEN] | conditions[WindowState.CLOSING] | conditions[WindowState.OVERDUE])
        .filter(~Exists(booked))
        .annotate(
            due_state=Case(
                *(When(condition, then=Value(name)) for name, condition in conditions.items()),
                default=Value(WindowState.NOT_YET.value),
                output_field=CharField(),
            )
        )
        .select_related("patient", "last_freeze_by")
    )
    if clinician_id is not None:
        scars = scars.filter(last_clinician_id=clinician_id)
    if state in STATES:
        scars = scars.filter(conditions[state])
    return scars.order_by(*SORTS.get(sort, SORTS[DEFAULT_SORT]))


def due_counts(scars: QuerySet[Scar]) -> dict[str, int]:
    """How many of `scars` (from `due_scars`, state "all") are in each state, in one query."""
    return scars.order_by().aggregate(**{name: Count("pk", filter=Q(due_state=name)) for name in STATES})


@dataclass(frozen=True)
class DueRow:
    scar: Scar
    window: Window
    state: str
    days_left: int  # negative when overdue
    clinician: object | None

    @property
    def patient(self):
        return self.scar.patient

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days_left)

    @property
    def state_label(self) -> str:
        return WINDOW_LABELS[WindowState(self.state)]


def due_rows(scars, *, today: date, parameters: ProtocolParameters | None = None) -> list[DueRow]:
    """The scars from `due_scars` as display rows, with their window and clinician (no further query)."""
    parameters = parameters or ProtocolParameters.current()
    rows = []
    for scar in scars:
        window = window_after(scar.last_session, parameters)
        rows.append(
            DueRow(
                scar=scar,
                window=window,
                state=scar.due_state,
                days_left=(window.latest - today).days,
                clinician=scar.last_freeze_by,
            )
        )
    return rows
