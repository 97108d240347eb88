"""Visit reminders: who gets one, when, once; what it says; a moved visit is reminded of again at its
new time and a cancelled one not at all."""

import datetime

import pytest

from clinic.models import Clinic
from notifications import tasks
from notifications.models import Message, MessageKind, MessageStatus
from notifications.tests.helpers import CLINICAL_WORDS, NOW, at, reachable_patient, run
from patients.tests.factories import ConditionFactory, ScarFactory
from sessions import services
from sessions.models import AppointmentStatus
from sessions.tests.factories import AppointmentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "open_every_day")]
IN_47_HOURS = NOW + datetime.timedelta(hours=47)  # Thursday 08:00
TOMORROW = NOW.date() + datetime.timedelta(days=1)


def _visit(patient=None, starts_at=IN_47_HOURS, **kwargs):
    return AppointmentFactory(patient=patient or reachable_patient(), starts_at=starts_at, **kwargs)


def test_a_visit_within_48_hours_is_reminded_of_once(django_capture_on_commit_callbacks, mailoutbox):
    visit = _visit()

    run("reminders", django_capture_on_commit_callbacks)
    run("reminders", django_capture_on_commit_callbacks)

    message = Message.objects.get()
    assert (message.kind, message.status, message.appointment, message.attempts) == (
        MessageKind.REMINDER, MessageStatus.SENT, visit, 1
    )  # fmt: skip
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["pat@example.org"]
    assert "Thursday" in email.body and "08:00" in email.body and "Rosa Delgado" in email.body
    assert "08:00" in email.subject


def test_it_says_where_how_to_get_ready_and_how_to_cancel_never_a_condition(
    django_capture_on_commit_callbacks, mailoutbox
):
    clinic = Clinic.current()
    clinic.address, clinic.phone = "1 Frost Lane\nLondon", "+44 20 0000 0000"
    clinic.save()
    patient = reachable_patient()
    ConditionFactory(patient=patient, code="diabetes")
    ScarFactory(patient=patient, morphology="keloid")
    _visit(patient)

    run("reminders", django_capture_on_commit_callbacks)

    body = mailoutbox[0].body
    assert "1 Frost Lane" in body and "London" in body
    assert "please call us on +44 20 0000 0000" in body
    assert "Keep the area out of the sun" in body and "list of all your medicines" in body
    assert not [word for word in CLINICAL_WORDS if word in body.lower()]


def test_a_review_visit_has_no_preparation_advice(django_capture_on_commit_callbacks, mailoutbox):
    _visit(kind="review")
    run("reminders", django_capture_on_commit_callbacks)
    assert "check-up visit" in mailoutbox[0].body and "out of the sun" not in mailoutbox[0].body


def test_in_the_patients_language(django_capture_on_commit_callbacks, mailoutbox):
    _visit(reachable_patient(preferred_language="es"))
    run("reminders", django_capture_on_commit_callbacks)
    assert "Le recordamos su visita" in mailoutbox[0].body
    assert "jueves" in mailoutbox[0].body and "diciembre" in mailoutbox[0].subject


def test_not_yet_outside_the_reminder_time_then_at_the_right_time(
    clock, django_capture_on_commit_callbacks, mailoutbox
):
    _visit(starts_at=NOW + datetime.timedelta(hours=49))
    assert run("reminders", django_capture_on_commit_callbacks) == []
    clock.move_to(NOW + datetime.timedelta(hours=1, minutes=5))
    assert len(run("reminders", django_capture_on_commit_callbacks)) == 1
    assert len(mailoutbox) == 1


def test_the_reminder_time_is_the_clinics(django_capture_on_commit_callbacks, mailoutbox):
    clinic = Clinic.current()
    clinic.reminder_hours_before = 24
    clinic.save()
    _visit(starts_at=NOW + datetime.timedelta(hours=30))
    assert run("reminders", django_capture_on_commit_callbacks) == [] and not mailoutbox


@pytest.mark.parametrize(
    "patient_kwargs",
    [{"email_consent": False}, {"email": ""}, {"archived": True}],
    ids=["no e-mail consent", "no address", "archived"],
)
def test_never_to_a_patient_who_cannot_be_e_mailed(patient_kwargs, django_capture_on_commit_callbacks, mailoutbox):
    _visit(reachable_patient(**patient_kwargs))
    assert run("reminders", django_capture_on_commit_callbacks) == []
    assert not mailoutbox and not Message.objects.exists()


@pytest.mark.parametrize(
    "visit_kwargs",
    [
        {"reschedule_reason": "Clinic closed that day"},
        {"status": AppointmentStatus.REQUESTED},
        {"status": AppointmentStatus.CANCELLED, "cancel_reason": "Patient called"},
    ],
    ids=["to reschedule", "request awaiting a clinician", "cancelled"],
)
def test_never_for_a_visit_that_is_not_confirmed_as_booked(
    visit_kwargs, django_capture_on_commit_callbacks, mailoutbox
):
    _visit(**visit_kwargs)
    assert run("reminders", django_capture_on_commit_callbacks) == []
    assert not mailoutbox


def _review(patient, clinician, room, starts_at):
    return services.review_book(
        patient=patient,
        scars=[ScarFactory(patient=patient)],
        clinician=clinician,
        room=room,
        starts_at=starts_at,
        minutes=20,
        user=clinician,
    )


def test_a_visit_moved_after_its_reminder_gets_a_new_one_for_the_new_time(
    clinician, room, django_capture_on_commit_callbacks, mailoutbox
):
    visit = _review(reachable_patient(), clinician, room, IN_47_HOURS)
    run("reminders", django_capture_on_commit_callbacks)
    moved = at(TOMORROW, 15)
    services.appointment_reschedule(
        appointment=visit, starts_at=moved, minutes=20, clinician=clinician, room=room, user=clinician
    )

    run("reminders", django_capture_on_commit_callbacks)
    run("reminders", django_capture_on_commit_callbacks)

    assert list(Message.objects.order_by("pk").values_list("appointment_at", "status")) == [
        (IN_47_HOURS, MessageStatus.SENT),
        (moved, MessageStatus.SENT),
    ]
    assert len(mailoutbox) == 2 and "15:00" in mailoutbox[1].body


def test_a_visit_moved_before_its_reminder_went_out_is_reminded_of_at_the_new_time_only(
    clinician, room, django_capture_on_commit_callbacks, mailoutbox
):
    visit = _review(reachable_patient(), clinician, room, IN_47_HOURS)
    tasks.job_run("reminders")  # planned; the delivery is queued after a commit that does not come here
    services.appointment_reschedule(
        appointment=visit, starts_at=at(TOMORROW, 15), minutes=20, clinician=clinician, room=room,
        user=clinician,
    )  # fmt: skip
    old = Message.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.deliver_message.delay(old.pk)
    run("reminders", django_capture_on_commit_callbacks)

    old.refresh_from_db()
    assert old.status == MessageStatus.SKIPPED and "moved" in old.last_error
    assert len(mailoutbox) == 1 and "15:00" in mailoutbox[0].body


def test_a_cancelled_visit_gets_no_reminder_even_when_one_was_planned(
    clinician, room, django_capture_on_commit_callbacks, mailoutbox
):
    visit = _review(reachable_patient(), clinician, room, IN_47_HOURS)
    tasks.job_run("reminders")
    services.appointment_cancel(appointment=visit, user=clinician, reason="Patient called to cancel")
    with django_capture_on_commit_callbacks(execute=True):
        tasks.deliver_message.delay(Message.objects.get().pk)
    run("reminders", django_capture_on_commit_callbacks)

    assert Message.objects.get().status == MessageStatus.SKIPPED
    assert not mailoutbox
