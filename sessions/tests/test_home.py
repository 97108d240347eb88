"""The home page by role and the requests queue: a clinician starts the day with their visits and
next steps, the requests waiting for them, unsigned records and adverse events to follow up; a
clinic admin with the clinic's day; a request is approved or declined in place."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from clinic.models import Closure
from patients.models import AccessEvent
from patients.tests.factories import ScarAssessmentFactory
from protocols.models import Override
from sessions import services
from sessions.models import Appointment, AppointmentStatus, SessionAdverseEvent
from sessions.tests.factories import AppointmentFactory, ClinicianFactory, TreatmentSessionFactory

UTC = datetime.UTC
TODAY = datetime.date(2026, 11, 20)
pytestmark = pytest.mark.usefixtures("open_every_day", "clock")


@pytest.fixture
def clock():
    with time_machine.travel(datetime.datetime(2026, 11, 20, 7, tzinfo=UTC), tick=False):
        yield


def _at(hour: int, day: datetime.date = TODAY) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=UTC)


@pytest.fixture
def treated_scar(scar, clinician):
    ScarAssessmentFactory(scar=scar, assessor=clinician, assessed_on=datetime.date(2026, 10, 20))
    TreatmentSessionFactory(scar=scar, performed_on=datetime.date(2026, 11, 2), completed_by=clinician)
    return scar


@pytest.fixture
def request_waiting(treated_scar, clinician, clinic_admin, room):
    """Booked by the clinic admin for day 20 after the last session: needs a clinician's override."""
    appointment = services.appointment_book(
        patient=treated_scar.patient,
        planned=[services.PlannedScar(scar=treated_scar, technique="contact")],
        clinician=clinician, room=room, starts_at=_at(10, datetime.date(2026, 11, 22)), minutes=30, user=clinic_admin,
    )  # fmt: skip
    assert appointment.status == AppointmentStatus.REQUESTED
    return appointment


def test_a_clinician_starts_from_their_day(clinician_client, clinician, request_waiting):
    mine = AppointmentFactory(clinician=clinician, starts_at=_at(9))
    other = AppointmentFactory(starts_at=_at(11), clinician=ClinicianFactory(username="someone_else"))
    unsigned = TreatmentSessionFactory(unsigned=True, performed_on=TODAY, appointment__clinician=clinician,
                                       appointment__starts_at=_at(7),  # clear of the 09:00 visit
                                       appointment__status=AppointmentStatus.CHECKED_IN)  # fmt: skip
    SessionAdverseEvent.objects.create(session=unsigned, code="blister", recorded_by=clinician)

    response = clinician_client.get(reverse("home"))

    assert response.status_code == 200
    visits = [visit for visit, _ in response.context["mine"]["visits"]]
    assert mine in visits and unsigned.appointment in visits and other not in visits
    steps = dict((v.pk, step) for v, step in response.context["mine"]["visits"])
    assert steps[mine.pk] == "Check in" and steps[unsigned.appointment.pk] == "Record and sign"
    assert response.context["mine"]["requests"] == [request_waiting]
    assert response.context["mine"]["unsigned"] == [unsigned]
    assert [e.code for e in response.context["mine"]["events"]] == ["blister"]
    assert "clinic" not in response.context  # the clinic's day is the admin's
    assert AccessEvent.objects.filter(object_id="home", row_count__gte=3).exists()


def test_a_clinic_admin_starts_from_the_clinics_day(admin_client_, clinician, request_waiting):
    AppointmentFactory(clinician=clinician, starts_at=_at(9))
    AppointmentFactory(starts_at=_at(11), clinician=ClinicianFactory(username="someone_else"))
    for first, last, reason in [((2026, 12, 10), (2026, 12, 12), "Holidays"), ((2027, 3, 1), (2027, 3, 1), "Far off")]:
        Closure.objects.create(starts_on=datetime.date(*first), ends_on=datetime.date(*last), reason=reason)

    response = admin_client_.get(reverse("home"))

    assert len(response.context["clinic"]["visits"]) == 2
    assert response.context["clinic"]["requests_count"] == 1
    assert [c.reason for c in response.context["clinic"]["closures"]] == ["Holidays"]
    assert "mine" not in response.context
    assert b"Worklist: overdue" in response.content


def test_a_request_is_approved_from_the_queue(clinician_client, request_waiting):
    page = clinician_client.get(reverse("sessions:requests"))
    assert list(page.context["page"]) == [request_waiting] and b"REL-12" in page.content

    response = clinician_client.post(
        reverse("sessions:appointment_approve", args=[request_waiting.pk]),
        {"reason": "Patient travels abroad next week", "back": "requests"},
    )

    assert response.status_code == 302 and response["Location"] == reverse("sessions:requests")
    request_waiting.refresh_from_db()
    assert request_waiting.status == AppointmentStatus.SCHEDULED
    assert Override.objects.get().reason == "Patient travels abroad next week"


def test_a_request_is_declined_from_the_queue_with_the_reason(clinician_client, request_waiting):
    response = clinician_client.post(
        reverse("sessions:appointment_cancel", args=[request_waiting.pk]),
        {"reason": "Too early: book in the window", "back": "requests"},
        follow=True,
    )
    request_waiting.refresh_from_db()
    assert (request_waiting.status, request_waiting.cancel_reason) == ("cancelled", "Too early: book in the window")
    assert b"declined" in response.content and list(response.context["page"]) == []


def test_back_is_a_name_never_a_url(clinician_client, request_waiting):
    response = clinician_client.post(
        reverse("sessions:appointment_cancel", args=[request_waiting.pk]),
        {"reason": "Declined", "back": "https://elsewhere.example/"},
    )
    assert response["Location"] == reverse("sessions:appointment", args=[request_waiting.pk])


def test_a_clinic_admin_sees_requests_but_cannot_approve(admin_client_, request_waiting):
    page = admin_client_.get(reverse("sessions:requests"))
    assert list(page.context["page"]) == [request_waiting] and b"Approve with override" not in page.content
    admin_client_.post(reverse("sessions:appointment_approve", args=[request_waiting.pk]),
                       {"reason": "Patient travels abroad next week", "back": "requests"})  # fmt: skip
    assert Appointment.objects.get(pk=request_waiting.pk).status == AppointmentStatus.REQUESTED
