"""The calendar pages (day and week) and each clinician's private iCalendar feed."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from clinic.models import Clinic
from patients.access import Need, access, log_list, require
from patients.models import AccessEvent
from sessions import calendar, services
from sessions.models import Appointment, AppointmentStatus
from sessions.selectors import appointments_between
from sessions.views.params import id_param


def _day_from_query(request: HttpRequest):
    day, valid = calendar.parse_day(request.GET.get("date"), today=timezone.localdate())
    if not valid:
        messages.warning(request, "That date could not be read (use YYYY-MM-DD), so today is shown.")
    return day


@require_GET
def calendar_day(request: HttpRequest) -> HttpResponse:
    require(request.user, Need.READ)
    day = _day_from_query(request)
    by = calendar.BY_ROOM if request.GET.get("by") == calendar.BY_ROOM else calendar.BY_CLINICIAN
    clinic = Clinic.current()
    start, end = calendar.local_bounds(day, day, clinic.zone)
    appointments = list(appointments_between(start=start, end=end))
    log_list(request, "day calendar", rows=len(appointments))
    grid = calendar.day_grid(
        day=day,
        zone=clinic.zone,
        by=by,
        appointments=appointments,
        clinicians=calendar.active_clinicians(),
        rooms=calendar.active_rooms(),
        opening=calendar.opening_spans(),
        closures=calendar.closures_between(day, day),
        step_minutes=clinic.slot_step_minutes,
        now=timezone.now(),
    )
    # Moving a visit: the free times link to its reschedule form (the engine checks the new date there).
    moving = None
    if (move_id := id_param(request.GET.get("move"))) is not None:
        moving = access(request, Appointment.objects.select_related("patient"), move_id)
        if moving.status not in (AppointmentStatus.SCHEDULED, AppointmentStatus.REQUESTED):
            messages.warning(request, f"A {moving.get_status_display().lower()} visit cannot be moved.")
            moving = None
    context = {
        "moving": moving,
        "day": day,
        "by": by,
        # Each entry names what its column does not: the room under a clinician, and the reverse.
        "also_show": calendar.BY_CLINICIAN if by == calendar.BY_ROOM else calendar.BY_ROOM,
        "grid": grid,
        "cancelled": [calendar.Entry.of(a) for a in calendar.cancelled_between(start=start, end=end)],
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "today": timezone.localdate(),
    }
    return render(request, "sessions/calendar_day.html", context)


@require_GET
def calendar_week(request: HttpRequest) -> HttpResponse:
    require(request.user, Need.READ)
    day = _day_from_query(request)
    clinicians = calendar.active_clinicians()
    clinician = next((c for c in clinicians if str(c.pk) == request.GET.get("clinician")), None)
    clinic = Clinic.current()
    days = calendar.week_of(day)
    start, end = calendar.local_bounds(days[0], days[-1], clinic.zone)
    closures = calendar.closures_between(days[0], days[-1])
    if clinician is not None:
        closures = [c for c in closures if c.clinician_id in (None, clinician.pk)]
    appointments = list(appointments_between(start=start, end=end, clinician=clinician))
    log_list(request, "week calendar", rows=len(appointments))
    context = {
        "day": day,
        "week": calendar.week_days(
            days=days,
            zone=clinic.zone,
            appointments=appointments,
            closures=closures,
        ),
        "grid": calendar.week_grid(
            days=days,
            zone=clinic.zone,
            appointments=appointments,
            opening=calendar.opening_spans(),
            closures=closures,
            step_minutes=max(clinic.slot_step_minutes, 30),  # a week reads in half hours at most
            now=timezone.now(),
        ),
        # Each entry names what the grid does not: room (one clinician's week) or clinician and room.
        "also_show": "room" if clinician else "both",
        "clinicians": [(c, calendar.person_label(c)) for c in clinicians],
        "clinician": clinician,
        "clinician_label": calendar.person_label(clinician) if clinician else "",
        "previous_week": days[0] - timedelta(days=7),
        "next_week": days[0] + timedelta(days=7),
        "today": timezone.localdate(),
    }
    return render(request, "sessions/calendar_week.html", context)


@require_http_methods(["GET", "POST"])
def calendar_feed(request: HttpRequest) -> HttpResponse:
    """The clinician's own feed address; regenerating it cuts off every calendar that used the old one."""
    require(request.user, Need.OWN_CALENDAR)
    feed = services.calendar_feed_get_or_create(clinician=request.user)
    if request.method == "POST":
        services.calendar_feed_regenerate(feed=feed)
        messages.success(request, "A new feed address was created. The old address no longer works.")
        return redirect("sessions:calendar_feed")
    feed_url = request.build_absolute_uri(reverse("sessions:ical_feed", args=[feed.token]))
    return render(request, "sessions/calendar_feed.html", {"feed": feed, "feed_url": feed_url})


@login_not_required
@require_safe  # calendar apps may ask with HEAD first
def ical_feed(request: HttpRequest, token: str) -> HttpResponse:
    """Public by design (calendar apps cannot log in): the secret token is the only key."""
    feed = calendar.calendar_feed_by_token(token)
    if feed is None:
        return HttpResponseNotFound("Not found.\n", content_type="text/plain; charset=utf-8")
    now = timezone.now()
    appointments = list(
        appointments_between(start=now - calendar.FEED_PAST, end=now + calendar.FEED_AHEAD, clinician=feed.clinician)
    )
    # The token stands for its clinician: the calendar app's fetch is logged as theirs.
    log_list(request, "calendar feed", rows=len(appointments), action=AccessEvent.Action.EXPORT, user=feed.clinician)
    body = calendar.ics_document(
        appointments=appointments,
        calendar_name=f"CryoCare – {calendar.person_label(feed.clinician)}",
        now=now,
        link=lambda a: request.build_absolute_uri(reverse("sessions:appointment", args=[a.pk])),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="cryocare.ics"'
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
