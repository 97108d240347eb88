import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from clinic.models import Clinic
from patients.tests.factories import MedicationFactory, ScarAssessmentFactory
from protocols.engine import DEFAULT_PARAMETERS
from protocols.models import Override
from sessions import services
from sessions.decisions import scar_decision
from sessions.models import AppointmentStatus, SessionAddendum, TreatmentSession
from sessions.selectors import scar_window
from sessions.tests.factories import AppointmentScarFactory, all_clear

TODAY = datetime.date(2026, 11, 22)
VISIT = datetime.datetime(2026, 11, 22, 10, 0, tzinfo=datetime.UTC)  # the clinic's zone is UTC in tests

GOOD = {
    "technique": "contact",
    "cryogen": "liquid_nitrogen",
    "freeze_seconds": 20,
    "cycles": 2,
    "thaw_seconds": 50,
    "check_diagnosis_confirmed": True,
    "check_contraindications_reviewed": True,
    "check_site_disinfected": True,
    "check_no_sun_7_days": True,
    "check_medications_disclosed": True,
    "immediate_reaction": "Erythema",
    "observation_minutes": 30,
    "started_at": datetime.time(10, 0),
    "ended_at": datetime.time(10, 20),
}


@pytest.fixture
def appointment(scar, clinician):
    ScarAssessmentFactory(scar=scar, assessor=clinician, assessed_on=datetime.date(2026, 11, 1))
    planned = AppointmentScarFactory(scar=scar, appointment__clinician=clinician, appointment__starts_at=VISIT)
    return planned.appointment


@pytest.fixture
def checked_in(appointment, clinician):
    services.appointment_check_in(
        appointment=appointment, user=clinician, scars_today=all_clear(appointment), pregnancy_status="no", today=TODAY
    )
    return appointment


def test_check_in_runs_the_engine_at_treat_stage_and_opens_a_record(checked_in):
    session = TreatmentSession.objects.get()
    assert checked_in.status == AppointmentStatus.CHECKED_IN
    assert session.treat_evaluation.stage == "treat" and session.treat_evaluation.outcome == "eligible"
    assert session.performed_on == TODAY and not session.locked


def test_check_in_is_blocked_without_consent(appointment, clinician):
    patient = appointment.patient
    patient.consents.update(withdrawn_on=datetime.date(2026, 11, 1))
    with pytest.raises(services.ScheduleError) as refused:
        services.appointment_check_in(
            appointment=appointment,
            user=clinician,
            scars_today=all_clear(appointment),
            pregnancy_status="no",
            today=TODAY,
        )
    assert "ABS-11" in [f["code"] for f in refused.value.evaluations[0].decision["findings"]]
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.SCHEDULED and not TreatmentSession.objects.exists()


def test_check_in_is_blocked_by_todays_site_finding(appointment, clinician, scar):
    today = {scar.pk: services.ScarToday(site_findings=["open_wound"], diagnosis_certain=True)}
    with pytest.raises(services.ScheduleError) as refused:
        services.appointment_check_in(
            appointment=appointment, user=clinician, scars_today=today, pregnancy_status="no", today=TODAY
        )
    assert "ABS-08" in [f["code"] for f in refused.value.evaluations[0].decision["findings"]]
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.SCHEDULED and not TreatmentSession.objects.exists()


def test_the_treat_decision_reads_todays_check_in_not_the_last_assessment(appointment, clinician, scar):
    """An open wound seen at the last assessment has healed today: today's look decides (RULES.md §2a.6)."""
    ScarAssessmentFactory(scar=scar, assessor=clinician, assessed_on=TODAY, site_findings=["open_wound"])
    services.appointment_check_in(
        appointment=appointment, user=clinician, scars_today=all_clear(appointment), pregnancy_status="no", today=TODAY
    )
    session = TreatmentSession.objects.get()
    assert session.treat_evaluation.facts["scar"]["site_findings"] == []
    assert session.treat_evaluation.outcome == "eligible"


def test_an_uncertain_diagnosis_today_blocks_the_freeze(appointment, clinician, scar):
    today = {scar.pk: services.ScarToday(site_findings=[], diagnosis_certain=False)}
    with pytest.raises(services.ScheduleError) as refused:
        services.appointment_check_in(
            appointment=appointment, user=clinician, scars_today=today, pregnancy_status="no", today=TODAY
        )
    assert "ABS-09" in [f["code"] for f in refused.value.evaluations[0].decision["findings"]]


def test_check_in_asks_and_records_todays_pregnancy_status(appointment, clinician):
    patient = appointment.patient  # female, 41
    with pytest.raises(services.ScheduleError) as refused:
        services.appointment_check_in(
            appointment=appointment, user=clinician, scars_today=all_clear(appointment), today=TODAY
        )
    assert refused.value.field == "pregnancy_status"
    with pytest.raises(services.ScheduleError) as refused:  # REL-08: a clinician's reason is needed
        services.appointment_check_in(
            appointment=appointment,
            user=clinician,
            scars_today=all_clear(appointment),
            pregnancy_status="yes",
            today=TODAY,
        )
    assert "REL-08" in [f["code"] for f in refused.value.evaluations[0].decision["findings"]]
    services.appointment_check_in(
        appointment=appointment,
        user=clinician,
        scars_today=all_clear(appointment),
        pregnancy_status="yes",
        override_reason="Obstetrician agrees in writing",
        today=TODAY,
    )
    patient.refresh_from_db()
    assert (patient.pregnancy_status, patient.pregnancy_confirmed_on) == ("yes", TODAY)
    session = TreatmentSession.objects.get()
    assert session.treat_evaluation.facts["patient"]["pregnant"] is True


def test_pregnancy_is_not_asked_of_a_male_patient(appointment, clinician):
    patient = appointment.patient
    patient.sex = "male"
    patient.save()
    services.appointment_check_in(
        appointment=appointment, user=clinician, scars_today=all_clear(appointment), today=TODAY
    )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CHECKED_IN


def test_parameters_outside_the_protocol_need_a_reason(checked_in, clinician):
    session = TreatmentSession.objects.get()
    too_long = GOOD | {"freeze_seconds": 45}
    with pytest.raises(services.ScheduleError, match="Above the 30 s"):
        services.treatment_update(session=session, data=too_long, parameters=DEFAULT_PARAMETERS, user=clinician)
    services.treatment_update(
        session=session,
        data=too_long | {"out_of_range_reason": "Very thick keloid"},
        parameters=DEFAULT_PARAMETERS,
        user=clinician,
    )
    session.refresh_from_db()
    assert session.freeze_seconds == 45 and session.out_of_range_reason == "Very thick keloid"


@pytest.mark.parametrize(
    "change,field",
    [
        ({"cycles": 4}, "cycles"),
        ({"technique": "spray", "freeze_seconds": 25}, "freeze_seconds"),
        ({"ended_at": datetime.time(10, 45)}, "ended_at"),
        ({"ended_at": datetime.time(10, 5)}, "ended_at"),
    ],
)
def test_each_protocol_range_is_checked(change, field):
    data = GOOD | change
    problems = services.parameter_problems(
        technique=data["technique"],
        freeze_seconds=data["freeze_seconds"],
        cycles=data["cycles"],
        started_at=data["started_at"],
        ended_at=data["ended_at"],
        parameters=DEFAULT_PARAMETERS,
    )
    assert list(problems) == [field]


def test_intralesional_allows_90_seconds_and_two_cycles():
    problems = services.parameter_problems(
        technique="intralesional",
        freeze_seconds=90,
        cycles=2,
        started_at=None,
        ended_at=None,
        parameters=DEFAULT_PARAMETERS,
    )
    assert problems == {}


def test_completing_signs_locks_and_moves_the_window(checked_in, clinician, scar):
    session = TreatmentSession.objects.get()
    services.treatment_update(session=session, data=GOOD, parameters=DEFAULT_PARAMETERS, user=clinician)
    services.appointment_complete(appointment=checked_in, user=clinician)
    session.refresh_from_db()
    assert session.locked and session.completed_by == clinician
    assert checked_in.status == AppointmentStatus.COMPLETED
    window = scar_window(scar=scar)
    assert (window.earliest, window.latest) == (
        TODAY + datetime.timedelta(days=21),
        TODAY + datetime.timedelta(days=42),
    )


def test_incomplete_record_cannot_be_signed(checked_in, clinician):
    with pytest.raises(services.ScheduleError, match="checklist"):
        services.appointment_complete(appointment=checked_in, user=clinician)
    assert not TreatmentSession.objects.get().locked


def test_clinic_admin_cannot_sign(checked_in, clinician, clinic_admin):
    services.treatment_update(
        session=TreatmentSession.objects.get(), data=GOOD, parameters=DEFAULT_PARAMETERS, user=clinician
    )
    with pytest.raises(services.ScheduleError):
        services.appointment_complete(appointment=checked_in, user=clinic_admin)


def test_locked_record_refuses_edits_and_takes_addenda(checked_in, clinician, clinician_client):
    session = TreatmentSession.objects.get()
    services.treatment_update(session=session, data=GOOD, parameters=DEFAULT_PARAMETERS, user=clinician)
    services.appointment_complete(appointment=checked_in, user=clinician)
    with pytest.raises(services.RecordLocked):
        services.treatment_update(
            session=session, data=GOOD | {"freeze_seconds": 5}, parameters=DEFAULT_PARAMETERS, user=clinician
        )
    response = clinician_client.post(reverse("sessions:treatment", args=[session.pk]), {**GOOD, "freeze_seconds": 5})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.freeze_seconds == 20
    clinician_client.post(reverse("sessions:addendum_add", args=[session.pk]), {"text": "Freeze was 22 s, not 20 s."})
    assert SessionAddendum.objects.get().text == "Freeze was 22 s, not 20 s."
    session.refresh_from_db()
    assert session.freeze_seconds == 20


def test_treatment_form_puts_the_range_error_on_the_field(checked_in, clinician_client):
    session = TreatmentSession.objects.get()
    data = {k: v.strftime("%H:%M") if isinstance(v, datetime.time) else v for k, v in GOOD.items()}
    data = {k: ("on" if v is True else v) for k, v in data.items()}
    # 35 s of contact freezing: above the protocol's 30 s, within the 60 s hard limit.
    response = clinician_client.post(reverse("sessions:treatment", args=[session.pk]), {**data, "freeze_seconds": 35})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "freeze_seconds" in errors and "out_of_range_reason" in errors


def test_clinic_admin_cannot_open_the_treatment_form(checked_in, admin_client_):
    session = TreatmentSession.objects.get()
    assert admin_client_.get(reverse("sessions:treatment", args=[session.pk])).status_code == 403


def test_unresolved_adverse_event_blocks_the_next_session(checked_in, clinician, scar):
    session = TreatmentSession.objects.get()
    services.treatment_update(session=session, data=GOOD, parameters=DEFAULT_PARAMETERS, user=clinician)
    services.appointment_complete(appointment=checked_in, user=clinician)
    event = services.adverse_event_add(session=session, code="frostbite", note="", user=clinician)

    _, decision = scar_decision(scar=scar, on_date=TODAY + datetime.timedelta(days=25), technique="contact")
    assert decision["outcome"] == "blocked" and decision["findings"][0]["code"] == "ADV-01"
    resolved = TODAY + datetime.timedelta(days=10)
    services.adverse_event_resolve(event=event, resolved_on=resolved, user=clinician, today=resolved)
    _, decision = scar_decision(scar=scar, on_date=TODAY + datetime.timedelta(days=25), technique="contact")
    assert decision["outcome"] == "eligible"


@time_machine.travel(VISIT, tick=False)
def test_appointment_page_walks_the_workflow(appointment, clinician_client):
    url = reverse("sessions:appointment", args=[appointment.pk])
    assert clinician_client.get(url).status_code == 200
    clinician_client.post(reverse("sessions:appointment_complete", args=[appointment.pk]))
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.SCHEDULED  # refused: not checked in
    check_in = reverse("sessions:appointment_check_in", args=[appointment.pk])
    assert clinician_client.get(check_in).status_code == 200
    clinician_client.post(check_in, {})  # nothing recorded about today: refused on the form
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.SCHEDULED
    scar_id = appointment.planned.get().scar_id
    clinician_client.post(check_in, {f"certain_{scar_id}": "yes", "pregnancy_status": "no"})
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CHECKED_IN
    assert clinician_client.post(f"/schedule/appointments/{appointment.pk}/explode/").status_code == 404


def test_check_in_is_refused_before_the_appointments_day_and_nothing_changes(appointment, clinician):
    with pytest.raises(services.ScheduleError, match="Check-in is on the day of the appointment, Sunday 22 November"):
        services.appointment_check_in(
            appointment=appointment,
            user=clinician,
            scars_today=all_clear(appointment),
            pregnancy_status="no",
            today=TODAY - datetime.timedelta(days=1),
        )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.SCHEDULED and not TreatmentSession.objects.exists()


def test_check_in_is_refused_after_the_appointments_day(appointment, clinician):
    with pytest.raises(services.ScheduleError, match="Check-in is on the day of the appointment"):
        services.appointment_check_in(
            appointment=appointment,
            user=clinician,
            scars_today=all_clear(appointment),
            pregnancy_status="no",
            today=TODAY + datetime.timedelta(days=1),
        )


def test_the_appointments_day_is_the_clinics_day(scar, clinician):
    """23:30 in UTC on the 21st is already the 22nd in Madrid: check-in and the record follow the clinic."""
    clinic = Clinic.current()
    clinic.time_zone = "Europe/Madrid"
    clinic.save()
    ScarAssessmentFactory(scar=scar, assessor=clinician, assessed_on=datetime.date(2026, 11, 1))
    late = datetime.datetime(2026, 11, 21, 23, 30, tzinfo=datetime.UTC)
    appointment = AppointmentScarFactory(scar=scar, appointment__clinician=clinician, appointment__starts_at=late)
    services.appointment_check_in(
        appointment=appointment.appointment,
        user=clinician,
        scars_today=all_clear(appointment.appointment),
        pregnancy_status="no",
        today=TODAY,
    )
    assert TreatmentSession.objects.get().performed_on == TODAY


def _form_data(**changes) -> dict:
    data = {k: v.strftime("%H:%M") if isinstance(v, datetime.time) else v for k, v in GOOD.items()}
    return {k: ("on" if v is True else v) for k, v in data.items()} | changes


def test_switching_an_anticoagulated_patient_to_intralesional_needs_an_override(checked_in, clinician_client):
    MedicationFactory(patient=checked_in.patient, code="anticoagulant")
    session = TreatmentSession.objects.get()
    url = reverse("sessions:treatment", args=[session.pk])
    response = clinician_client.post(url, _form_data(technique="intralesional"))
    assert response.status_code == 200 and "override_reason" in response.context["form"].errors
    assert "REL-06" in response.content.decode()
    session.refresh_from_db()
    assert session.technique == "contact" and not Override.objects.exists()

    response = clinician_client.post(
        url, _form_data(technique="intralesional", override_reason="Bulky keloid, INR checked today")
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.technique == "intralesional" and session.treat_evaluation.technique == "intralesional"
    assert Override.objects.get().evaluation == session.treat_evaluation


def test_keeping_the_technique_makes_no_new_decision(checked_in, clinician_client):
    session = TreatmentSession.objects.get()
    before = session.treat_evaluation_id
    response = clinician_client.post(reverse("sessions:treatment", args=[session.pk]), _form_data())
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.treat_evaluation_id == before


def test_a_resolution_date_in_the_future_is_refused(checked_in, clinician):
    session = TreatmentSession.objects.get()
    event = services.adverse_event_add(session=session, code="infection", note="", user=clinician)
    with pytest.raises(services.ScheduleError, match="cannot be in the future") as refused:
        services.adverse_event_resolve(
            event=event, resolved_on=TODAY + datetime.timedelta(days=30), user=clinician, today=TODAY
        )
    assert refused.value.field == "resolved_on"
    event.refresh_from_db()
    assert event.resolved_on is None


def test_a_clinician_may_cancel_a_visit_in_progress_before_any_freeze(checked_in, clinician):
    services.appointment_cancel(appointment=checked_in, user=clinician, reason="Patient felt faint")
    checked_in.refresh_from_db()
    assert checked_in.status == AppointmentStatus.CANCELLED


def test_a_clinic_admin_cannot_cancel_a_visit_in_progress(checked_in, clinic_admin):
    with pytest.raises(services.ScheduleError, match="cancelled by a clinician"):
        services.appointment_cancel(appointment=checked_in, user=clinic_admin, reason="Patient felt faint")
    checked_in.refresh_from_db()
    assert checked_in.status == AppointmentStatus.CHECKED_IN


def test_a_visit_with_a_recorded_freeze_is_signed_not_cancelled(checked_in, clinician):
    session = TreatmentSession.objects.get()
    services.treatment_update(session=session, data=GOOD, parameters=DEFAULT_PARAMETERS, user=clinician)
    with pytest.raises(services.ScheduleError, match="A freeze is recorded"):
        services.appointment_cancel(appointment=checked_in, user=clinician, reason="Changed our minds")
    checked_in.refresh_from_db()
    assert checked_in.status == AppointmentStatus.CHECKED_IN


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"freeze_seconds": 0}, "freeze_seconds", "more than 0 s"),
        ({"freeze_seconds": 61}, "freeze_seconds", "at most 60 s per cycle for contact"),
        ({"cycles": 0}, "cycles", "1–3 for every technique"),
        ({"cycles": 4}, "cycles", "1–3 for every technique"),
        ({"observation_minutes": 121}, "observation_minutes", "0–120 min"),
        ({"started_at": "10:00", "ended_at": "13:30"}, "ended_at", "at most 180 minutes"),
    ],
)
def test_a_value_past_a_hard_limit_is_refused_even_with_a_reason(checked_in, clinician_client, changes, field, message):
    session = TreatmentSession.objects.get()
    data = _form_data(**changes, out_of_range_reason="The patient asked for a longer freeze.")
    response = clinician_client.post(reverse("sessions:treatment", args=[session.pk]), data)
    assert response.status_code == 200 and message in " ".join(response.context["form"].errors[field])
    session.refresh_from_db()
    assert session.freeze_seconds is None and session.cycles is None


def test_the_service_refuses_a_hard_limit_too(checked_in, clinician):
    session = TreatmentSession.objects.get()
    with pytest.raises(services.ScheduleError, match="more than 0 s") as refused:
        services.treatment_update(
            session=session,
            data=GOOD | {"freeze_seconds": 0, "out_of_range_reason": "reason"},
            parameters=DEFAULT_PARAMETERS,
            user=clinician,
        )
    assert refused.value.field == "freeze_seconds"


def _signed(checked_in, clinician) -> TreatmentSession:
    session = TreatmentSession.objects.get()
    services.treatment_update(session=session, data=GOOD, parameters=DEFAULT_PARAMETERS, user=clinician)
    services.appointment_complete(appointment=checked_in, user=clinician)
    session.refresh_from_db()
    return session


def test_a_record_entered_in_error_is_kept_and_left_out_of_decisions(checked_in, clinician_client, clinician, scar):
    session = _signed(checked_in, clinician)
    later = TODAY + datetime.timedelta(days=10)
    assert "REL-12" in [f["code"] for f in scar_decision(scar=scar, on_date=later, technique="contact")[1]["findings"]]
    url = reverse("sessions:treatment_entered_in_error", args=[session.pk])
    clinician_client.post(url, {"entered_in_error_reason": "short"})
    session.refresh_from_db()
    assert not session.entered_in_error  # the reason is too short
    clinician_client.post(url, {"entered_in_error_reason": "Recorded on the wrong patient's chart"})
    session.refresh_from_db()
    assert session.entered_in_error and session.locked and TreatmentSession.objects.count() == 1
    _, decision = scar_decision(scar=scar, on_date=later, technique="contact")
    assert decision["window"] is None and "REL-12" not in [f["code"] for f in decision["findings"]]
    page = clinician_client.get(reverse("sessions:appointment", args=[checked_in.pk])).content.decode()
    assert "Entered in error: Recorded on the wrong patient" in page


def test_an_adverse_event_entered_in_error_no_longer_blocks(checked_in, clinician_client, clinician, scar):
    session = _signed(checked_in, clinician)
    event = services.adverse_event_add(session=session, code="frostbite", note="", user=clinician, today=TODAY)
    on = TODAY + datetime.timedelta(days=25)
    assert scar_decision(scar=scar, on_date=on, technique="contact")[1]["outcome"] == "blocked"
    clinician_client.post(
        reverse("sessions:adverse_event_entered_in_error", args=[event.pk]),
        {"entered_in_error_reason": "Belongs to the other scar's session"},
    )
    event.refresh_from_db()
    assert event.entered_in_error
    assert scar_decision(scar=scar, on_date=on, technique="contact")[1]["outcome"] == "eligible"


def test_a_clinic_admin_cannot_mark_a_record_entered_in_error(checked_in, admin_client_):
    session = TreatmentSession.objects.get()
    url = reverse("sessions:treatment_entered_in_error", args=[session.pk])
    assert admin_client_.post(url, {"entered_in_error_reason": "Recorded on the wrong chart"}).status_code == 403
    session.refresh_from_db()
    assert not session.entered_in_error


def test_an_adverse_event_carries_onset_severity_and_treatment(checked_in, clinician_client, clinician):
    session = _signed(checked_in, clinician)
    with time_machine.travel(datetime.datetime(2026, 11, 25, 12, tzinfo=datetime.UTC), tick=False):
        clinician_client.force_login(clinician)
        clinician_client.post(
            reverse("sessions:adverse_event_add", args=[session.pk]),
            {"code": "blister", "onset_on": "2026-11-23", "severity": "moderate", "treatment_given": "Drained"},
        )
    event = session.adverse_events.get()
    assert (event.onset_on, event.severity, event.treatment_given) == (
        datetime.date(2026, 11, 23),
        "moderate",
        "Drained",
    )


def test_an_adverse_event_cannot_begin_before_the_session_or_after_today(checked_in, clinician):
    session = TreatmentSession.objects.get()
    for onset in (TODAY - datetime.timedelta(days=1), TODAY + datetime.timedelta(days=1)):
        with pytest.raises(services.ScheduleError) as refused:
            services.adverse_event_add(
                session=session, code="pain", note="", user=clinician, onset_on=onset, today=TODAY
            )
        assert refused.value.field == "onset_on"
    assert not session.adverse_events.exists()


def _signed(checked_in, clinician) -> TreatmentSession:
    session = TreatmentSession.objects.get()
    services.treatment_update(session=session, data=GOOD, parameters=DEFAULT_PARAMETERS, user=clinician)
    services.appointment_complete(appointment=checked_in, user=clinician)
    return session


def test_an_addendum_sent_twice_by_a_double_click_is_stored_once(checked_in, clinician, clinician_client):
    session = _signed(checked_in, clinician)
    url = reverse("sessions:addendum_add", args=[session.pk])
    page = clinician_client.get(reverse("sessions:appointment", args=[checked_in.pk])).content.decode()
    form = re.escape(f'action="{url}"') + r'[^>]*>.*?name="submission" value="([^"]+)"'
    token = re.search(form, page, re.S).group(1)
    for _ in range(2):
        response = clinician_client.post(url, {"text": "Freeze was 22 s.", "submission": token}, follow=True)
    assert SessionAddendum.objects.count() == 1
    assert "it was saved once" in response.content.decode()
    clinician_client.post(url, {"text": "Freeze was 22 s.", "submission": "another-form-token"})
    assert SessionAddendum.objects.count() == 2  # a second form is a second addendum


def test_an_adverse_event_sent_twice_is_recorded_once(checked_in, clinician, clinician_client):
    session = _signed(checked_in, clinician)
    url = reverse("sessions:adverse_event_add", args=[session.pk])
    data = {"code": "blister", "severity": "mild", "submission": "one-form-token-123"}
    clinician_client.post(url, data)
    clinician_client.post(url, data)
    assert session.adverse_events.count() == 1
    with pytest.raises(services.AlreadySubmitted):
        services.adverse_event_add(
            session=session, code="blister", note="", user=clinician, submission=data["submission"]
        )
