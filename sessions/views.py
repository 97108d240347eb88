from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_http_methods, require_POST

from patients.access import access_scar, require_clinic_staff
from patients.models import ScarStatus
from protocols.services import clinic_parameters
from sessions import selectors, services
from sessions.access import access_adverse_event, access_appointment, access_treatment
from sessions.forms import AddendumForm, AdverseEventForm, BookingForm, ReasonForm, ResolveForm, SlotForm, TreatmentForm
from sessions.models import AppointmentStatus, Clinic, Room
from sessions.slots import find_slots


def _booking_window(scar, today):
    """The scar's window, or for a first session the next six weeks."""
    window = selectors.scar_window(scar=scar)
    if window is not None:
        return window, window.earliest, window.latest
    parameters = clinic_parameters()
    return None, today, today + timedelta(days=parameters["max_interval_days"])


def _slot_initial(request: HttpRequest, clinic: Clinic) -> dict:
    initial = {"minutes": clinic.default_visit_minutes}
    slot = parse_datetime(request.GET.get("slot", "") or "")
    if slot is not None:
        initial["starts_at"] = timezone.localtime(slot) if timezone.is_aware(slot) else slot
    for key in ("clinician", "room"):
        if request.GET.get(key, "").isdigit():
            initial[key] = int(request.GET[key])
    return initial


def _schedule_error(form, error: services.ScheduleError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


@require_http_methods(["GET", "POST"])
def appointment_book(request: HttpRequest, scar_id: int) -> HttpResponse:
    require_clinic_staff(request.user)
    scar = access_scar(request, scar_id)
    patient = scar.patient
    clinic = Clinic.current()
    today = timezone.localdate()
    window, earliest, latest = _booking_window(scar, today)
    scars = [s for s in patient.scars.all() if s.status == ScarStatus.ACTIVE]
    initial = _slot_initial(request, clinic) | {f"treat_{scar.pk}": True}
    form = BookingForm(request.POST or None, scars=scars, initial=initial)
    evaluations = []
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
            _schedule_error(form, error)
            evaluations = error.evaluations
        else:
            if appointment.status == AppointmentStatus.REQUESTED:
                messages.warning(
                    request, "Booked as a request: the protocol needs a clinician's override before it is confirmed."
                )
            else:
                messages.success(request, f"Booked for {timezone.localtime(appointment.starts_at):%Y-%m-%d %H:%M}.")
            return redirect("schedule:appointment", appointment.pk)
    slots = find_slots(
        patient=patient,
        earliest=earliest,
        latest=latest,
        minutes=clinic.default_visit_minutes,
        now=timezone.now(),
        limit=12,
    )
    context = {
        "scar": scar,
        "patient": patient,
        "form": form,
        "window": window,
        "earliest": earliest,
        "latest": latest,
        "slots": slots,
        "evaluations": evaluations,
        "has_rooms": Room.objects.filter(active=True).exists(),
    }
    return render(request, "sessions/book.html", context)


def appointment_detail(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = access_appointment(request, appointment_id)
    planned = list(appointment.planned.select_related("scar", "booking_evaluation__override__created_by"))
    treatments = list(
        appointment.treatments.select_related("scar", "completed_by", "treat_evaluation").prefetch_related(
            "adverse_events", "addenda__author"
        )
    )
    context = {
        "appointment": appointment,
        "patient": appointment.patient,
        "planned": planned,
        "treatments": treatments,
        "reason_form": ReasonForm(),
        "adverse_event_form": AdverseEventForm(),
        "resolve_form": ResolveForm(initial={"resolved_on": timezone.localdate()}),
        "addendum_form": AddendumForm(),
        "transitions": services.TRANSITIONS[appointment.status],
        "statuses": AppointmentStatus,
        "refusals": request.session.pop("schedule_refusal", []),
    }
    return render(request, "sessions/appointment.html", context)


ACTIONS = {"approve", "check_in", "cancel", "no_show", "complete"}


@require_POST
def appointment_action(request: HttpRequest, appointment_id: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    appointment = access_appointment(request, appointment_id, write=True)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    user = request.user
    try:
        if action == "approve":
            services.appointment_approve(appointment=appointment, user=user, reason=reason)
            messages.success(request, "Booking approved with your override.")
        elif action == "check_in":
            services.appointment_check_in(appointment=appointment, user=user, override_reason=reason)
            messages.success(request, "Checked in. Record the treatment of each scar.")
        elif action == "cancel":
            services.appointment_cancel(appointment=appointment, user=user, reason=reason)
            messages.success(request, "Appointment cancelled.")
        elif action == "no_show":
            services.appointment_no_show(appointment=appointment, user=user)
            messages.success(request, "Marked as no-show.")
        elif action == "complete":
            services.appointment_complete(appointment=appointment, user=user)
            messages.success(request, "Session signed and locked. The scars' next windows are updated.")
    except services.ScheduleError as error:
        messages.error(request, error.message)
        if error.evaluations:
            # Show the findings that stopped it on the appointment page.
            request.session["schedule_refusal"] = [e.decision for e in error.evaluations]
    return redirect("schedule:appointment", appointment.pk)


@require_http_methods(["GET", "POST"])
def appointment_reschedule(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = access_appointment(request, appointment_id, write=request.method == "POST")
    initial = {
        "starts_at": timezone.localtime(appointment.starts_at),
        "minutes": appointment.minutes,
        "clinician": appointment.clinician_id,
        "room": appointment.room_id,
    }
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
            _schedule_error(form, error)
            evaluations = error.evaluations
        else:
            messages.success(request, "Appointment moved.")
            return redirect("schedule:appointment", appointment.pk)
    return render(
        request,
        "sessions/reschedule.html",
        {"appointment": appointment, "patient": appointment.patient, "form": form, "evaluations": evaluations},
    )


@require_http_methods(["GET", "POST"])
def treatment_edit(request: HttpRequest, session_id: int) -> HttpResponse:
    session = access_treatment(request, session_id, write=True)
    if session.locked:
        messages.info(request, "This session is signed and locked: add an addendum for any correction.")
        return redirect("schedule:appointment", session.appointment_id)
    parameters = clinic_parameters()
    form = TreatmentForm(request.POST or None, instance=session, parameters=parameters)
    if request.method == "POST" and form.is_valid():
        try:
            services.treatment_update(session=session, data=form.cleaned_data, parameters=parameters, user=request.user)
        except services.ScheduleError as error:
            _schedule_error(form, error)
        else:
            messages.success(request, f"Treatment of {session.scar.label} saved.")
            return redirect("schedule:appointment", session.appointment_id)
    return render(
        request,
        "sessions/treatment_form.html",
        {"form": form, "session": session, "patient": session.appointment.patient, "parameters": parameters},
    )


@require_POST
def addendum_add(request: HttpRequest, session_id: int) -> HttpResponse:
    session = access_treatment(request, session_id, write=True)
    form = AddendumForm(request.POST)
    if form.is_valid():
        services.addendum_add(session=session, text=form.cleaned_data["text"], user=request.user)
        messages.success(request, "Addendum added.")
    else:
        messages.error(request, "Addendum not added: " + " ".join(form.errors.get("text", [])))
    return redirect("schedule:appointment", session.appointment_id)


@require_POST
def adverse_event_add(request: HttpRequest, session_id: int) -> HttpResponse:
    session = access_treatment(request, session_id, write=True)
    form = AdverseEventForm(request.POST)
    if form.is_valid():
        services.adverse_event_add(session=session, user=request.user, **form.cleaned_data)
        messages.success(request, "Adverse event recorded.")
    else:
        messages.error(request, "Adverse event not recorded: choose one from the list.")
    return redirect("schedule:appointment", session.appointment_id)


@require_POST
def adverse_event_resolve(request: HttpRequest, event_id: int) -> HttpResponse:
    event = access_adverse_event(request, event_id)
    form = ResolveForm(request.POST)
    try:
        if not form.is_valid():
            raise services.ScheduleError("Give the date it resolved.")
        services.adverse_event_resolve(event=event, resolved_on=form.cleaned_data["resolved_on"], user=request.user)
        messages.success(request, "Adverse event marked resolved.")
    except services.ScheduleError as error:
        messages.error(request, error.message)
    return redirect("schedule:appointment", event.session.appointment_id)
