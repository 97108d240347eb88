"""The clinic set-up page for clinic admins: details, opening hours, rooms, closures, working hours."""

import zoneinfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from clinic import services
from clinic.forms import ClinicForm, ClosureForm, OpeningHoursForm, RoomForm, WorkingHoursForm
from clinic.models import Clinic, Closure, OpeningHours, Room, WorkingHours
from patients.access import Need, require

PREFIXES = {
    "clinic_form": "clinic",
    "hours_form": "hours",
    "room_form": "room",
    "closure_form": "closure",
    "work_form": "work",
}


# The set-up rows that can be removed, by the page section they are listed in (rooms are only
# deactivated: past appointments keep pointing at them).
REMOVABLE = {
    "opening-hours": (OpeningHours, "Opening hours removed: {row}."),
    "closures": (Closure, "Closure removed."),
    "working-hours": (WorkingHours, "Working hours removed."),
}


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
    return render(request, "clinic/setup.html", context)


def _back(section: str) -> HttpResponse:
    return redirect(f"{reverse('clinic:settings')}#{section}")


@require_http_methods(["GET", "POST"])
def clinic_settings(request: HttpRequest) -> HttpResponse:
    require(request.user, Need.CLINIC_SETUP)
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
    require(request.user, Need.CLINIC_SETUP)
    return _add(
        request,
        form_key="hours_form",
        form_class=OpeningHoursForm,
        service=services.opening_hours_add,
        section="opening-hours",
        saved="Opening hours added.",
    )


@require_POST
def room_add(request: HttpRequest) -> HttpResponse:
    require(request.user, Need.CLINIC_SETUP)
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
    require(request.user, Need.CLINIC_SETUP)
    room = get_object_or_404(Room, pk=room_id)
    active = request.POST.get("active") == "1"
    services.room_set_active(room=room, active=active)
    messages.success(request, f"{room} {'activated' if active else 'deactivated'}.")
    return _back("rooms")


@require_POST
def closure_add(request: HttpRequest) -> HttpResponse:
    require(request.user, Need.CLINIC_SETUP)
    return _add(
        request,
        form_key="closure_form",
        form_class=ClosureForm,
        service=services.closure_add,
        section="closures",
        saved="Closure added.",
    )


@require_POST
def working_hours_add(request: HttpRequest) -> HttpResponse:
    require(request.user, Need.CLINIC_SETUP)
    return _add(
        request,
        form_key="work_form",
        form_class=WorkingHoursForm,
        service=services.working_hours_add,
        section="working-hours",
        saved="Working hours added.",
    )


@require_POST
def setup_row_remove(request: HttpRequest, section: str, row_id: int) -> HttpResponse:
    """Remove opening hours, a closure or working hours from the set-up."""
    require(request.user, Need.CLINIC_SETUP)
    if section not in REMOVABLE:
        raise Http404
    model, removed = REMOVABLE[section]
    row = get_object_or_404(model, pk=row_id)
    services.setup_row_remove(row=row)
    messages.success(request, removed.format(row=row))
    return _back(section)
