"""Booking and the appointment's status changes: book, approve, check in, cancel, no-show, complete and
sign, reschedule."""

from contextlib import contextmanager
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clinic.models import Clinic, Room
from patients.access import Need, access, log_list, require
from patients.models import Scar, ScarStatus
from patients.roles import clinician_users
from patients.selectors import patient_search
from protocols.models import Outcome, ProtocolParameters
from protocols.window import WindowState
from sessions import decisions, selectors, services
from sessions.forms import (
    AddendumForm,
    AdverseEventForm,
    BookingForm,
    CheckInForm,
    ReasonForm,
    ResolveForm,
    ReviewBookingForm,
    SlotForm,
    schedule_error_on_form,
)
from sessions.models import Appointment, AppointmentStatus
from sessions.slots import find_slots, free_room
from sessions.views.params import datetime_param, id_param

APPOINTMENTS = Appointment.objects.select_related("clinician", "room", "booked_by")


def _slot_initial(request: HttpRequest, clinic: Clinic) -> dict:
    initial = {"minutes": clinic.default_visit_minutes}
    slot = datetime_param(request.GET.get("slot"))
    if slot is not None:
        initial["starts_at"] = timezone.localtime(slot) if timezone.is_aware(slot) else slot
    for key in ("clinician", "room"):
        if (pk := id_param(request.GET.get(key))) is not None:
            initial[key] = pk
    if "starts_at" in initial and "room" not in initial:
        starts_at = initial["starts_at"]
        aware = starts_at if timezone.is_aware(starts_at) else timezone.make_aware(starts_at)
        room = free_room(starts_at=aware, minutes=initial["minutes"])
        if room is not None:
            initial["room"] = room.pk
    return initial


BOOK_AT_SHOWN = 10  # patients found


def book_at(request: HttpRequest) -> HttpResponse:
    """A free time clicked on the calendar: find the patient, then book one of their scars there
    (the booking page opens with the time, clinician or room filled in)."""
    require(request.user, Need.SCHEDULE_WRITE)
    slot = datetime_param(request.GET.get("slot"))
    chosen = {key: pk for key in ("clinician", "room") if (pk := id_param(request.GET.get(key))) is not None}
    keep = urlencode({**({"slot": request.GET["slot"]} if slot else {}), **chosen})
    query = request.GET.get("q", "").strip()[:100]
    patients = list(patient_search(query=query)[:BOOK_AT_SHOWN]) if query else []
    scars = Scar.objects.filter(patient__in=patients, status=ScarStatus.ACTIVE).order_by("pk")
    by_patient = {p.pk: [] for p in patients}
    for scar in scars:
        by_patient[scar.patient_id].append(scar)
    if query:
        log_list(request, "book at: patient search", rows=len(patients))
    context = {
        "slot": timezone.make_aware(slot) if slot and timezone.is_naive(slot) else slot,
        "clinician": clinician_users().filter(pk=chosen.get("clinician")).first() if "clinician" in chosen else None,
        "room": Room.objects.filter(pk=chosen.get("room")).first() if "room" in chosen else None,
        "keep": keep,
        "query": query,
        "results": [(p, by_patient[p.pk]) for p in patients],
    }
    return render(request, "sessions/book_at.html", context)


SLOTS_OFFERED = 12


def _offered_slots(*, patient, clinic: Clinic, earliest, latest) -> list:
    """The first free slots of a visit of the clinic's default length between the two dates."""
    return find_slots(
        patient=patient,
        earliest=earliest,
        latest=latest,
        minutes=clinic.default_visit_minutes,
        now=timezone.now(),
        limit=SLOTS_OFFERED,
    )


@require_http_methods(["GET", "POST"])
def appointment_book(request: HttpRequest, scar_id: int) -> HttpResponse:
    scar = access(request, Scar, scar_id, Need.SCHEDULE_WRITE if request.method == "POST" else Need.READ)
    patient = scar.patient
    clinic = Clinic.current()
    today = timezone.localdate()
    window, earliest, latest = selectors.scar_booking_range(scar=scar, today=today)
    scars = [s for s in patient.scars.all() if s.status == ScarStatus.ACTIVE]
    initial = _slot_initial(request, clinic) | {f"treat_{scar.pk}": True}
    form = BookingForm(request.POST or None, scars=scars, initial=initial)
    evaluations, existing = [], None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appointment = services.appointment_book(
                patient=patient,
                planned=[services.PlannedScar(scar=s, technique=t) for s, t in form.planned()],
                clinician=data["clinician"],
                room=data["room"],
                starts_at=data["starts_at"],
                minutes=data["minutes"],
                user=request.user,
                override_reason=data["override_reason"],
                notes=data["notes"],
            )
        except services.ScheduleError as error:
            schedule_error_on_form(form, error)
            evaluations, existing = error.evaluations, error.existing
        else:
            if appointment.status == AppointmentStatus.REQUESTED:
                messages.warning(
                    request, "Booked as a request: the protocol needs a clinician's override before it is confirmed."
                )
            else:
                messages.success(request, f"Booked for {timezone.localtime(appointment.starts_at):%Y-%m-%d %H:%M}.")
            return redirect("sessions:appointment", appointment.pk)
    # The scar's decision comes first: a blocked scar is offered no slot.
    decision = decisions.scar_decision_or_errors(scar=scar, on_date=max(earliest, today))
    slots = []
    if decision.get("outcome") not in (Outcome.BLOCKED, None):
        slots = _offered_slots(patient=patient, clinic=clinic, earliest=earliest, latest=latest)
    context = {
        "scar": scar,
        "patient": patient,
        "form": form,
        "window": window,
        "overdue": window is not None and window.state(today) == WindowState.OVERDUE,
        "decision": decision,
        "earliest": earliest,
        "latest": latest,
        "slots": slots,
        "evaluations": evaluations,
        "existing": existing,
        "has_rooms": Room.objects.filter(active=True).exists(),
    }
    return render(request, "sessions/book.html", context)


@require_http_methods(["GET", "POST"])
def review_book(request: HttpRequest, scar_id: int) -> HttpResponse:
    """Book a review visit (assessment and follow-up, no freezing): offered whatever the protocol
    decides for freezing, blocked included (RULES.md §6a)."""
    scar = access(request, Scar, scar_id, Need.SCHEDULE_WRITE if request.method == "POST" else Need.READ)
    patient = scar.patient
    clinic = Clinic.current()
    today = clinic.date_of()
    initial = _slot_initial(request, clinic) | {f"review_{scar.pk}": True}
    form = ReviewBookingForm(request.POST or None, scars=patient.scars.all(), initial=initial)
    existing = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            appointment = services.review_book(
                patient=patient,
                scars=form.chosen(),
                clinician=data["clinician"],
                room=data["room"],
                starts_at=data["starts_at"],
                minutes=data["minutes"],
                user=request.user,
                notes=data["notes"],
            )
        except services.ScheduleError as error:
            schedule_error_on_form(form, error)
            existing = error.existing
        else:
            messages.success(request, f"Review booked for {timezone.localtime(appointment.starts_at):%Y-%m-%d %H:%M}.")
            return redirect("sessions:appointment", appointment.pk)
    latest = today + timedelta(days=ProtocolParameters.current().max_interval_days)
    slots = _offered_slots(patient=patient, clinic=clinic, earliest=today, latest=latest)
    context = {
        "scar": scar,
        "patient": patient,
        "form": form,
        "slots": slots,
        "earliest": today,
        "latest": latest,
        "existing": existing,
        "has_rooms": Room.objects.filter(active=True).exists(),
    }
    return render(request, "sessions/book_review.html", context)


def appointment_detail(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = access(request, APPOINTMENTS, appointment_id)
    planned = list(appointment.planned.select_related("scar", "booking_evaluation__override__created_by"))
    treatments = list(
        appointment.treatments.select_related("scar", "completed_by", "treat_evaluation").prefetch_related(
            "adverse_events", "addenda__author"
        )
    )
    # Before signing: what each open record still lacks, as links to its fields.
    to_sign = [t for t in treatments if t.completed_at is None and not t.entered_in_error]
    missing = [(t, services.completion_missing(t)) for t in to_sign]
    missing = [(t, problems) for t, problems in missing if problems]
    context = {
        "appointment": appointment,
        "patient": appointment.patient,
        "planned": planned,
        "treatments": treatments,
        "missing": missing,
        "ready_to_sign": bool(to_sign) and not missing,
        "first_to_record": missing[0][0] if missing else None,
        "reason_form": ReasonForm(),
        "adverse_event_form": AdverseEventForm(),
        "resolve_form": ResolveForm(initial={"resolved_on": timezone.localdate()}),
        "addendum_form": AddendumForm(),
        "transitions": services.TRANSITIONS[appointment.status],
        "statuses": AppointmentStatus,
        "refusals": request.session.pop("schedule_refusal", []),
    }
    return render(request, "sessions/appointment.html", context)


def _reason(request: HttpRequest) -> str:
    form = ReasonForm(request.POST)
    return form.cleaned_data["reason"] if form.is_valid() else ""


def _back(request: HttpRequest, appointment: Appointment) -> HttpResponse:
    """Back to the requests queue when the form came from it (a fixed name, never a URL from the
    request); otherwise to the appointment."""
    if request.POST.get("back") == "requests":
        return redirect("sessions:requests")
    return redirect("sessions:appointment", appointment.pk)


@contextmanager
def _refusal_shown(request: HttpRequest):
    """A status change the schedule refuses is shown on the appointment page, with the findings behind it."""
    try:
        yield
    except services.ScheduleError as error:
        messages.error(request, error.message)
        if error.evaluations:
            request.session["schedule_refusal"] = [e.decision for e in error.evaluations]


@require_POST
def appointment_approve(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """A clinician approves a clinic admin's booking request, giving the override's reason."""
    appointment = access(request, APPOINTMENTS, appointment_id, Need.SCHEDULE_WRITE)
    with _refusal_shown(request):
        services.appointment_approve(appointment=appointment, user=request.user, reason=_reason(request))
        messages.success(request, f"Booking of {appointment.patient.full_name} approved with your override.")
    return _back(request, appointment)


@require_http_methods(["GET", "POST"])
def appointment_check_in(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """Check the patient in: today's findings per scar (and pregnancy status where asked), then the
    engine decides at stage `treat` from them; each scar gets a treatment record."""
    need = Need.SCHEDULE_WRITE if request.method == "POST" else Need.READ
    appointment = access(request, APPOINTMENTS, appointment_id, need)
    today = Clinic.current().date_of()
    # A review visit asks nothing: no freeze, so no treat-stage decision to make (RULES.md §6a).
    scars = [] if appointment.is_review else [row.scar for row in appointment.planned.select_related("scar")]
    ask_pregnancy = not appointment.is_review and services.pregnancy_asked(appointment.patient, today)
    form = CheckInForm(request.POST if request.method == "POST" else None, scars=scars, ask_pregnancy=ask_pregnancy)
    evaluations = []
    if request.method == "POST" and form.is_valid():
        try:
            services.appointment_check_in(
                appointment=appointment,
                user=request.user,
                scars_today=form.scars_today(),
                pregnancy_status=form.cleaned_data.get("pregnancy_status", ""),
                override_reason=form.cleaned_data["override_reason"],
            )
        except services.ScheduleError as error:
            schedule_error_on_form(form, error)
            evaluations = error.evaluations
        else:
            if appointment.is_review:
                messages.success(request, "Checked in for review. Record the assessment on each scar's page.")
            else:
                messages.success(request, "Checked in. Record the treatment of each scar.")
            return redirect("sessions:appointment", appointment.pk)
    context = {"appointment": appointment, "patient": appointment.patient, "form": form, "evaluations": evaluations}
    return render(request, "sessions/check_in.html", context)


@require_POST
def appointment_cancel(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = access(request, APPOINTMENTS, appointment_id, Need.SCHEDULE_WRITE)
    with _refusal_shown(request):
        requested = appointment.status == AppointmentStatus.REQUESTED
        services.appointment_cancel(appointment=appointment, user=request.user, reason=_reason(request))
        done = f"Request of {appointment.patient.full_name} declined." if requested else "Appointment cancelled."
        messages.success(request, done)
    return _back(request, appointment)


@require_POST
def appointment_no_show(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = access(request, APPOINTMENTS, appointment_id, Need.SCHEDULE_WRITE)
    with _refusal_shown(request):
        services.appointment_no_show(appointment=appointment, user=request.user)
        messages.success(request, "Marked as no-show.")
    return redirect("sessions:appointment", appointment.pk)


@require_POST
def appointment_complete(request: HttpRequest, appointment_id: int) -> HttpResponse:
    """Complete and sign: the visit's treatment records are signed and locked."""
    appointment = access(request, APPOINTMENTS, appointment_id, Need.SCHEDULE_WRITE)
    with _refusal_shown(request):
        services.appointment_complete(appointment=appointment, user=request.user)
        messages.success(request, "Session signed and locked. The scars' next windows are updated.")
    return redirect("sessions:appointment", appointment.pk)


@require_http_methods(["GET", "POST"])
def appointment_reschedule(request: HttpRequest, appointment_id: int) -> HttpResponse:
    need = Need.SCHEDULE_WRITE if request.method == "POST" else Need.READ
    appointment = access(request, APPOINTMENTS, appointment_id, need)
    initial = {
        "starts_at": timezone.localtime(appointment.starts_at),
        "minutes": appointment.minutes,
        "clinician": appointment.clinician_id,
        "room": appointment.room_id,
    }
    # A time chosen on the calendar (move): it only fills the form; nothing moves until it is sent.
    initial |= {k: v for k, v in _slot_initial(request, Clinic.current()).items() if k != "minutes"}
    form = SlotForm(request.POST or None, initial=initial)
    evaluations = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.appointment_reschedule(
                appointment=appointment,
                starts_at=data["starts_at"],
                minutes=data["minutes"],
                clinician=data["clinician"],
                room=data["room"],
                user=request.user,
                override_reason=data["override_reason"],
            )
        except services.ScheduleError as error:
            schedule_error_on_form(form, error)
            evaluations = error.evaluations
        else:
            messages.success(request, "Appointment moved.")
            return redirect("sessions:appointment", appointment.pk)
    return render(
        request,
        "sessions/reschedule.html",
        {"appointment": appointment, "patient": appointment.patient, "form": form, "evaluations": evaluations},
    )
