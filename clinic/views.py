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


# The set-up rows that can be added, by the page section they are listed in: the form (by its key
# on the page), the service that adds the row and the message once it is added. Closures are added
# through the schedule (`sessions:closure_add`), which first lists the booked visits they fall on.
ADDABLE = {
    "opening-hours": ("hours_form", OpeningHoursForm, services.opening_hours_add, "Opening hours added."),
    "rooms": ("room_form", RoomForm, services.room_add, "Room added."),
    "working-hours": ("work_form", WorkingHoursForm, services.working_hours_add, "Working hours added."),
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


@require_POST
def setup_row_add(request: HttpRequest, section: str) -> HttpResponse:
    """Add opening hours, a room, a closure or working hours; a refused row shows its errors in place."""
    require(request.user, Need.CLINIC_SETUP)
    if section not in ADDABLE:
        raise Http404
    form_key, form_class, service, saved = ADDABLE[section]
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
def room_set_active(request: HttpRequest, room_id: int) -> HttpResponse:
    require(request.user, Need.CLINIC_SETUP)
    room = get_object_or_404(Room, pk=room_id)
    active = request.POST.get("active") == "1"
    services.room_set_active(room=room, active=active)
    messages.success(request, f"{room} {'activated' if active else 'deactivated'}.")
    return _back("rooms")


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
