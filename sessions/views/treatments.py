"""The treatment record of a visit: record the treatment of a scar, addenda, adverse events."""

from functools import partial

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from patients.access import Need, access
from protocols.services import clinic_parameters
from sessions import services
from sessions.forms import (
    AddendumForm,
    AdverseEventForm,
    EnteredInErrorForm,
    ResolveForm,
    TreatmentForm,
    schedule_error_on_form,
)
from sessions.models import SessionAdverseEvent, TreatmentSession

TREATMENTS = TreatmentSession.objects.select_related("scar")


@require_http_methods(["GET", "POST"])
def treatment_edit(request: HttpRequest, session_id: int) -> HttpResponse:
    session = access(request, TREATMENTS, session_id, Need.CLINICAL_WRITE)
    if session.locked:
        messages.info(request, "This session is signed and locked: add an addendum for any correction.")
        return redirect("sessions:appointment", session.appointment_id)
    parameters = clinic_parameters()
    form = TreatmentForm(request.POST or None, instance=session, parameters=parameters)
    decisions = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.treatment_update(
                session=session,
                data={name: value for name, value in data.items() if name != "override_reason"},
                parameters=parameters,
                user=request.user,
                override_reason=data["override_reason"],
            )
        except services.ScheduleError as error:
            schedule_error_on_form(form, error)
            decisions = [e.decision for e in error.evaluations]
        else:
            messages.success(request, f"Treatment of {session.scar.label} saved.")
            return redirect("sessions:appointment", session.appointment_id)
    context = {
        "form": form,
        "session": session,
        "patient": session.appointment.patient,
        "parameters": parameters,
        "decisions": decisions,
    }
    return render(request, "sessions/treatment_form.html", context)


@require_POST
def addendum_add(request: HttpRequest, session_id: int) -> HttpResponse:
    session = access(request, TREATMENTS, session_id, Need.CLINICAL_WRITE)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            services.addendum_add(session=session, user=request.user, **form.cleaned_data)
        except services.AlreadySubmitted as error:
            messages.info(request, f"Addendum: {error.message}")
        else:
            messages.success(request, "Addendum added.")
    else:
        messages.error(request, "Addendum not added: " + " ".join(form.errors.get("text", [])))
    return redirect("sessions:appointment", session.appointment_id)


@require_POST
def adverse_event_add(request: HttpRequest, session_id: int) -> HttpResponse:
    session = access(request, TREATMENTS, session_id, Need.CLINICAL_WRITE)
    form = AdverseEventForm(request.POST)
    if not form.is_valid():
        fields = ", ".join(form.errors)
        messages.error(request, f"Adverse event not recorded: check {fields}.")
    else:
        try:
            services.adverse_event_add(session=session, user=request.user, **form.cleaned_data)
        except services.AlreadySubmitted as error:
            messages.info(request, f"Adverse event: {error.message}")
        except services.ScheduleError as error:
            messages.error(request, f"Adverse event not recorded: {error.message}")
        else:
            messages.success(request, "Adverse event recorded.")
    return redirect("sessions:appointment", session.appointment_id)


def _mark_entered_in_error(request: HttpRequest, mark, appointment_id: int) -> HttpResponse:
    """Run `mark(reason=..., user=...)`; the outcome is shown on the appointment page."""
    form = EnteredInErrorForm(request.POST)
    try:
        mark(reason=form.data.get("entered_in_error_reason", ""), user=request.user)
    except services.ScheduleError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Marked entered in error: kept in the record, left out of every decision.")
    return redirect("sessions:appointment", appointment_id)


@require_POST
def treatment_entered_in_error(request: HttpRequest, session_id: int) -> HttpResponse:
    session = access(request, TREATMENTS, session_id, Need.CLINICAL_WRITE)
    mark = partial(services.treatment_mark_entered_in_error, session=session)
    return _mark_entered_in_error(request, mark, session.appointment_id)


@require_POST
def adverse_event_entered_in_error(request: HttpRequest, event_id: int) -> HttpResponse:
    event = access(request, SessionAdverseEvent.objects.select_related("session"), event_id, Need.CLINICAL_WRITE)
    mark = partial(services.adverse_event_mark_entered_in_error, event=event)
    return _mark_entered_in_error(request, mark, event.session.appointment_id)


@require_POST
def adverse_event_resolve(request: HttpRequest, event_id: int) -> HttpResponse:
    event = access(request, SessionAdverseEvent, event_id, Need.CLINICAL_WRITE)
    form = ResolveForm(request.POST)
    try:
        if not form.is_valid():
            raise services.ScheduleError("Give the date it resolved.")
        services.adverse_event_resolve(event=event, resolved_on=form.cleaned_data["resolved_on"], user=request.user)
        messages.success(request, "Adverse event marked resolved.")
    except services.ScheduleError as error:
        messages.error(request, error.message)
    return redirect("sessions:appointment", event.session.appointment_id)
