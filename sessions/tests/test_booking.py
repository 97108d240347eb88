import datetime
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from clinic.models import Closure, WorkingHours
from patients.tests.factories import ConditionFactory, ScarAssessmentFactory, ScarFactory
from protocols.models import Evaluation, Override
from sessions import services
from sessions.models import Appointment, AppointmentStatus
from sessions.tests.factories import ClinicianFactory, TreatmentSessionFactory, all_clear

UTC = datetime.UTC


def booked():
    """Appointments made by the test (the treated scar's past, completed one aside)."""
    return Appointment.objects.exclude(status=AppointmentStatus.COMPLETED)


pytestmark = pytest.mark.usefixtures("open_every_day")


@pytest.fixture
def treated_scar(scar, clinician):
    """A scar assessed and treated once, 2026-11-02."""
    ScarAssessmentFactory(scar=scar, assessor=clinician, assessed_on=datetime.date(2026, 10, 20))
    TreatmentSessionFactory(
        scar=scar,
        performed_on=datetime.date(2026, 11, 2),
        completed_by=clinician,
        completed_at=datetime.datetime(2026, 11, 2, 12, tzinfo=UTC),
    )
    return scar


def _book(scar, clinician, room, user, day: datetime.date, reason: str = "", hour: int = 10):
    return services.appointment_book(
        patient=scar.patient,
        planned=[services.PlannedScar(scar=scar, technique="contact")],
        clinician=clinician,
        room=room,
        starts_at=datetime.datetime.combine(day, datetime.time(hour), tzinfo=UTC),
        minutes=30,
        user=user,
        override_reason=reason,
    )


def test_booking_inside_the_window_is_scheduled_with_its_evaluation(treated_scar, clinician, room):
    appointment = _book(treated_scar, clinician, room, clinician, datetime.date(2026, 11, 23))  # day 21
    assert appointment.status == AppointmentStatus.SCHEDULED
    planned = appointment.planned.get()
    assert planned.booking_evaluation.outcome == "eligible"
    assert planned.booking_evaluation.purpose == Evaluation.Purpose.BOOKING
    assert planned.booking_evaluation.decision["window"] == {"earliest": "2026-11-23", "latest": "2026-12-14"}


def test_booking_before_the_window_needs_a_clinicians_reason(treated_scar, clinician, room):
    with pytest.raises(services.ScheduleError) as refused:
        _book(treated_scar, clinician, room, clinician, datetime.date(2026, 11, 22))  # day 20
    assert refused.value.field == "override_reason"
    assert [f["code"] for f in refused.value.evaluations[0].decision["findings"] if f["severity"] == "override"] == [
        "REL-12"
    ]
    assert not booked().exists() and not Evaluation.objects.exists()


def test_clinician_override_books_and_keeps_the_reason(treated_scar, clinician, room):
    appointment = _book(
        treated_scar, clinician, room, clinician, datetime.date(2026, 11, 22), reason="Travelling abroad next month"
    )
    assert appointment.status == AppointmentStatus.SCHEDULED
    override = Override.objects.get()
    assert override.evaluation == appointment.planned.get().booking_evaluation
    assert override.reason == "Travelling abroad next month" and override.created_by == clinician


def test_clinic_admin_booking_that_needs_an_override_waits_as_a_request(treated_scar, clinician, clinic_admin, room):
    appointment = _book(
        treated_scar, clinician, room, clinic_admin, datetime.date(2026, 11, 22), reason="ignored reason here"
    )
    assert appointment.status == AppointmentStatus.REQUESTED
    assert not Override.objects.exists()
    with pytest.raises(services.ScheduleError):
        services.appointment_approve(appointment=appointment, user=clinic_admin, reason="I approve this one")
    services.appointment_approve(appointment=appointment, user=clinician, reason="Agreed with the patient")
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.SCHEDULED
    assert Override.objects.get().created_by == clinician


def test_contraindicated_patient_cannot_be_booked_even_with_a_reason(treated_scar, clinician, room):
    ConditionFactory(patient=treated_scar.patient, code="raynaud")
    with pytest.raises(services.ScheduleError) as refused:
        _book(treated_scar, clinician, room, clinician, datetime.date(2026, 11, 25), reason="Patient insists on it")
    findings = refused.value.evaluations[0].decision["findings"]
    assert findings[0]["code"] == "ABS-05" and findings[0]["severity"] == "block"
    assert not booked().exists() and not Override.objects.exists()


def test_booking_a_taken_slot_is_refused_by_the_database(treated_scar, clinician, room):
    _book(treated_scar, clinician, room, clinician, datetime.date(2026, 11, 25))
    other_patients_scar = ScarFactory()
    ScarAssessmentFactory(scar=other_patients_scar, assessor=clinician, assessed_on=datetime.date(2026, 10, 20))
    with pytest.raises(services.ScheduleError) as refused:
        _book(other_patients_scar, clinician, room, clinician, datetime.date(2026, 11, 25))
    assert refused.value.field == "starts_at"
    assert booked().count() == 1
    clinician_name = clinician.get_full_name() or clinician.get_username()
    assert refused.value.message == f"{clinician_name} is booked 10:00–10:30 for {treated_scar.patient.mrn}."


def test_a_clash_in_another_clinicians_room_names_the_room(treated_scar, clinician, room):
    other = ClinicianFactory(username="second_doctor")
    for weekday in range(7):
        WorkingHours.objects.create(clinician=other, weekday=weekday, starts=datetime.time(8), ends=datetime.time(18))
    _book(treated_scar, clinician, room, clinician, datetime.date(2026, 11, 25))
    other_patients_scar = ScarFactory()
    ScarAssessmentFactory(scar=other_patients_scar, assessor=clinician, assessed_on=datetime.date(2026, 10, 20))
    with pytest.raises(services.ScheduleError) as refused:
        _book(other_patients_scar, other, room, clinician, datetime.date(2026, 11, 25))
    assert refused.value.message == f"Room A is booked 10:00–10:30 for {treated_scar.patient.mrn}."


@pytest.mark.parametrize(
    "start,to,allowed",
    [
        ("scheduled", "checked_in", True),
        ("scheduled", "completed", False),
        ("requested", "checked_in", False),
        ("completed", "cancelled", False),
        ("cancelled", "scheduled", False),
        ("no_show", "checked_in", False),
        ("checked_in", "completed", True),
    ],
)
def test_status_workflow(start, to, allowed):
    assert (to in services.TRANSITIONS[start]) is allowed


def test_cancel_needs_a_reason_and_is_final(treated_scar, clinician, room):
    appointment = _book(treated_scar, clinician, room, clinician, datetime.date(2026, 11, 25))
    with pytest.raises(services.ScheduleError):
        services.appointment_cancel(appointment=appointment, user=clinician, reason="  ")
    services.appointment_cancel(appointment=appointment, user=clinician, reason="Patient unwell")
    with pytest.raises(services.ScheduleError, match="cannot become checked in"):
        services.appointment_check_in(
            appointment=appointment, user=clinician, scars_today=all_clear(appointment), pregnancy_status="no"
        )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED


def test_cancelled_slot_can_be_booked_again(treated_scar, clinician, room):
    first = _book(treated_scar, clinician, room, clinician, datetime.date(2026, 11, 25))
    services.appointment_cancel(appointment=first, user=clinician, reason="Patient unwell")
    second = _book(treated_scar, clinician, room, clinician, datetime.date(2026, 11, 25))
    assert second.status == AppointmentStatus.SCHEDULED


def test_rescheduling_keeps_the_history_and_rechecks_the_date(treated_scar, clinician, room):
    appointment = _book(treated_scar, clinician, room, clinician, datetime.date(2026, 11, 25))
    new_start = datetime.datetime(2026, 11, 30, 11, tzinfo=UTC)
    services.appointment_reschedule(
        appointment=appointment, starts_at=new_start, minutes=30, clinician=clinician, room=room, user=clinician
    )
    appointment.refresh_from_db()
    assert appointment.starts_at == new_start
    assert [h.starts_at.day for h in appointment.history.order_by("history_date")][:1] == [25]
    assert appointment.planned.get().booking_evaluation.on_date == datetime.date(2026, 11, 30)
    with pytest.raises(services.ScheduleError):  # day 20: needs an override now
        services.appointment_reschedule(
            appointment=appointment,
            starts_at=datetime.datetime(2026, 11, 22, 9, tzinfo=UTC),
            minutes=30,
            clinician=clinician,
            room=room,
            user=clinician,
        )


# --- The booking page -------------------------------------------------------------------------


@pytest.fixture
def future_treated_scar(scar, clinician):
    today = timezone.localdate()
    ScarAssessmentFactory(scar=scar, assessor=clinician, assessed_on=today - datetime.timedelta(days=40))
    last = today - datetime.timedelta(days=25)
    TreatmentSessionFactory(
        scar=scar,
        performed_on=last,
        completed_by=clinician,
        completed_at=datetime.datetime.combine(last, datetime.time(12), tzinfo=UTC),
    )
    return scar


def _post_booking(client, scar, clinician, room, start: datetime.datetime, **extra):
    data = {
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "minutes": 30,
        "clinician": clinician.pk,
        "room": room.pk,
        f"treat_{scar.pk}": "on",
        f"technique_{scar.pk}": "contact",
        **extra,
    }
    return client.post(reverse("sessions:book", args=[scar.pk]), data)


def test_booking_page_shows_the_window(admin_client_, future_treated_scar):
    response = admin_client_.get(reverse("sessions:book", args=[future_treated_scar.pk]))
    today = timezone.localdate()
    assert response.context["window"].earliest == today - datetime.timedelta(days=4)
    assert response.context["window"].latest == today + datetime.timedelta(days=17)
    assert b"Book between" in response.content


def test_clinic_admin_books_through_the_page(admin_client_, future_treated_scar, clinician, room):
    start = timezone.localtime() + datetime.timedelta(days=3)
    start = start.replace(hour=10, minute=0, second=0, microsecond=0)
    response = _post_booking(admin_client_, future_treated_scar, clinician, room, start)
    appointment = booked().get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "sessions:appointment", args=[appointment.pk]
    )
    assert appointment.booked_by.username == "desk_admin"


def test_blocked_booking_page_shows_the_rule_and_source(admin_client_, future_treated_scar, clinician, room):
    ConditionFactory(patient=future_treated_scar.patient, code="cold_urticaria")
    start = (timezone.localtime() + datetime.timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    response = _post_booking(admin_client_, future_treated_scar, clinician, room, start)
    assert response.status_code == 200
    body = response.content.decode()
    assert "ABS-01" in body and "S29" in body and "The protocol blocks this booking" in body
    assert not booked().exists()


def test_booking_in_the_past_is_refused_on_the_field(admin_client_, future_treated_scar, clinician, room):
    response = _post_booking(
        admin_client_, future_treated_scar, clinician, room, timezone.localtime() - datetime.timedelta(days=1)
    )
    assert "starts_at" in response.context["form"].errors


def test_outsider_cannot_open_the_booking_page(client, outsider, scar):
    client.force_login(outsider)
    assert client.get(reverse("sessions:book", args=[scar.pk])).status_code == 404


def test_approving_a_request_decides_again_and_a_new_contraindication_refuses_it(
    treated_scar, clinician, clinic_admin, room
):
    appointment = _book(treated_scar, clinician, room, clinic_admin, datetime.date(2026, 11, 22))
    assert appointment.status == AppointmentStatus.REQUESTED
    ConditionFactory(patient=treated_scar.patient, code="raynaud")  # diagnosed after the request
    with pytest.raises(services.ScheduleError, match="blocks") as refused:
        services.appointment_approve(appointment=appointment, user=clinician, reason="Agreed with the patient")
    assert refused.value.evaluations[0].decision["findings"][0]["code"] == "ABS-05"
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.REQUESTED and not Override.objects.exists()


def test_an_approved_request_keeps_the_decision_made_at_approval(treated_scar, clinician, clinic_admin, room):
    appointment = _book(treated_scar, clinician, room, clinic_admin, datetime.date(2026, 11, 22))
    requested = appointment.planned.get().booking_evaluation
    services.appointment_approve(appointment=appointment, user=clinician, reason="Agreed with the patient")
    approved = appointment.planned.get().booking_evaluation
    assert approved.pk != requested.pk and approved.created_by == clinician
    assert Override.objects.get().evaluation == approved


@pytest.mark.parametrize(
    ("hour", "minutes", "message"),
    [
        (20, 30, "Outside the clinic's opening hours on Mondays (08:00–18:00)"),
        (17, 90, "Outside the clinic's opening hours"),  # ends after closing
        (7, 30, "Outside the clinic's opening hours"),
    ],
)
def test_a_typed_in_time_outside_opening_hours_is_refused(treated_scar, clinician, room, hour, minutes, message):
    with pytest.raises(services.ScheduleError, match=re.escape(message)) as refused:
        services.appointment_book(
            patient=treated_scar.patient,
            planned=[services.PlannedScar(scar=treated_scar, technique="contact")],
            clinician=clinician,
            room=room,
            starts_at=datetime.datetime(2026, 11, 23, hour, tzinfo=UTC),
            minutes=minutes,
            user=clinician,
        )
    assert refused.value.field == "starts_at" and not booked().exists()


def test_a_time_outside_the_clinicians_working_hours_is_refused(treated_scar, clinician, room):
    WorkingHours.objects.filter(clinician=clinician, weekday=0).update(starts=datetime.time(13))
    with pytest.raises(services.ScheduleError, match="working hours on Mondays \\(13:00–18:00\\)"):
        _book(treated_scar, clinician, room, clinician, datetime.date(2026, 11, 23), hour=10)
    assert not booked().exists()


@pytest.mark.parametrize("whose", ["clinic", "clinician"])
def test_a_day_closed_for_the_clinic_or_the_clinician_is_refused(treated_scar, clinician, room, whose):
    Closure.objects.create(
        starts_on=datetime.date(2026, 11, 23),
        ends_on=datetime.date(2026, 11, 24),
        reason="Training day",
        clinician=clinician if whose == "clinician" else None,
    )
    with pytest.raises(services.ScheduleError, match="Training day"):
        _book(treated_scar, clinician, room, clinician, datetime.date(2026, 11, 23))
    assert not booked().exists()


def test_rescheduling_to_a_closed_time_is_refused_and_keeps_the_booking(treated_scar, clinician, room):
    appointment = _book(treated_scar, clinician, room, clinician, datetime.date(2026, 11, 23))
    with pytest.raises(services.ScheduleError, match="opening hours"):
        services.appointment_reschedule(
            appointment=appointment,
            starts_at=datetime.datetime(2026, 11, 24, 20, tzinfo=UTC),
            minutes=30,
            clinician=clinician,
            room=room,
            user=clinician,
        )
    appointment.refresh_from_db()
    assert appointment.starts_at == datetime.datetime(2026, 11, 23, 10, tzinfo=UTC)


def test_a_second_visit_for_a_scar_already_booked_is_refused_with_the_first(treated_scar, clinician, room):
    first = _book(treated_scar, clinician, room, clinician, datetime.date(2026, 11, 23))
    with pytest.raises(
        services.ScheduleError, match="already has a treatment visit booked for 2026-11-23 10:00"
    ) as refused:
        _book(treated_scar, clinician, room, clinician, datetime.date(2026, 11, 28))
    assert refused.value.existing == first and booked().count() == 1


@time_machine.travel(datetime.datetime(2026, 11, 22, 9, tzinfo=UTC), tick=False)
def test_the_booking_page_links_to_the_visit_already_booked(treated_scar, clinician, client, room):
    client.force_login(clinician)  # at the moved clock
    first = _book(treated_scar, clinician, room, clinician, datetime.date(2026, 11, 23))
    response = client.post(
        reverse("sessions:book", args=[treated_scar.pk]),
        {
            f"treat_{treated_scar.pk}": "on",
            f"technique_{treated_scar.pk}": "contact",
            "starts_at": "2026-11-28T10:00",
            "minutes": "30",
            "clinician": clinician.pk,
            "room": room.pk,
        },
    )
    assert response.status_code == 200
    assert reverse("sessions:appointment", args=[first.pk]) in response.content.decode()
    assert booked().count() == 1


def test_the_next_visit_can_be_booked_while_todays_is_in_progress(treated_scar, clinician, room):
    today = _book(treated_scar, clinician, room, clinician, datetime.date(2026, 11, 23))
    services.appointment_check_in(
        appointment=today,
        user=clinician,
        scars_today=all_clear(today),
        pregnancy_status="no",
        today=datetime.date(2026, 11, 23),
    )
    following = _book(
        treated_scar, clinician, room, clinician, datetime.date(2026, 11, 30), reason="Next visit booked early"
    )
    assert following.status == AppointmentStatus.SCHEDULED


@time_machine.travel(datetime.datetime(2026, 11, 24, 7, tzinfo=UTC), tick=False)
def test_the_booking_page_of_a_blocked_scar_shows_the_rule_and_offers_no_slot(client, clinic_admin, treated_scar, room):
    ConditionFactory(patient=treated_scar.patient, code="raynaud")
    client.force_login(clinic_admin)
    response = client.get(reverse("sessions:book", args=[treated_scar.pk]))
    assert response.context["decision"]["outcome"] == "blocked" and response.context["slots"] == []
    assert "ABS-05" in response.content.decode() and "no slot is offered" in response.content.decode()


@time_machine.travel(datetime.datetime(2026, 11, 24, 7, tzinfo=UTC), tick=False)
def test_the_booking_page_of_an_eligible_scar_offers_slots_in_its_window(client, clinic_admin, treated_scar, room):
    client.force_login(clinic_admin)
    response = client.get(reverse("sessions:book", args=[treated_scar.pk]))
    assert response.context["decision"]["outcome"] == "eligible"
    slots = response.context["slots"]
    assert slots and all(
        datetime.date(2026, 11, 24) <= s.starts_at.date() <= datetime.date(2026, 12, 14) for s in slots
    )


@time_machine.travel(datetime.datetime(2027, 1, 4, 7, tzinfo=UTC), tick=False)
def test_an_overdue_scar_is_offered_slots_from_today_and_told_to_repeat_the_assessment(
    client, clinic_admin, treated_scar, room
):
    client.force_login(clinic_admin)  # logged in at the moved clock, so the session has not expired
    response = client.get(reverse("sessions:book", args=[treated_scar.pk]))
    body = response.content.decode()
    assert "The window closed on 2026-12-14: repeat the assessment" in body
    assert response.context["slots"][0].starts_at.date() == datetime.date(2027, 1, 4)


def test_a_request_waiting_for_a_clinician_shows_its_findings_open(treated_scar, clinician, clinic_admin, room, client):
    appointment = _book(treated_scar, clinician, room, clinic_admin, datetime.date(2026, 11, 22))
    assert appointment.status == AppointmentStatus.REQUESTED
    client.force_login(clinician)
    page = client.get(reverse("sessions:appointment", args=[appointment.pk])).content.decode()
    decision = re.search(r"<details class=\"mt-1\"( open)?><summary class=\"small\">Booking decision", page)
    assert decision and decision.group(1) == " open"
    assert "REL-12" in page
    services.appointment_approve(appointment=appointment, user=clinician, reason="Agreed with the patient")
    page = client.get(reverse("sessions:appointment", args=[appointment.pk])).content.decode()
    assert re.search(r"<details class=\"mt-1\"><summary class=\"small\">Booking decision", page)  # folded once decided
