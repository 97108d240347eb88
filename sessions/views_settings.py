"""The clinic set-up page for clinic admins: details, opening hours, rooms, closures, working hours."""

import zoneinfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from patients.access import is_clinic_admin, require_clinic_staff
from sessions import services_settings as services
from sessions.forms_settings import ClinicForm, ClosureForm, OpeningHoursForm, RoomForm, WorkingHoursForm
from sessions.models import Clinic, Closure, OpeningHours, Room, WorkingHours

PREFIXES = {
    "clinic_form": "clinic",
    "hours_form": "hours",
    "room_form": "room",
    "closure_form": "closure",
    "work_form": "work",
}


def require_clinic_admin(user) -> None:
    """Set-up is the clinic admins' job: a clinician is refused, a user without a role sees nothing."""
    require_clinic_staff(user)
    if not is_clinic_admin(user):
        raise PermissionDenied("Only clinic admins can change the clinic set-up.")


def _settings_page(request: HttpRequest, *, clinic: Clinic | None = None, **bound) -> HttpResponse:
    """The whole page; a form that failed comes in `bound` and shows its errors in place."""
    clinic = clinic or Clinic.current()
    forms = {
        "clinic_form": ClinicForm(instance=clinic, prefix=PREFIXES["clinic_form"]),
        "hours_form": OpeningHoursForm(prefix=PREFIXES["hours_form"]),
        "room_form": RoomForm(prefix=PREFIXES["room_form"]),
        "closure_form": ClosureForm(prefix=PREFIXES["closure_form"]),
        "work_form": WorkingHoursForm(prefix=PREFIXES["work_form"]),
    }
    forms.update(bound)
    context = {
        **forms,
        "clinic": clinic,
        "opening_hours": OpeningHours.objects.all(),
        "rooms": Room.objects.all(),
        # Past closures stay in the Django admin; the page keeps to what still affects booking.
        "closures": Closure.objects.filter(ends_on__gte=timezone.localdate()).select_related("clinician"),
        "working_hours": WorkingHours.objects.select_related("clinician"),
        "time_zones": sorted(zoneinfo.available_timezones()),
    }
    return render(request, "sessions/settings.html", context)


def _back(section: str) -> HttpResponse:
    return redirect(f"{reverse('schedule:settings')}#{section}")


@require_http_methods(["GET", "POST"])
def clinic_settings(request: HttpRequest) -> HttpResponse:
    require_clinic_admin(request.user)
    if request.method != "POST":
        return _settings_page(request)
    clinic = Clinic.current()
    form = ClinicForm(request.POST, instance=clinic, prefix=PREFIXES["clinic_form"])
    if form.is_valid():
        services.clinic_update(clinic=clinic, data=form.cleaned_data)
        messages.success(request, "Clinic details saved.")
        return _back("details")
    return _settings_page(request, clinic=Clinic.current(), clinic_form=form)


def _add(request: HttpRequest, *, form_key: str, form_class, service, section: str, saved: str) -> HttpResponse:
    form = form_class(request.POST, prefix=PREFIXES[form_key])
    if form.is_valid():
        try:
            service(**form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, saved)
            return _back(section)
    return _settings_page(request, **{form_key: form})


@require_POST
def opening_hours_add(request: HttpRequest) -> HttpResponse:
    require_clinic_admin(request.user)
    return _add(
        request,
        form_key="hours_form",
        form_class=OpeningHoursForm,
        service=services.opening_hours_add,
        section="opening-hours",
        saved="Opening hours added.",
    )


@require_POST
def opening_hours_delete(request: HttpRequest, hours_id: int) -> HttpResponse:
    require_clinic_admin(request.user)
    hours = get_object_or_404(OpeningHours, pk=hours_id)
    services.opening_hours_delete(opening_hours=hours)
    messages.success(request, f"Opening hours removed: {hours}.")
    return _back("opening-hours")


@require_POST
def room_add(request: HttpRequest) -> HttpResponse:
    require_clinic_admin(request.user)
    return _add(
        request,
        form_key="room_form",
        form_class=RoomForm,
        service=services.room_add,
        section="rooms",
        saved="Room added.",
    )


@require_POST
def room_set_active(request: HttpRequest, room_id: int) -> HttpResponse:
    require_clinic_admin(request.user)
    room = get_object_or_404(Room, pk=room_id)
    active = request.POST.get("active") == "1"
    services.room_set_active(room=room, active=active)
    messages.success(request, f"{room} {'activated' if active else 'deactivated'}.")
    return _back("rooms")


@require_POST
def closure_add(request: HttpRequest) -> HttpResponse:
    require_clinic_admin(request.user)
    return _add(
        request,
        form_key="closure_form",
        form_class=ClosureForm,
        service=services.closure_add,
        section="closures",
        saved="Closure added.",
    )


@require_POST
def closure_delete(request: HttpRequest, closure_id: int) -> HttpResponse:
    require_clinic_admin(request.user)
    closure = get_object_or_404(Closure, pk=closure_id)
    services.closure_delete(closure=closure)
    messages.success(request, "Closure removed.")
    return _back("closures")


@require_POST
def working_hours_add(request: HttpRequest) -> HttpResponse:
    require_clinic_admin(request.user)
    return _add(
        request,
        form_key="work_form",
        form_class=WorkingHoursForm,
        service=services.working_hours_add,
        section="working-hours",
        saved="Working hours added.",
    )


@require_POST
def working_hours_delete(request: HttpRequest, hours_id: int) -> HttpResponse:
    require_clinic_admin(request.user)
    hours = get_object_or_404(WorkingHours, pk=hours_id)
    services.working_hours_delete(working_hours=hours)
    messages.success(request, "Working hours removed.")
    return _back("working-hours")
