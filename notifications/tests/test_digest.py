"""The daily digest: each clinic admin gets the clinic's counts, each clinician with work waiting gets
theirs; counts and links only, never a patient's name; once a day, from the clinic's set time."""

import datetime
import re

import pytest

from clinic.models import Clinic
from notifications import tasks
from notifications.models import Message, MessageStatus
from notifications.tests.helpers import NOW, at, reachable_patient, run
from patients.tests.factories import ScarAssessmentFactory, ScarFactory, UserFactory
from sessions.models import AppointmentStatus
from sessions.tests.factories import AppointmentFactory, ClinicianFactory, TreatmentSessionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock")]


@pytest.fixture
def day(clinician, clinic_admin):
    """Today (NOW's day): two visits of one clinician and one of another, one cancelled; a request
    waiting for `clinician`; a visit to reschedule; an unsigned record; a scar overdue, one closing."""
    clinic_admin.email, clinician.email = "desk@example.org", "doc@example.org"
    clinic_admin.first_name = "Claire"
    clinic_admin.save()
    clinician.first_name, clinician.last_name = "Ana", "Moreno"
    clinician.save()
    other = ClinicianFactory(username="other_doc", first_name="David", last_name="Okafor", email="")
    today = NOW.date()
    for hour, who in ((10, clinician), (11, clinician), (12, other)):
        AppointmentFactory(clinician=who, starts_at=at(today, hour))
    AppointmentFactory(clinician=other, starts_at=at(today, 14), status="cancelled", cancel_reason="Ill")
    AppointmentFactory(clinician=clinician, starts_at=at(today, 16), status=AppointmentStatus.REQUESTED)
    AppointmentFactory(clinician=other, starts_at=at(today + datetime.timedelta(days=3), 9), reschedule_reason="Closed")
    TreatmentSessionFactory(unsigned=True, performed_on=today, appointment__clinician=clinician,
                            appointment__starts_at=at(today, 7),  # clear of the other visits
                            appointment__status=AppointmentStatus.CHECKED_IN)  # fmt: skip
    for last, name in ((datetime.date(2026, 10, 1), "Overdue"), (datetime.date(2026, 10, 25), "Closing")):
        scar = ScarFactory(patient=reachable_patient(given_name=name, family_name="Patientname"))
        ScarAssessmentFactory(scar=scar, assessor=clinician, assessed_on=last)
        TreatmentSessionFactory(scar=scar, performed_on=last, completed_by=clinician)
    return other


def _line(body: str, label: str) -> str:
    return re.search(rf"^\s*{re.escape(label)}.*$", body, re.M).group(0).strip()


def test_each_clinic_admin_gets_the_clinics_counts(day, clinic_admin, django_capture_on_commit_callbacks, mailoutbox):
    run("digest", django_capture_on_commit_callbacks)

    (email,) = [e for e in mailoutbox if e.to == ["desk@example.org"]]
    body = email.body
    assert _line(body, "Visits today") == "Visits today: 5"
    # A request and a visit under way count; a cancelled one does not.
    assert "Ana Moreno: 4" in body and "David Okafor: 1" in body
    assert _line(body, "Worklist:") == "Worklist: 1 scar whose window closes within 7 days, 1 overdue"
    assert _line(body, "Visits to reschedule") == "Visits to reschedule: 1"
    assert _line(body, "Requests waiting for a clinician") == "Requests waiting for a clinician: 1"
    assert "http://127.0.0.1:8000/schedule/due/" in body
    assert "Patientname" not in body and "Delgado" not in body and "T-" not in body


def test_each_clinician_with_work_waiting_gets_theirs(day, clinician, django_capture_on_commit_callbacks, mailoutbox):
    run("digest", django_capture_on_commit_callbacks)

    (email,) = [e for e in mailoutbox if e.to == ["doc@example.org"]]
    assert _line(email.body, "Requests waiting for your decision") == "Requests waiting for your decision: 1"
    assert _line(email.body, "Treatment records not signed yet") == "Treatment records not signed yet: 1"
    assert "The clinic" not in email.body and "Patientname" not in email.body


def test_a_clinician_with_nothing_waiting_or_no_address_gets_none(
    day, django_capture_on_commit_callbacks, mailoutbox
):
    ClinicianFactory(username="idle_doc", email="idle@example.org")
    run("digest", django_capture_on_commit_callbacks)
    assert sorted(e.to[0] for e in mailoutbox) == ["desk@example.org", "doc@example.org"]


def test_a_user_without_a_role_gets_none(day, django_capture_on_commit_callbacks, mailoutbox):
    UserFactory(username="nobody", email="nobody@example.org")
    run("digest", django_capture_on_commit_callbacks)
    assert "nobody@example.org" not in [e.to[0] for e in mailoutbox]


def test_once_a_day(day, clock, django_capture_on_commit_callbacks, mailoutbox):
    run("digest", django_capture_on_commit_callbacks)
    clock.move_to(NOW + datetime.timedelta(hours=6))
    assert run("digest", django_capture_on_commit_callbacks) == []
    clock.move_to(NOW + datetime.timedelta(days=1))
    assert len(run("digest", django_capture_on_commit_callbacks)) == 2
    assert Message.objects.filter(status=MessageStatus.SENT).count() == 4


def test_the_scheduled_digest_waits_for_the_clinics_time_in_its_zone(
    day, clock, django_capture_on_commit_callbacks, mailoutbox
):
    clinic = Clinic.current()
    clinic.time_zone, clinic.daily_messages_at = "America/New_York", datetime.time(7, 30)
    clinic.save()
    clock.move_to(datetime.datetime(2026, 12, 1, 12, 29, tzinfo=datetime.UTC))  # 07:29 in New York
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_digest.delay()
    assert not mailoutbox
    clock.move_to(datetime.datetime(2026, 12, 1, 12, 31, tzinfo=datetime.UTC))
    with django_capture_on_commit_callbacks(execute=True):
        tasks.send_digest.delay()
    assert len(mailoutbox) == 2 and "Tuesday 1 December 2026" in mailoutbox[0].subject
