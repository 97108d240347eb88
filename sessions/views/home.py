"""The home page: what waits for the user today, by role. A clinician sees their visits with the next
step of each, the requests waiting for their decision, their unsigned records and the adverse events
to follow up; a clinic admin sees the whole clinic's day, the worklist's counts, the requests waiting
and the closures coming."""

from datetime import timedelta

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clinic.models import Clinic, Closure
from patients.access import Need, log_list, require
from patients.roles import CLINIC_ADMIN, is_clinician, user_roles
from sessions import calendar, selectors, worklist
from sessions.models import AppointmentScar, AppointmentStatus

SHOWN = 20  # rows of each list; a count says how many there are in all
FOLLOW_UP_DAYS = 30
CLOSURES_AHEAD_DAYS = 30
NEXT_STEP = {
    AppointmentStatus.REQUESTED: "Approve or decline",
    AppointmentStatus.SCHEDULED: "Check in",
    AppointmentStatus.CHECKED_IN: "Record and sign",
    AppointmentStatus.COMPLETED: "Done",
    AppointmentStatus.NO_SHOW: "Missed",
}


def home(request: HttpRequest) -> HttpResponse:
    require(request.user, Need.READ)
    clinic = Clinic.current()
    today = clinic.date_of()
    start, end = calendar.local_bounds(today, today, clinic.zone)
    roles = user_roles(request.user)
    context = {"today": today, "clinician_view": is_clinician(request.user), "admin_view": CLINIC_ADMIN in roles}
    rows = 0
    if context["clinician_view"]:
        visits = list(selectors.appointments_between(start=start, end=end, clinician=request.user))
        requests = selectors.requests_waiting(today=today, clinician=request.user)
        unsigned = selectors.unsigned_records(clinician=request.user)
        events = selectors.adverse_events_to_follow(
            clinician=request.user, since=today - timedelta(days=FOLLOW_UP_DAYS)
        )
        context["mine"] = {
            "visits": [(v, NEXT_STEP.get(v.status, "")) for v in visits],
            "requests": list(requests[:SHOWN]),
            "requests_count": requests.count(),
            "unsigned": list(unsigned[:SHOWN]),
            "unsigned_count": unsigned.count(),
            "events": list(events[:SHOWN]),
            "follow_up_days": FOLLOW_UP_DAYS,
        }
        rows += len(visits) + len(context["mine"]["requests"]) + len(context["mine"]["unsigned"])
    if context["admin_view"]:
        visits = list(selectors.appointments_between(start=start, end=end))
        counts = worklist.due_counts(worklist.due_scars(today=today))
        closures = Closure.objects.filter(
            ends_on__gte=today, starts_on__lte=today + timedelta(days=CLOSURES_AHEAD_DAYS)
        ).select_related("clinician")
        requests = selectors.requests_waiting(today=today)
        context["clinic"] = {
            "visits": [(v, NEXT_STEP.get(v.status, "")) for v in visits],
            "due": [(state, state.label, counts[state]) for state in worklist.STATES],
            "to_reschedule": selectors.visits_to_reschedule().count(),
            "requests": list(requests[:SHOWN]),
            "requests_count": requests.count(),
            "closures": list(closures.order_by("starts_on")),
            "closures_ahead_days": CLOSURES_AHEAD_DAYS,
        }
        rows += len(visits) + len(context["clinic"]["requests"])
    log_list(request, "home", rows=rows)
    return render(request, "sessions/home.html", context)


def requests_queue(request: HttpRequest) -> HttpResponse:
    """Booking requests waiting for a clinician, each with the engine's findings at booking, to
    approve (with the override's reason) or decline (cancel, with the reason) in place. A clinician
    sees their own first (`?all=1` shows everyone's)."""
    require(request.user, Need.READ)
    today = Clinic.current().date_of()
    mine = is_clinician(request.user) and request.GET.get("all") != "1"
    requests = selectors.requests_waiting(today=today, clinician=request.user if mine else None).prefetch_related(
        Prefetch("planned", queryset=AppointmentScar.objects.select_related("scar", "booking_evaluation"))
    )
    page = Paginator(requests, SHOWN).get_page(request.GET.get("page"))
    log_list(request, "requests", rows=len(page.object_list))
    return render(request, "sessions/requests.html", {"page": page, "mine": mine})
