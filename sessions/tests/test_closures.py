"""A closure added over booked visits: listed first, confirmed, then flagged *to reschedule* on the
worklist (the visits stay booked; moving one clears its flag)."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from clinic.models import Clinic, Closure, WorkingHours
from patients.tests.factories import ScarFactory
from sessions import services
from sessions.models import Appointment, AppointmentKind, AppointmentStatus
from sessions.tests.factories import AppointmentFactory, AppointmentScarFactory, ClinicianFactory, RoomFactory

UTC = datetime.UTC
ADD_URL = reverse("sessions:closure_add")
NOW = datetime.datetime(2026, 11, 22, 9, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


pytestmark = pytest.mark.usefixtures("open_every_day")


def _visit(clinician, room, when: datetime.datetime, status=AppointmentStatus.SCHEDULED) -> Appointment:
    """A review visit of one scar (moving it asks the engine nothing)."""
    visit = AppointmentFactory(
        clinician=clinician,
        room=room,
        starts_at=when,
        ends_at=when + datetime.timedelta(minutes=30),
        status=status,
        cancel_reason="Patient unwell" if status == AppointmentStatus.CANCELLED else "",
        kind=AppointmentKind.REVIEW,
    )
    AppointmentScarFactory(appointment=visit, scar=ScarFactory(patient=visit.patient), technique="")
    return visit


def _closure(starts_on="2026-12-08", ends_on="2026-12-08", clinician=None, reason="Staff training", **extra):
    data = {"closure-starts_on": starts_on, "closure-ends_on": ends_on, "closure-reason": reason, **extra}
    if clinician is not None:
        data["closure-clinician"] = clinician.pk
    return data


@pytest.fixture
def visits(clinician, room):
    """On 2026-12-08: a scheduled and a requested visit (in the closure), a cancelled and a completed
    one (not); and a scheduled visit the day after."""
    day = datetime.datetime(2026, 12, 8, 10, tzinfo=UTC)
    return {
        "scheduled": _visit(clinician, room, day),
        "requested": _visit(clinician, room, day + datetime.timedelta(hours=1), AppointmentStatus.REQUESTED),
        "cancelled": _visit(clinician, room, day + datetime.timedelta(hours=2), AppointmentStatus.CANCELLED),
        "completed": _visit(clinician, room, day + datetime.timedelta(hours=3), AppointmentStatus.COMPLETED),
        "next_day": _visit(clinician, room, day + datetime.timedelta(days=1)),
    }


def _flagged() -> set[int]:
    return set(Appointment.objects.exclude(reschedule_reason="").values_list("pk", flat=True))


def test_a_closure_over_booked_visits_lists_them_and_saves_nothing_yet(admin_client_, visits):
    response = admin_client_.post(ADD_URL, _closure())
    assert response.status_code == 200
    assert [v.pk for v in response.context["visits"]] == [visits["scheduled"].pk, visits["requested"].pk]
    page = response.content.decode()
    assert page.count('class="closure-visit"') == 2
    assert "Add the closure and flag 2 visits to reschedule" in page
    assert not Closure.objects.exists() and not _flagged()


def test_confirmed_the_closure_is_added_and_its_visits_flagged_to_reschedule(admin_client_, visits, clinic_admin):
    shown = admin_client_.post(ADD_URL, _closure()).context["visits"]
    response = admin_client_.post(
        ADD_URL, {**_closure(), "confirm": "1", "visit": [str(v.pk) for v in shown]}, follow=True
    )
    assert response.redirect_chain[-1][0].endswith("#closures")
    assert "2 booked visits are flagged to reschedule" in response.content.decode()
    assert Closure.objects.get().reason == "Staff training"
    assert _flagged() == {visits["scheduled"].pk, visits["requested"].pk}
    scheduled = Appointment.objects.get(pk=visits["scheduled"].pk)
    assert scheduled.reschedule_reason == "The clinic is closed that day (Staff training)."
    assert scheduled.status == AppointmentStatus.SCHEDULED  # flagged, never moved or cancelled
    assert scheduled.history.first().history_user == clinic_admin


def test_the_worklist_lists_the_visits_to_reschedule_until_they_are_moved(admin_client_, visits, clinician, room):
    shown = admin_client_.post(ADD_URL, _closure()).context["visits"]
    admin_client_.post(ADD_URL, {**_closure(), "confirm": "1", "visit": [str(v.pk) for v in shown]})
    worklist = admin_client_.get(reverse("sessions:due"))
    assert worklist.context["to_reschedule_count"] == 2
    assert [a.pk for a in worklist.context["to_reschedule"]] == [visits["scheduled"].pk, visits["requested"].pk]
    assert 'id="count-to-reschedule">2<' in worklist.content.decode()
    services.appointment_reschedule(
        appointment=visits["scheduled"],
        starts_at=datetime.datetime(2026, 12, 10, 10, tzinfo=UTC),
        minutes=30,
        clinician=clinician,
        room=room,
        user=clinician,
    )
    assert _flagged() == {visits["requested"].pk}
    assert admin_client_.get(reverse("sessions:due")).context["to_reschedule_count"] == 1
    page = admin_client_.get(reverse("sessions:appointment", args=[visits["requested"].pk])).content.decode()
    assert 'id="to-reschedule"' in page and "Staff training" in page


def test_moving_a_flagged_visit_to_the_closed_day_is_refused(admin_client_, visits, clinician, room):
    shown = admin_client_.post(ADD_URL, _closure()).context["visits"]
    admin_client_.post(ADD_URL, {**_closure(), "confirm": "1", "visit": [str(v.pk) for v in shown]})
    with pytest.raises(services.ScheduleError, match="The clinic is closed"):
        services.appointment_reschedule(
            appointment=visits["scheduled"],
            starts_at=datetime.datetime(2026, 12, 8, 15, tzinfo=UTC),
            minutes=30,
            clinician=clinician,
            room=room,
            user=clinician,
        )
    assert _flagged() == {visits["scheduled"].pk, visits["requested"].pk}


def test_a_visit_booked_after_the_list_was_shown_is_shown_before_anything_is_saved(
    admin_client_, visits, clinician, room
):
    shown = admin_client_.post(ADD_URL, _closure()).context["visits"]
    late = _visit(clinician, room, datetime.datetime(2026, 12, 8, 16, tzinfo=UTC))
    response = admin_client_.post(ADD_URL, {**_closure(), "confirm": "1", "visit": [str(v.pk) for v in shown]})
    assert response.status_code == 200
    assert late.pk in {v.pk for v in response.context["visits"]}
    assert not Closure.objects.exists() and not _flagged()


def test_a_clinicians_day_off_flags_only_that_clinicians_visits(admin_client_, visits, room):
    colleague = ClinicianFactory(username="colleague")
    WorkingHours.objects.create(clinician=colleague, weekday=1, starts=datetime.time(8), ends=datetime.time(18))
    others = _visit(colleague, RoomFactory(name="Room B"), datetime.datetime(2026, 12, 8, 12, tzinfo=UTC))
    response = admin_client_.post(ADD_URL, _closure(clinician=colleague, reason="Conference"))
    assert [v.pk for v in response.context["visits"]] == [others.pk]
    admin_client_.post(
        ADD_URL, {**_closure(clinician=colleague, reason="Conference"), "confirm": "1", "visit": others.pk}
    )
    assert _flagged() == {others.pk}
    assert Appointment.objects.get(pk=others.pk).reschedule_reason == "The clinician is away that day (Conference)."


def test_the_closures_days_are_the_clinics_days(admin_client_, clinician, room):
    clinic = Clinic.current()
    clinic.time_zone = "Europe/Madrid"
    clinic.save()
    # 23:30 UTC on 7 December is 00:30 on 8 December in Madrid.
    late = _visit(clinician, room, datetime.datetime(2026, 12, 7, 23, 30, tzinfo=UTC))
    early = _visit(clinician, room, datetime.datetime(2026, 12, 7, 22, 0, tzinfo=UTC))  # 23:00 on the 7th
    response = admin_client_.post(ADD_URL, _closure())
    assert [v.pk for v in response.context["visits"]] == [late.pk]
    assert early.pk not in {v.pk for v in response.context["visits"]}


def test_a_closure_over_no_visit_is_added_at_once(admin_client_, visits):
    response = admin_client_.post(ADD_URL, _closure(starts_on="2026-12-24", ends_on="2026-12-26", reason="Christmas"))
    assert response.status_code == 302
    assert Closure.objects.get().reason == "Christmas" and not _flagged()


def test_a_bad_closure_is_refused_on_the_field(admin_client_, visits):
    response = admin_client_.post(ADD_URL, _closure(starts_on="2026-12-26", ends_on="2026-12-24"))
    assert response.status_code == 200
    assert "ends_on" in response.context["form"].errors
    response = admin_client_.post(ADD_URL, _closure(starts_on="not a date"))
    assert response.status_code == 200 and "starts_on" in response.context["form"].errors
    assert not Closure.objects.exists() and not _flagged()


def test_only_a_clinic_admin_adds_closures(clinician_client, visits):
    assert clinician_client.post(ADD_URL, {**_closure(), "confirm": "1"}).status_code == 403
    assert not Closure.objects.exists() and not _flagged()


def test_the_set_up_page_sends_closures_through_the_schedule(admin_client_):
    page = admin_client_.get(reverse("clinic:settings")).content.decode()
    assert f'action="{ADD_URL}"' in page
