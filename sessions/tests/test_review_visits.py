"""Review visits (RULES.md §6a): their own kind of appointment, not evaluated for freezing, no
treatment record, offered even when the scar is blocked, and booked for the worklist."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from clinic.models import Closure
from documents.selectors import first_appointment
from patients.models import ScarStatus
from patients.tests.factories import ConditionFactory, ScarAssessmentFactory
from protocols.models import Evaluation
from sessions import services, worklist
from sessions.facts import scar_session_history
from sessions.models import Appointment, AppointmentKind, AppointmentStatus, TreatmentSession
from sessions.selectors import scar_window
from sessions.tests.factories import TreatmentSessionFactory

UTC = datetime.UTC


pytestmark = pytest.mark.usefixtures("open_every_day")


@pytest.fixture
def blocked_scar(scar, clinician):
    """Assessed, treated 2026-11-02, and the patient has Raynaud's (ABS-05 blocks freezing)."""
    ScarAssessmentFactory(scar=scar, assessor=clinician, assessed_on=datetime.date(2026, 10, 20))
    TreatmentSessionFactory(scar=scar, performed_on=datetime.date(2026, 11, 2), completed_by=clinician)
    ConditionFactory(patient=scar.patient, code="raynaud")
    return scar


def _review(scar, clinician, room, user, day=datetime.date(2026, 11, 25), hour=10):
    return services.review_book(
        patient=scar.patient,
        scars=[scar],
        clinician=clinician,
        room=room,
        starts_at=datetime.datetime.combine(day, datetime.time(hour), tzinfo=UTC),
        minutes=20,
        user=user,
    )


def _treatment(scar, clinician, room, day: datetime.date, reason: str = ""):
    return services.appointment_book(
        patient=scar.patient,
        planned=[services.PlannedScar(scar=scar, technique="contact")],
        clinician=clinician,
        room=room,
        starts_at=datetime.datetime.combine(day, datetime.time(10), tzinfo=UTC),
        minutes=30,
        user=clinician,
        override_reason=reason,
    )


def test_a_review_of_a_blocked_scar_is_booked_without_an_evaluation(blocked_scar, clinician, room):
    evaluations_before = Evaluation.objects.count()
    review = _review(blocked_scar, clinician, room, clinician)
    review.refresh_from_db()
    assert (review.kind, review.status) == (AppointmentKind.REVIEW, AppointmentStatus.SCHEDULED)
    planned = review.planned.get()
    assert (planned.scar, planned.technique, planned.booking_evaluation) == (blocked_scar, "", None)
    assert Evaluation.objects.count() == evaluations_before


def test_a_clinic_admin_books_a_review_directly_not_as_a_request(blocked_scar, clinician, clinic_admin, room):
    review = _review(blocked_scar, clinician, room, clinic_admin)
    assert review.status == AppointmentStatus.SCHEDULED and review.booked_by == clinic_admin


def test_the_same_blocked_scar_cannot_be_booked_for_treatment(blocked_scar, clinician, room):
    with pytest.raises(services.ScheduleError):
        _treatment(blocked_scar, clinician, room, datetime.date(2026, 11, 25), reason="The patient asks for it")
    assert not Appointment.objects.filter(kind=AppointmentKind.TREATMENT).exclude(status="completed").exists()


def test_a_review_keeps_to_the_schedule(blocked_scar, clinician, room):
    Closure.objects.create(starts_on=datetime.date(2026, 11, 25), ends_on=datetime.date(2026, 11, 25), reason="Audit")
    with pytest.raises(services.ScheduleError, match="The clinic is closed on Wednesday 25 November 2026"):
        _review(blocked_scar, clinician, room, clinician)
    with pytest.raises(services.ScheduleError, match="opening hours"):
        _review(blocked_scar, clinician, room, clinician, day=datetime.date(2026, 11, 26), hour=20)
    assert not Appointment.objects.filter(kind=AppointmentKind.REVIEW).exists()


def test_one_waiting_review_per_scar_beside_its_treatment_visit(scar, clinician, room):
    ScarAssessmentFactory(scar=scar, assessor=clinician, assessed_on=datetime.date(2026, 10, 20))
    treatment = _treatment(scar, clinician, room, datetime.date(2026, 11, 24))
    first = _review(scar, clinician, room, clinician)  # a review beside the treatment visit: allowed
    with pytest.raises(services.ScheduleError, match="already has a review visit booked") as refused:
        _review(scar, clinician, room, clinician, day=datetime.date(2026, 11, 27))
    assert refused.value.existing == first
    assert set(Appointment.objects.values_list("pk", flat=True)) == {treatment.pk, first.pk}


def test_checking_in_and_completing_a_review_makes_no_treatment_record(blocked_scar, clinician, room):
    window_before = scar_window(scar=blocked_scar)
    review = _review(blocked_scar, clinician, room, clinician)
    evaluations_before = Evaluation.objects.count()
    with pytest.raises(services.ScheduleError, match="Check-in is on the day of the appointment"):
        services.appointment_check_in(
            appointment=review, user=clinician, scars_today={}, today=datetime.date(2026, 11, 24)
        )
    services.appointment_check_in(appointment=review, user=clinician, scars_today={}, today=datetime.date(2026, 11, 25))
    services.appointment_complete(appointment=review, user=clinician)
    review.refresh_from_db()
    assert review.status == AppointmentStatus.COMPLETED
    assert not TreatmentSession.objects.filter(appointment=review).exists()
    assert Evaluation.objects.count() == evaluations_before  # nothing was decided
    assert scar_window(scar=blocked_scar) == window_before  # a review is not a session


def test_a_review_needs_no_approval(blocked_scar, clinician, room):
    review = _review(blocked_scar, clinician, room, clinician)
    Appointment.objects.filter(pk=review.pk).update(status=AppointmentStatus.REQUESTED)
    with pytest.raises(services.ScheduleError, match="needs no approval"):
        services.appointment_approve(appointment=review, user=clinician, reason="Approving a review")


def test_rescheduling_a_review_decides_nothing(blocked_scar, clinician, room):
    review = _review(blocked_scar, clinician, room, clinician)
    evaluations_before = Evaluation.objects.count()
    services.appointment_reschedule(
        appointment=review,
        starts_at=datetime.datetime(2026, 11, 26, 11, tzinfo=UTC),
        minutes=20,
        clinician=clinician,
        room=room,
        user=clinician,
    )
    review.refresh_from_db()
    assert review.status == AppointmentStatus.SCHEDULED
    assert review.starts_at == datetime.datetime(2026, 11, 26, 11, tzinfo=UTC)
    assert Evaluation.objects.count() == evaluations_before


def test_a_missed_review_is_not_a_missed_session(blocked_scar, clinician, room):
    review = _review(blocked_scar, clinician, room, clinician)
    services.appointment_no_show(appointment=review, user=clinician)
    history = scar_session_history(scar=blocked_scar, on_date=datetime.date(2026, 12, 1))
    assert [entry["status"] for entry in history] == ["completed"]


def test_a_scar_whose_course_ended_can_be_reviewed_but_not_treated(blocked_scar, clinician, room):
    type(blocked_scar).objects.filter(pk=blocked_scar.pk).update(
        status=ScarStatus.RESOLVED, course_ended_on=datetime.date(2026, 11, 10), course_end_reason="goal_reached"
    )
    blocked_scar.refresh_from_db()
    assert _review(blocked_scar, clinician, room, clinician).kind == AppointmentKind.REVIEW
    with pytest.raises(services.ScheduleError, match="its course has ended"):
        _treatment(blocked_scar, clinician, room, datetime.date(2026, 11, 27))


def test_a_booked_review_counts_as_booked_on_the_worklist(scar, clinician, room):
    ScarAssessmentFactory(scar=scar, assessor=clinician, assessed_on=datetime.date(2026, 10, 20))
    TreatmentSessionFactory(scar=scar, performed_on=datetime.date(2026, 11, 2), completed_by=clinician)
    today, now = datetime.date(2026, 11, 25), datetime.datetime(2026, 11, 25, 8, tzinfo=UTC)
    assert list(worklist.due_scars(today=today, now=now)) == [scar]
    review = _review(scar, clinician, room, clinician, day=datetime.date(2026, 11, 27))
    assert list(worklist.due_scars(today=today, now=now)) == []
    services.appointment_cancel(appointment=review, user=clinician, reason="Patient moved away")
    assert list(worklist.due_scars(today=today, now=now)) == [scar]


def test_the_preparation_sheet_is_for_the_next_treatment_visit_not_a_review(scar, clinician, room):
    ScarAssessmentFactory(scar=scar, assessor=clinician, assessed_on=datetime.date(2026, 10, 20))
    _review(scar, clinician, room, clinician, day=datetime.date(2026, 11, 24))
    treatment = _treatment(scar, clinician, room, datetime.date(2026, 11, 26))
    assert first_appointment(patient=scar.patient, now=datetime.datetime(2026, 11, 23, tzinfo=UTC)) == treatment


# Through the pages -----------------------------------------------------------------------------


@time_machine.travel(datetime.datetime(2026, 11, 24, 7, tzinfo=UTC), tick=False)
def test_a_blocked_scars_booking_page_offers_a_review_and_the_review_page_offers_slots(
    client, clinic_admin, blocked_scar, room
):
    client.force_login(clinic_admin)
    booking = client.get(reverse("sessions:book", args=[blocked_scar.pk]))
    assert booking.context["slots"] == []
    review_url = reverse("sessions:book_review", args=[blocked_scar.pk])
    assert f'id="book-review" href="{review_url}"' in booking.content.decode()
    page = client.get(review_url)
    assert page.status_code == 200
    slots = page.context["slots"]
    assert slots and slots[0].starts_at.date() == datetime.date(2026, 11, 24)


@time_machine.travel(datetime.datetime(2026, 11, 24, 7, tzinfo=UTC), tick=False)
def test_a_clinic_admin_books_a_review_through_the_page(client, clinic_admin, clinician, blocked_scar, room):
    client.force_login(clinic_admin)
    response = client.post(
        reverse("sessions:book_review", args=[blocked_scar.pk]),
        {
            f"review_{blocked_scar.pk}": "on",
            "starts_at": "2026-11-25T10:00",
            "minutes": "20",
            "clinician": clinician.pk,
            "room": room.pk,
            "notes": "Check the blister",
        },
    )
    review = Appointment.objects.get(kind=AppointmentKind.REVIEW)
    assert response.status_code == 302 and response.url == reverse("sessions:appointment", args=[review.pk])
    assert (review.notes, review.status) == ("Check the blister", AppointmentStatus.SCHEDULED)
    page = client.get(response.url).content.decode()
    assert 'id="kind-review"' in page and "Print aftercare" not in page


@time_machine.travel(datetime.datetime(2026, 11, 24, 7, tzinfo=UTC), tick=False)
def test_the_review_form_refuses_no_scar_on_the_form(client, clinic_admin, clinician, blocked_scar, room):
    client.force_login(clinic_admin)
    response = client.post(
        reverse("sessions:book_review", args=[blocked_scar.pk]),
        {"starts_at": "2026-11-25T10:00", "minutes": "20", "clinician": clinician.pk, "room": room.pk},
    )
    assert response.status_code == 200
    assert "Choose at least one scar to review." in response.context["form"].non_field_errors()
    assert not Appointment.objects.filter(kind=AppointmentKind.REVIEW).exists()


@time_machine.travel(datetime.datetime(2026, 11, 25, 9, tzinfo=UTC), tick=False)
def test_checking_in_a_review_through_the_page_asks_nothing_and_opens_no_record(client, clinician, blocked_scar, room):
    review = _review(blocked_scar, clinician, room, clinician)
    client.force_login(clinician)
    form = client.get(reverse("sessions:appointment_check_in", args=[review.pk])).context["form"]
    assert list(form.fields) == ["override_reason"]  # no findings, no pregnancy question
    response = client.post(reverse("sessions:appointment_check_in", args=[review.pk]), {})
    assert response.status_code == 302, response.context["form"].errors
    review.refresh_from_db()
    assert review.status == AppointmentStatus.CHECKED_IN
    assert not TreatmentSession.objects.filter(appointment=review).exists()


def test_an_outsider_cannot_open_the_review_page(client, outsider, scar):
    client.force_login(outsider)
    assert client.get(reverse("sessions:book_review", args=[scar.pk])).status_code == 404
