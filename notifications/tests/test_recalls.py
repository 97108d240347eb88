"""Recalls: a patient whose scar's window is open with nothing booked is invited to book between the
window's dates, and again when its last 7 days begin; never when the scar is blocked, at its goal,
ended, booked, or the patient archived, not to be e-mailed, or without consent any more."""

import datetime

import pytest

from notifications import tasks
from notifications.models import Message, MessageKind, MessageStatus
from notifications.tests.helpers import CLINICAL_WORDS, NOW, at, reachable_patient, run
from patients import services as patient_services
from patients.models import Consent
from patients.tests.factories import ConditionFactory, ScarAssessmentFactory, ScarFactory
from sessions import services
from sessions.tests.factories import TreatmentSessionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "open_every_day")]
LAST_SESSION = datetime.date(2026, 11, 2)
EARLIEST, LATEST = datetime.date(2026, 11, 23), datetime.date(2026, 12, 14)  # 21 and 42 days after
LAST_WEEK_FROM = datetime.date(2026, 12, 7)  # 7 days of the window remain


@pytest.fixture
def due_scar(clinician):
    """Assessed, treated on LAST_SESSION: on NOW (2026-12-01) its window is open, 13 days left."""
    scar = ScarFactory(patient=reachable_patient())
    ScarAssessmentFactory(scar=scar, assessor=clinician, assessed_on=datetime.date(2026, 10, 20))
    TreatmentSessionFactory(scar=scar, performed_on=LAST_SESSION, completed_by=clinician)
    return scar


def _day(clock, day: datetime.date):
    clock.move_to(at(day, 9))


def test_an_open_window_with_nothing_booked_gets_one_recall(due_scar, django_capture_on_commit_callbacks, mailoutbox):
    run("recalls", django_capture_on_commit_callbacks)
    run("recalls", django_capture_on_commit_callbacks)

    message = Message.objects.get()
    assert (message.kind, message.status, message.patient, message.window_earliest, message.window_latest) == (
        MessageKind.RECALL, MessageStatus.SENT, due_scar.patient, EARLIEST, LATEST
    )  # fmt: skip
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert "Rosa Delgado" in body and "Nov. 23, 2026" in body and "Dec. 14, 2026" in body
    assert not [word for word in CLINICAL_WORDS if word in body.lower()]


def test_a_second_recall_when_7_days_remain_and_only_then(
    due_scar, clock, django_capture_on_commit_callbacks, mailoutbox
):
    run("recalls", django_capture_on_commit_callbacks)
    _day(clock, LAST_WEEK_FROM - datetime.timedelta(days=1))
    assert run("recalls", django_capture_on_commit_callbacks) == []
    _day(clock, LAST_WEEK_FROM)
    assert [p.kind for p in run("recalls", django_capture_on_commit_callbacks)] == [MessageKind.RECALL_LAST]
    _day(clock, LAST_WEEK_FROM + datetime.timedelta(days=2))
    assert run("recalls", django_capture_on_commit_callbacks) == []
    assert len(mailoutbox) == 2 and "as soon as you can" in mailoutbox[1].body


def test_a_first_recall_in_the_last_week_is_the_only_one(
    due_scar, clock, django_capture_on_commit_callbacks, mailoutbox
):
    _day(clock, LAST_WEEK_FROM + datetime.timedelta(days=1))
    run("recalls", django_capture_on_commit_callbacks)
    _day(clock, LAST_WEEK_FROM + datetime.timedelta(days=2))
    run("recalls", django_capture_on_commit_callbacks)
    assert list(Message.objects.values_list("kind", flat=True)) == [MessageKind.RECALL]


@pytest.mark.parametrize(
    "day", [EARLIEST - datetime.timedelta(days=1), LATEST + datetime.timedelta(days=1)], ids=["not open", "overdue"]
)
def test_no_recall_outside_the_window(day, due_scar, clock, django_capture_on_commit_callbacks):
    _day(clock, day)
    assert run("recalls", django_capture_on_commit_callbacks) == []


def test_two_scars_in_the_same_window_make_one_recall(due_scar, clinician, django_capture_on_commit_callbacks):
    other = ScarFactory(patient=due_scar.patient, body_site="chest")
    ScarAssessmentFactory(scar=other, assessor=clinician, assessed_on=datetime.date(2026, 10, 20))
    TreatmentSessionFactory(scar=other, performed_on=LAST_SESSION, completed_by=clinician)
    assert len(run("recalls", django_capture_on_commit_callbacks)) == 1


def _blocked(scar, clinician, room):
    ConditionFactory(patient=scar.patient, code="raynaud")  # ABS-05


def _goal_reached(scar, clinician, room):
    ScarAssessmentFactory(
        scar=scar, assessor=clinician, assessed_on=datetime.date(2026, 11, 30), vss_height=0, vss_pliability=1
    )  # STP-01


def _course_ended(scar, clinician, room):
    patient_services.scar_course_end(
        scar=scar, reason="patient_declined", user=clinician, today=datetime.date(2026, 11, 30)
    )


def _archived(scar, clinician, room):
    scar.patient.archived = True
    scar.patient.save()


def _no_email_consent(scar, clinician, room):
    scar.patient.email_consent = False
    scar.patient.save()


def _consent_withdrawn(scar, clinician, room):
    Consent.objects.filter(patient=scar.patient).update(withdrawn_on=datetime.date(2026, 11, 20))


def _booked(scar, clinician, room):
    services.appointment_book(
        patient=scar.patient,
        planned=[services.PlannedScar(scar=scar, technique="contact")],
        clinician=clinician,
        room=room,
        starts_at=at(datetime.date(2026, 12, 8), 10),
        minutes=30,
        user=clinician,
        override_reason="Booked for the recall test, reviewed by the clinician.",
    )


def _review_booked(scar, clinician, room):
    services.review_book(
        patient=scar.patient, scars=[scar], clinician=clinician, room=room,
        starts_at=at(datetime.date(2026, 12, 8), 10), minutes=20, user=clinician,
    )  # fmt: skip


NEVER = [
    _blocked,
    _goal_reached,
    _course_ended,
    _archived,
    _no_email_consent,
    _consent_withdrawn,
    _booked,
    _review_booked,
]


@pytest.mark.parametrize("never", NEVER, ids=lambda f: f.__name__.strip("_"))
def test_never(never, due_scar, clinician, room, django_capture_on_commit_callbacks, mailoutbox):
    never(due_scar, clinician, room)
    assert run("recalls", django_capture_on_commit_callbacks) == []
    assert not mailoutbox and not Message.objects.exists()


@pytest.mark.parametrize("never", [_booked, _blocked, _no_email_consent], ids=lambda f: f.__name__.strip("_"))
def test_a_recall_planned_but_no_longer_due_when_it_is_sent_is_skipped(
    never, due_scar, clinician, room, django_capture_on_commit_callbacks, mailoutbox
):
    tasks.job_run("recalls")  # planned; its delivery waits for a commit that does not come here
    never(due_scar, clinician, room)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.deliver_message.delay(Message.objects.get().pk)
    assert Message.objects.get().status == MessageStatus.SKIPPED and not mailoutbox


def test_recall_in_the_patients_language(due_scar, django_capture_on_commit_callbacks, mailoutbox):
    due_scar.patient.preferred_language = "es"
    due_scar.patient.save()
    run("recalls", django_capture_on_commit_callbacks)
    assert "pedir cita" in mailoutbox[0].body and "23 de noviembre de 2026" in mailoutbox[0].body


def test_dry_run_lists_and_sends_nothing(due_scar, django_capture_on_commit_callbacks, mailoutbox):
    planned = run("recalls", django_capture_on_commit_callbacks, dry_run=True)
    assert [p.recipient for p in planned] == ["pat@example.org"]
    assert not Message.objects.exists() and not mailoutbox
    assert NOW.date() < LATEST
