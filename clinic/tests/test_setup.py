import datetime

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from clinic.models import Clinic, Closure, OpeningHours, Room, WorkingHours
from sessions.models import Appointment, TreatmentSession
from sessions.tests.factories import RoomFactory

SETTINGS_URL = reverse("clinic:settings")
CLINIC = {
    "clinic-name": "Clínica Norte",
    "clinic-address": "Calle Mayor 1\nMadrid",
    "clinic-phone": "+34 910 000 000",
    "clinic-after_hours_advice": "Call 112 in an emergency.",
    "clinic-time_zone": "Europe/Madrid",
    "clinic-default_visit_minutes": "30",
    "clinic-slot_step_minutes": "15",
    "clinic-reminder_hours_before": "48",
    "clinic-daily_messages_at": "07:30",
}


SECTIONS = {"opening_hours": "opening-hours", "room": "rooms", "closure": "closures", "working_hours": "working-hours"}


def _url(name: str, *args) -> str:
    """The set-up page's URLs by what they do: "closure_add", "opening_hours_delete", "room_set_active"."""
    if name == "closure_add":  # through the schedule, which lists the visits a closure falls on
        return reverse("sessions:closure_add")
    row, _, action = name.rpartition("_")
    if action in ("add", "delete"):
        return reverse(f"clinic:row_{'add' if action == 'add' else 'remove'}", args=[SECTIONS[row], *args])
    return reverse(f"clinic:{name}", args=args)


def test_clinic_admin_sees_the_set_up_page(admin_client_):
    response = admin_client_.get(SETTINGS_URL)
    assert response.status_code == 200
    assert response.context["clinic_form"].instance == Clinic.current()


def test_clinic_admin_sets_when_reminders_and_the_daily_messages_go(admin_client_):
    response = admin_client_.post(
        SETTINGS_URL, CLINIC | {"clinic-reminder_hours_before": "24", "clinic-daily_messages_at": "06:45"}
    )
    assert response.status_code == 302
    clinic = Clinic.current()
    assert (clinic.reminder_hours_before, clinic.daily_messages_at) == (24, datetime.time(6, 45))


@pytest.mark.parametrize("hours", ["0", "169", "two"])
def test_a_reminder_time_outside_1_to_168_hours_is_refused_on_its_field(admin_client_, hours):
    response = admin_client_.post(SETTINGS_URL, CLINIC | {"clinic-reminder_hours_before": hours})
    assert response.status_code == 200
    assert "reminder_hours_before" in response.context["clinic_form"].errors
    assert Clinic.current().reminder_hours_before == 48


def test_clinic_admin_saves_clinic_details_and_time_zone(admin_client_):
    response = admin_client_.post(SETTINGS_URL, CLINIC)
    assert response.status_code == 302
    clinic = Clinic.current()
    assert (clinic.name, clinic.phone, clinic.time_zone) == ("Clínica Norte", "+34 910 000 000", "Europe/Madrid")
    assert clinic.after_hours_advice == "Call 112 in an emergency."


def test_an_unknown_time_zone_is_refused_on_the_field(admin_client_):
    response = admin_client_.post(SETTINGS_URL, CLINIC | {"clinic-time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 200
    assert "time_zone" in response.context["clinic_form"].errors
    assert Clinic.current().time_zone != "Mars/Olympus_Mons"


def test_a_visit_shorter_than_5_minutes_is_refused_on_the_field(admin_client_):
    response = admin_client_.post(
        SETTINGS_URL, CLINIC | {"clinic-default_visit_minutes": "4", "clinic-slot_step_minutes": "0"}
    )
    assert response.status_code == 200
    errors = response.context["clinic_form"].errors
    assert "default_visit_minutes" in errors and "slot_step_minutes" in errors
    assert Clinic.current().default_visit_minutes == 30


def test_clinician_is_refused_the_set_up_page(clinician_client):
    assert clinician_client.get(SETTINGS_URL).status_code == 403
    assert clinician_client.post(SETTINGS_URL, CLINIC).status_code == 403
    assert Clinic.current().name != "Clínica Norte"


def test_clinician_cannot_change_set_up_rows(clinician_client):
    hours = OpeningHours.objects.create(weekday=0, opens=datetime.time(9), closes=datetime.time(13))
    room = RoomFactory()
    assert clinician_client.post(_url("opening_hours_delete", hours.pk)).status_code == 403
    assert clinician_client.post(_url("room_set_active", room.pk), {"active": "0"}).status_code == 403
    assert clinician_client.post(_url("room_add"), {"room-name": "Room X"}).status_code == 403
    assert OpeningHours.objects.filter(pk=hours.pk).exists()
    assert Room.objects.get(pk=room.pk).active
    assert not Room.objects.filter(name="Room X").exists()


def test_user_without_a_clinic_role_gets_404(client, outsider):
    client.force_login(outsider)
    assert client.get(SETTINGS_URL).status_code == 404
    assert client.post(_url("closure_add"), {}).status_code == 404


def test_admin_adds_and_removes_opening_hours(admin_client_):
    response = admin_client_.post(
        _url("opening_hours_add"), {"hours-weekday": "2", "hours-opens": "09:00", "hours-closes": "14:00"}
    )
    assert response.status_code == 302
    hours = OpeningHours.objects.get()
    assert (hours.weekday, hours.opens, hours.closes) == (2, datetime.time(9), datetime.time(14))
    assert admin_client_.post(_url("opening_hours_delete", hours.pk)).status_code == 302
    assert not OpeningHours.objects.exists()


def test_opening_hours_that_close_before_they_open_are_refused_on_the_field(admin_client_):
    response = admin_client_.post(
        _url("opening_hours_add"), {"hours-weekday": "2", "hours-opens": "14:00", "hours-closes": "09:00"}
    )
    assert response.status_code == 200
    assert "closes" in response.context["hours_form"].errors
    assert not OpeningHours.objects.exists()


def test_overlapping_opening_hours_on_one_day_are_refused(admin_client_):
    OpeningHours.objects.create(weekday=2, opens=datetime.time(9), closes=datetime.time(13))
    response = admin_client_.post(
        _url("opening_hours_add"), {"hours-weekday": "2", "hours-opens": "12:00", "hours-closes": "17:00"}
    )
    assert response.status_code == 200
    assert "opens" in response.context["hours_form"].errors
    assert "(Wednesday 09:00–13:00)" in response.context["hours_form"].errors["opens"][0]  # names the clash
    assert OpeningHours.objects.count() == 1


def test_opening_hours_with_a_missing_time_are_refused_without_a_crash(admin_client_):
    response = admin_client_.post(_url("opening_hours_add"), {"hours-weekday": "9", "hours-opens": "25:99"})
    assert response.status_code == 200
    assert set(response.context["hours_form"].errors) == {"weekday", "opens", "closes"}


def test_admin_adds_a_room_and_deactivates_it_rather_than_deleting(admin_client_):
    assert admin_client_.post(_url("room_add"), {"room-name": "  Cryo unit 2 "}).status_code == 302
    room = Room.objects.get()
    assert (room.name, room.active) == ("Cryo unit 2", True)
    admin_client_.post(_url("room_set_active", room.pk), {"active": "0"})
    room.refresh_from_db()
    assert not room.active
    admin_client_.post(_url("room_set_active", room.pk), {"active": "1"})
    room.refresh_from_db()
    assert room.active


def test_a_duplicate_room_name_is_refused_on_the_field(admin_client_):
    RoomFactory(name="Room A")
    response = admin_client_.post(_url("room_add"), {"room-name": "Room A"})
    assert response.status_code == 200
    assert "name" in response.context["room_form"].errors
    assert Room.objects.count() == 1


def test_admin_adds_a_clinic_wide_closure_and_a_clinicians_day_off(admin_client_, clinician):
    # Upcoming closures are listed: dates from today's, so the test holds whatever the clock says.
    today = timezone.localdate()
    holiday, day_off = today + datetime.timedelta(days=40), today + datetime.timedelta(days=10)
    admin_client_.post(
        _url("closure_add"),
        {
            "closure-starts_on": f"{holiday:%Y-%m-%d}",
            "closure-ends_on": f"{holiday + datetime.timedelta(days=2):%Y-%m-%d}",
            "closure-reason": "Christmas",
        },
    )
    admin_client_.post(
        _url("closure_add"),
        {
            "closure-starts_on": f"{day_off:%Y-%m-%d}",
            "closure-ends_on": f"{day_off:%Y-%m-%d}",
            "closure-clinician": clinician.pk,
            "closure-reason": "Conference",
        },
    )
    assert list(Closure.objects.values_list("reason", "clinician", "starts_on", "ends_on")) == [
        ("Conference", clinician.pk, day_off, day_off),
        ("Christmas", None, holiday, holiday + datetime.timedelta(days=2)),
    ]
    page = admin_client_.get(SETTINGS_URL)
    assert [c.reason for c in page.context["closures"]] == ["Conference", "Christmas"]


def test_a_closure_that_ends_before_it_starts_is_refused_on_the_field(admin_client_):
    response = admin_client_.post(
        _url("closure_add"),
        {"closure-starts_on": "2030-12-26", "closure-ends_on": "2030-12-24", "closure-reason": "Christmas"},
    )
    assert response.status_code == 200
    assert "ends_on" in response.context["form"].errors
    assert not Closure.objects.exists()


def test_a_closure_for_someone_who_is_not_a_clinician_is_refused(admin_client_, clinic_admin):
    response = admin_client_.post(
        _url("closure_add"),
        {
            "closure-starts_on": "2030-10-01",
            "closure-ends_on": "2030-10-01",
            "closure-clinician": clinic_admin.pk,
            "closure-reason": "Day off",
        },
    )
    assert "clinician" in response.context["form"].errors
    assert not Closure.objects.exists()


def test_admin_removes_a_closure(admin_client_):
    closure = Closure.objects.create(
        starts_on=datetime.date(2030, 1, 1), ends_on=datetime.date(2030, 1, 1), reason="New year"
    )
    assert admin_client_.post(_url("closure_delete", closure.pk)).status_code == 302
    assert not Closure.objects.exists()


def test_admin_adds_and_removes_a_clinicians_working_hours(admin_client_, clinician):
    response = admin_client_.post(
        _url("working_hours_add"),
        {"work-clinician": clinician.pk, "work-weekday": "0", "work-starts": "08:30", "work-ends": "15:00"},
    )
    assert response.status_code == 302
    hours = WorkingHours.objects.get()
    assert (hours.clinician, hours.weekday, hours.starts, hours.ends) == (
        clinician,
        0,
        datetime.time(8, 30),
        datetime.time(15),
    )
    admin_client_.post(_url("working_hours_delete", hours.pk))
    assert not WorkingHours.objects.exists()


def test_working_hours_that_end_before_they_start_are_refused_on_the_field(admin_client_, clinician):
    response = admin_client_.post(
        _url("working_hours_add"),
        {"work-clinician": clinician.pk, "work-weekday": "0", "work-starts": "15:00", "work-ends": "15:00"},
    )
    assert response.status_code == 200
    assert "ends" in response.context["work_form"].errors
    assert not WorkingHours.objects.exists()


def test_working_hours_for_someone_who_is_not_a_clinician_are_refused(admin_client_, clinic_admin):
    response = admin_client_.post(
        _url("working_hours_add"),
        {"work-clinician": clinic_admin.pk, "work-weekday": "0", "work-starts": "08:00", "work-ends": "15:00"},
    )
    assert "clinician" in response.context["work_form"].errors
    assert not WorkingHours.objects.exists()


def test_overlapping_working_hours_of_one_clinician_are_refused(admin_client_, clinician):
    WorkingHours.objects.create(clinician=clinician, weekday=0, starts=datetime.time(8), ends=datetime.time(12))
    response = admin_client_.post(
        _url("working_hours_add"),
        {"work-clinician": clinician.pk, "work-weekday": "0", "work-starts": "11:00", "work-ends": "15:00"},
    )
    assert "starts" in response.context["work_form"].errors
    name = clinician.get_full_name() or clinician.get_username()
    assert f"({name}, Monday 08:00–12:00)" in response.context["work_form"].errors["starts"][0]
    assert WorkingHours.objects.count() == 1


def test_clinic_admin_role_may_keep_the_set_up_in_the_django_admin(clinic_admin):
    for model in ("clinic", "openinghours", "room", "workinghours", "closure"):
        for action in ("view", "add", "change"):
            assert clinic_admin.has_perm(f"clinic.{action}_{model}"), (action, model)


@pytest.mark.django_db
def test_django_admin_never_deletes_or_edits_clinical_records(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    for model in (Appointment, TreatmentSession):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_delete_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_add_permission(request)
        assert model_admin.has_view_permission(request)


def test_an_unknown_set_up_section_is_404(admin_client_):
    assert admin_client_.post(reverse("clinic:row_add", args=["patients"])).status_code == 404
    assert admin_client_.post(reverse("clinic:row_remove", args=["rooms", 1])).status_code == 404
