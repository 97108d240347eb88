"""The visit page leads to the next step: while a checked-in visit's record is incomplete, *Complete
and sign* is disabled and what is missing is listed, each item a link to its field."""

import datetime

from django.urls import reverse

from sessions.models import AppointmentStatus
from sessions.tests.factories import TreatmentSessionFactory


def _open_record(clinician, **values):
    return TreatmentSessionFactory(
        unsigned=True,
        performed_on=datetime.date(2026, 11, 20),
        appointment__clinician=clinician,
        appointment__status=AppointmentStatus.CHECKED_IN,
        **values,
    )


def test_an_incomplete_record_lists_what_is_missing_and_sign_waits(clinician_client, clinician):
    record = _open_record(clinician, freeze_seconds=20)
    response = clinician_client.get(reverse("sessions:appointment", args=[record.appointment_id]))
    body = response.content.decode()
    assert not response.context["ready_to_sign"]
    assert '<button class="btn btn-outline-success" type="button" disabled' in body
    edit = reverse("sessions:treatment", args=[record.pk])
    assert f'href="{edit}#id_cycles"' in body and f'href="{edit}#id_immediate_reaction"' in body
    assert f'href="{edit}#id_freeze_seconds"' not in body  # recorded
    assert f'<a class="btn btn-primary" href="{edit}">Record treatment</a>' in body


def test_a_complete_record_can_be_signed(clinician_client, clinician):
    record = _open_record(
        clinician, freeze_seconds=20, cycles=2, thaw_seconds=40, observation_minutes=30,
        immediate_reaction="Redness", check_diagnosis_confirmed=True, check_contraindications_reviewed=True,
        check_site_disinfected=True, check_no_sun_7_days=True, check_medications_disclosed=True,
        started_at=datetime.time(10), ended_at=datetime.time(10, 20),
    )  # fmt: skip
    response = clinician_client.get(reverse("sessions:appointment", args=[record.appointment_id]))
    assert response.context["ready_to_sign"] and response.context["missing"] == []
    complete = reverse("sessions:appointment_complete", args=[record.appointment_id])
    assert f'formaction="{complete}">Complete and sign</button>' in response.content.decode()
