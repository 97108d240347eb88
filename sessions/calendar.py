"""The calendar pages' building blocks: the day grid, the week, and a clinician's iCalendar feed.

The builders (`day_grid`, `week_days`, `ics_document`) are pure: appointments, opening hours and
closures in, rows, columns and days out. The reads they need sit together under "Reads" so that a
view makes each query once, and the week never costs a query per day or per appointment.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from clinic.models import Closure, OpeningHours, Room
from patients.access import Need, can
from patients.roles import clinician_users, person_name
from patients.widgets import parse_date_text
from sessions.models import Appointment, AppointmentStatus, CalendarFeed
from sessions.selectors import planned_scars

DEFAULT_OPENS = time(8, 0)
DEFAULT_CLOSES = time(18, 0)
MINUTES_PER_DAY = 24 * 60

# Dates outside this range are refused as input: far enough for any real schedule, and it keeps
# "previous day" and "next week" links clear of date.min and date.max (which would overflow).
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100

BY_CLINICIAN, BY_ROOM = "clinician", "room"

# How far the feed reaches, counted from the moment it is fetched.
FEED_PAST = timedelta(days=30)
FEED_AHEAD = timedelta(days=180)


# The badge colour of each status, on every page that shows one (`status_badge` in
# templatetags/schedule.py); any other status is grey.
STATUS_BADGE_CLASSES = {
    AppointmentStatus.REQUESTED: "text-bg-warning",
    AppointmentStatus.SCHEDULED: "text-bg-primary",
    AppointmentStatus.CHECKED_IN: "text-bg-info",
    AppointmentStatus.COMPLETED: "text-bg-success",
    AppointmentStatus.NO_SHOW: "text-bg-dark",
}

# Short labels for crowded calendar cells.
STATUS_LABELS = {
    AppointmentStatus.REQUESTED: "Requested",
    AppointmentStatus.SCHEDULED: "Scheduled",
    AppointmentStatus.CHECKED_IN: "Checked in",
    AppointmentStatus.COMPLETED: "Completed",
    AppointmentStatus.NO_SHOW: "No-show",
    AppointmentStatus.CANCELLED: "Cancelled",
}


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


# --- Dates ------------------------------------------------------------------------------------


def parse_day(value: str | None, *, today: date) -> tuple[date, bool]:
    """The day asked for in `?date=` (the language's format or ISO), or today; the flag is False
    when the value was unusable."""
    if not value:
        return today, True
    day = parse_date_text(value)
    if day is None:
        return today, False
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        return today, False
    return day, True


def week_of(day: date) -> list[date]:
    monday = day - timedelta(days=day.weekday())
    return [monday + timedelta(days=offset) for offset in range(7)]


def local_bounds(first: date, last: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """From local midnight before `first` to local midnight after `last` (23 or 25 hours on DST days)."""
    return (
        datetime.combine(first, time.min, tzinfo=zone),
        datetime.combine(last + timedelta(days=1), time.min, tzinfo=zone),
    )


def person_label(user) -> str:
    return person_name(user)


# --- Reads ------------------------------------------------------------------------------------


def active_clinicians() -> list:
    return list(clinician_users())


def active_rooms() -> list[Room]:
    return list(Room.objects.filter(active=True).order_by("name"))


def opening_spans() -> dict[int, list[tuple[time, time]]]:
    spans: dict[int, list[tuple[time, time]]] = defaultdict(list)
    for hours in OpeningHours.objects.all():
        spans[hours.weekday].append((hours.opens, hours.closes))
    return dict(spans)


def closures_between(first: date, last: date) -> list[Closure]:
    return list(Closure.objects.filter(starts_on__lte=last, ends_on__gte=first).select_related("clinician"))


def cancelled_between(*, start: datetime, end: datetime) -> QuerySet[Appointment]:
    return (
        Appointment.objects.filter(status=AppointmentStatus.CANCELLED, starts_at__lt=end, ends_at__gt=start)
        .select_related("patient", "clinician", "room")
        .prefetch_related(planned_scars())
        .order_by("starts_at", "pk")
    )


def calendar_feed_by_token(token: str) -> CalendarFeed | None:
    """The feed behind a secret URL; None for an unknown token, a clinician who can no longer log in,
    or one whose roles no longer include a calendar of their own (checked on every fetch: a calendar
    app keeps polling long after a role is taken away)."""
    feed = CalendarFeed.objects.select_related("clinician").filter(token=token, clinician__is_active=True).first()
    if feed is None or not can(feed.clinician, Need.OWN_CALENDAR):
        return None
    return feed


# --- The day grid -----------------------------------------------------------------------------


# A placeholder id: each link is reversed once per page and the id put in, not reversed per entry.
_ID = 2_147_483_647


class Links:
    """The links of a calendar's entries, each URL pattern reversed once."""

    def __init__(self) -> None:
        self._appointment = reverse("sessions:appointment", args=[_ID])
        self._patient = reverse("sessions:patient", args=[_ID])

    def appointment(self, pk: int) -> str:
        return self._appointment.replace(str(_ID), str(pk))

    def patient(self, pk: int) -> str:
        return self._patient.replace(str(_ID), str(pk))


@dataclass(frozen=True)
class Entry:
    """One appointment as a calendar shows it, every text worked out once (the week shows hundreds;
    `templatetags/schedule.py` writes the HTML)."""

    appointment: Appointment
    status_label: str
    url: str
    patient_url: str
    starts: str  # "09:30", in the clinic's time zone
    ends: str
    plans: tuple[str, ...]  # "Chest, keloid (contact)" per planned scar
    clinician_name: str
    room_name: str

    @classmethod
    def of(cls, appointment: Appointment, links: Links | None = None, zone: ZoneInfo | None = None) -> "Entry":
        """`zone` defaults to the current time zone (the clinic's, in a request)."""
        links = links or Links()
        return cls(
            appointment=appointment,
            status_label=status_label(appointment.status),
            url=links.appointment(appointment.pk),
            patient_url=links.patient(appointment.patient_id),
            starts=timezone.localtime(appointment.starts_at, zone).strftime("%H:%M"),
            ends=timezone.localtime(appointment.ends_at, zone).strftime("%H:%M"),
            plans=tuple(f"{p.scar.label} ({p.plan_label})" for p in appointment.planned.all()),
            clinician_name=person_label(appointment.clinician),
            room_name=appointment.room.name,
        )


@dataclass
class Cell:
    """One table cell in a column: empty, or the appointments that start in it, spanning `rowspan` rows."""

    column: int
    entries: list[Entry] = field(default_factory=list)
    rowspan: int = 1
    open: bool = True  # an empty cell within opening hours (shaded otherwise)
    slot: datetime | None = None  # an empty cell a click books (or moves a visit to): open, at work, still to come

    @property
    def bookable(self) -> bool:
        return self.slot is not None


@dataclass
class Column:
    key: int
    label: str
    off_reason: str = ""


@dataclass
class Row:
    starts: time
    cells: list[Cell]


@dataclass
class DayGrid:
    columns: list[Column]
    rows: list[Row]
    step_minutes: int
    open_today: bool
    clinic_closures: list[Closure]
    clinician_closures: list[Closure]


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def _wall_minutes(moment: datetime, day: date, zone: ZoneInfo) -> int:
    """Minutes since local midnight on `day`, clamped to the day for appointments crossing midnight."""
    local = moment.astimezone(zone)
    if local.date() < day:
        return 0
    if local.date() > day:
        return MINUTES_PER_DAY
    return _minutes(local.time())


def _opening_minutes(day: date, opening: dict[int, list[tuple[time, time]]]) -> tuple[int, int, bool]:
    """The day's span of opening hours; on a day without any, the widest span of the week (or 08–18)."""
    today = opening.get(day.weekday(), [])
    spans = today or [span for spans in opening.values() for span in spans]
    if not spans:
        return _minutes(DEFAULT_OPENS), _minutes(DEFAULT_CLOSES), not opening
    return min(_minutes(s[0]) for s in spans), max(_minutes(s[1]) for s in spans), bool(today)


def _column_key(appointment: Appointment, by: str) -> int:
    return appointment.room_id if by == BY_ROOM else appointment.clinician_id


def _is_open(day: date, minutes: int, step: int, opening: dict[int, list[tuple[time, time]]]) -> bool:
    return any(_minutes(s) <= minutes and minutes + step <= _minutes(e) for s, e in opening.get(day.weekday(), []))


def _grid_rows(
    columns: Sequence[Column],
    spans: list[tuple],
    *,
    opens: int,
    closes: int,
    step: int,
    zone: ZoneInfo,
    empty: Callable[[Column, int], Cell],
) -> list[Row]:
    """One row per step from opening to closing time (widened to the appointments in `spans`: column
    key, appointment, start and end minutes), each appointment in the cell of its column and start
    row, spanning its length; `empty(column, minutes)` makes the cells no appointment covers.

    An appointment starting inside an earlier one's span (a no-show then a new booking, which the
    database allows; in a week, another clinician's visit) joins that cell.
    """
    spans = sorted(spans, key=lambda span: (span[2], span[3]))
    first = min([opens] + [start for _, _, start, _ in spans])
    last = max([closes] + [end for _, _, _, end in spans])
    # Earlier appointments add whole steps before opening time, but never rows before midnight.
    origin = max(0, opens - _ceil_div(opens - first, step) * step)
    row_count = max(1, _ceil_div(last - origin, step))

    links = Links()
    starts: dict[int, dict[int, Cell]] = {column.key: {} for column in columns}
    for column in columns:
        open_cell: tuple[int, Cell] | None = None
        for key, appointment, start, end in spans:
            if key != column.key:
                continue
            first_row = (start - origin) // step
            end_row = max(first_row + 1, _ceil_div(end - origin, step))
            entry = Entry.of(appointment, links, zone)
            if open_cell and first_row < open_cell[0] + open_cell[1].rowspan:
                row, cell = open_cell
                cell.entries.append(entry)
                cell.rowspan = max(cell.rowspan, end_row - row)
            else:
                cell = Cell(column.key, [entry], end_row - first_row)
                starts[column.key][first_row] = cell
                open_cell = (first_row, cell)

    rows: list[Row] = []
    covered_until = {column.key: 0 for column in columns}
    for index in range(row_count):
        minutes = (origin + index * step) % MINUTES_PER_DAY
        cells = []
        for column in columns:
            cell = starts[column.key].get(index)
            if cell is not None:
                cells.append(cell)
                covered_until[column.key] = index + cell.rowspan
            elif index >= covered_until[column.key]:
                cells.append(empty(column, minutes))
        rows.append(Row(time(minutes // 60, minutes % 60), cells))
    return rows


def _empty_cell(
    column: Column,
    day: date,
    minutes: int,
    *,
    closed: bool,
    step: int,
    opening: dict[int, list[tuple[time, time]]],
    zone: ZoneInfo,
    now: datetime | None,
) -> Cell:
    """An empty cell: shaded when the clinic is `closed` that day or outside its opening hours; a slot to
    book when open, the column at work and still to come."""
    is_open = not closed and _is_open(day, minutes, step, opening)
    at = datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=zone)
    bookable = is_open and not column.off_reason and (now is None or at > now)
    return Cell(column.key, open=is_open, slot=at if bookable else None)


def day_grid(
    *,
    day: date,
    zone: ZoneInfo,
    by: str,
    appointments: Sequence[Appointment],
    clinicians: Sequence,
    rooms: Sequence[Room],
    opening: dict[int, list[tuple[time, time]]],
    closures: Iterable[Closure],
    step_minutes: int,
    now: datetime | None = None,
) -> DayGrid:
    """One column per clinician (or room), one row per slot step from opening to closing time.

    Rows are local wall-clock times, so a day with a DST change still reads 08:00, 08:15, ...
    Appointments outside opening hours widen the grid rather than disappear, and a clinician or
    room no longer active gets a column when it has appointments that day.
    """
    step = max(step_minutes, 1)
    closures = [c for c in closures if c.starts_on <= day <= c.ends_on]
    clinic_closures = [c for c in closures if c.clinician_id is None]
    clinician_closures = [c for c in closures if c.clinician_id is not None]
    days_off = {c.clinician_id: c.reason for c in clinician_closures}

    if by == BY_ROOM:
        columns = [Column(room.pk, room.name) for room in rooms]
        extra = {a.room_id: a.room for a in appointments}
        columns += [Column(pk, room.name) for pk, room in extra.items() if pk not in {c.key for c in columns}]
    else:
        columns = [Column(user.pk, person_label(user), days_off.get(user.pk, "")) for user in clinicians]
        extra = {a.clinician_id: a.clinician for a in appointments}
        columns += [
            Column(pk, person_label(user), days_off.get(pk, ""))
            for pk, user in extra.items()
            if pk not in {c.key for c in columns}
        ]

    opens, closes, open_today = _opening_minutes(day, opening)
    spans = [
        (_column_key(a, by), a, _wall_minutes(a.starts_at, day, zone), _wall_minutes(a.ends_at, day, zone))
        for a in appointments
    ]
    rows = _grid_rows(
        columns,
        spans,
        opens=opens,
        closes=closes,
        step=step,
        zone=zone,
        empty=lambda column, minutes: _empty_cell(
            column, day, minutes, closed=bool(clinic_closures), step=step, opening=opening, zone=zone, now=now
        ),
    )

    return DayGrid(
        columns=columns,
        rows=rows,
        step_minutes=step,
        open_today=open_today,
        clinic_closures=clinic_closures,
        clinician_closures=clinician_closures,
    )


# --- The week ---------------------------------------------------------------------------------


@dataclass
class WeekDay:
    day: date
    entries: list[Entry]
    clinic_closures: list[Closure]
    clinician_closures: list[Closure]


def week_days(
    *, days: Sequence[date], zone: ZoneInfo, appointments: Iterable[Appointment], closures: Iterable[Closure]
) -> list[WeekDay]:
    """The week's appointments under the local day they start on (one that began the Sunday before shows on Monday)."""
    by_day: dict[date, list[Entry]] = defaultdict(list)
    links = Links()
    for appointment in appointments:
        start_day = min(max(appointment.starts_at.astimezone(zone).date(), days[0]), days[-1])
        by_day[start_day].append(Entry.of(appointment, links, zone))
    closures = list(closures)
    return [
        WeekDay(
            day=day,
            entries=by_day[day],
            clinic_closures=[c for c in closures if c.clinician_id is None and c.starts_on <= day <= c.ends_on],
            clinician_closures=[c for c in closures if c.clinician_id is not None and c.starts_on <= day <= c.ends_on],
        )
        for day in days
    ]


def week_grid(
    *,
    days: Sequence[date],
    zone: ZoneInfo,
    appointments: Iterable[Appointment],
    opening: dict[int, list[tuple[time, time]]],
    closures: Iterable[Closure],
    step_minutes: int,
    now: datetime | None = None,
) -> DayGrid:
    """The week as a time grid: one column per day, one row per step from the week's earliest opening
    to its latest closing, each appointment spanning its length; a day the clinic is closed, and the
    times outside a day's opening hours, shaded."""
    step = max(step_minutes, 1)
    closures = list(closures)
    closed = {day: next((c.reason for c in closures if c.clinician_id is None and c.starts_on <= day <= c.ends_on), "")
              for day in days}  # fmt: skip
    columns = [Column(day.toordinal(), day.strftime("%a %d %b"), closed[day]) for day in days]
    spans = []
    for appointment in appointments:
        day = min(max(appointment.starts_at.astimezone(zone).date(), days[0]), days[-1])
        start = _wall_minutes(appointment.starts_at, day, zone)
        end = max(start + 1, _wall_minutes(appointment.ends_at, day, zone))
        spans.append((day.toordinal(), appointment, start, end))
    all_spans = [span for spans_of_day in opening.values() for span in spans_of_day]
    by_key = {day.toordinal(): day for day in days}
    rows = _grid_rows(
        columns,
        spans,
        opens=min((_minutes(s) for s, _ in all_spans), default=_minutes(DEFAULT_OPENS)),
        closes=max((_minutes(e) for _, e in all_spans), default=_minutes(DEFAULT_CLOSES)),
        step=step,
        zone=zone,
        empty=lambda column, minutes: _empty_cell(
            column,
            by_key[column.key],
            minutes,
            closed=bool(column.off_reason),
            step=step,
            opening=opening,
            zone=zone,
            now=now,
        ),  # fmt: skip
    )
    return DayGrid(
        columns=columns,
        rows=rows,
        step_minutes=step,
        open_today=True,
        clinic_closures=[c for c in closures if c.clinician_id is None],
        clinician_closures=[c for c in closures if c.clinician_id is not None],
    )


# --- The iCalendar feed -----------------------------------------------------------------------


def patient_initials(patient) -> str:
    return "".join(f"{name.strip()[0].upper()}." for name in (patient.given_name, patient.family_name) if name.strip())


def feed_summary(appointment: Appointment) -> str:
    """What a phone's calendar shows. Never the patient's name: the feed leaves the clinic's systems."""
    patient = appointment.patient
    what = "Cryotherapy review" if appointment.is_review else "Cryotherapy"
    return f"{what} – {patient_initials(patient)} ({patient.mrn}) · {status_label(appointment.status)}"


def ics_document(
    *,
    appointments: Iterable[Appointment],
    calendar_name: str,
    now: datetime,
    link: Callable[[Appointment], str],
) -> bytes:
    """An iCalendar (RFC 5545) document with one event per appointment, times in UTC."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//CryoCare//Clinic schedule//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", calendar_name)
    stamp = now.astimezone(UTC)
    for appointment in appointments:
        event = icalendar.Event()
        event.add("uid", f"appointment-{appointment.pk}@cryocare")
        event.add("dtstamp", stamp)
        event.add("dtstart", appointment.starts_at.astimezone(UTC))
        event.add("dtend", appointment.ends_at.astimezone(UTC))
        event.add("summary", feed_summary(appointment))
        event.add("location", appointment.room.name)
        event.add("status", "TENTATIVE" if appointment.status == AppointmentStatus.REQUESTED else "CONFIRMED")
        event.add("description", f"Status: {status_label(appointment.status)}. Details in CryoCare.")
        event.add("url", link(appointment))
        calendar.add_component(event)
    return calendar.to_ical()
