import datetime
import re

import time_machine
from django.utils import timezone

from documents.models import PatientDocument
from e2e.conftest import log_in, shot
from patients.models import Patient, Scar
from sessions.decisions import scar_decision
from sessions.models import Appointment, AppointmentStatus
from sessions.selectors import scar_window
from sessions.services import PlannedScar, appointment_book
from sessions.slots import find_slots


def check_in(page, scar: Scar) -> None:
    """Open the check-in form from the appointment page, record today's look at the scar, submit."""
    page.click("a:has-text('Check in')")
    page.check(f"input[name='certain_{scar.pk}'][value='yes']")
    if page.locator("input[name=pregnancy_status]").count():
        page.check("input[name=pregnancy_status][value='no']")
    page.click("button:has-text('Check in')")


def _due_eligible_scar() -> Scar:
    """A scar on the worklist (window open, nothing booked) that the engine finds eligible today."""
    today = timezone.localdate()
    for scar in Scar.objects.filter(treatments__completed_at__isnull=False).distinct().order_by("pk"):
        window = scar_window(scar=scar)
        if (
            window is None
            or window.state(today) not in ("open", "closing")
            or scar.planned.filter(appointment__status__in=["scheduled", "requested"]).exists()
        ):
            continue
        if (
            scar_decision(scar=scar, on_date=today + datetime.timedelta(days=1), technique="contact")[1]["outcome"]
            == "eligible"
        ):
            return scar
    raise AssertionError("no due, eligible demo scar")


def test_admin_books_from_the_worklist_and_the_clinician_treats_and_prints(browser, live_server, demo):
    scar = _due_eligible_scar()
    admin = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = admin.new_page()
    log_in(page, "clinicadmin")
    page.goto("/schedule/due/?state=all")
    shot(page, "worklist")
    page.click(f"tr[data-scar='{scar.pk}'] >> text=Book")
    page.wait_for_selector("#window")
    first_slot = page.locator("#slots a >> nth=0")
    first_slot.click()  # fills the form in place, no reload
    assert "slot=" not in page.url
    assert page.input_value("input[name=starts_at]") == first_slot.get_attribute("data-starts")
    assert first_slot.get_attribute("aria-current") == "true"
    page.click("button:has-text('Book')")
    page.wait_for_url(re.compile(r"/schedule/appointments/\d+/$"))
    appointment = Appointment.objects.get(planned__scar=scar, status=AppointmentStatus.SCHEDULED)
    window = scar_window(scar=scar)
    assert window.earliest <= timezone.localdate(appointment.starts_at) <= window.latest
    page.goto(f"/schedule/calendar/day/?date={timezone.localdate(appointment.starts_at):%Y-%m-%d}")
    assert page.locator(f"a[href='/schedule/appointments/{appointment.pk}/']").count() >= 1
    shot(page, "calendar-day")
    admin.close()

    # The clinician checks the patient in on the appointment's day: the clock moves there.
    with time_machine.travel(appointment.starts_at, tick=True):
        clinic = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
        page = clinic.new_page()
        log_in(page, "clinician")
        page.goto(f"/schedule/appointments/{appointment.pk}/")
        check_in(page, scar)
        page.wait_for_selector("text=Checked in")
        page.click("text=Record treatment")
        page.fill("input[name=applicator]", "cotton tip")
        page.fill("input[name=freeze_seconds]", "20")
        page.fill("input[name=cycles]", "2")
        page.fill("input[name=thaw_seconds]", "50")
        for name in [
            "check_diagnosis_confirmed",
            "check_contraindications_reviewed",
            "check_site_disinfected",
            "check_no_sun_7_days",
            "check_medications_disclosed",
        ]:
            page.check(f"input[name={name}]")
        page.fill("input[name=immediate_reaction]", "Redness and mild swelling")
        page.fill("input[name=observation_minutes]", "30")
        page.fill("input[name=started_at]", "10:00")
        page.fill("input[name=ended_at]", "10:20")
        page.click("button:has-text('Save treatment')")
        page.wait_for_selector("text=saved")
        page.click("button:has-text('Complete and sign')")
        page.wait_for_selector("text=Session signed and locked")
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.COMPLETED
        today = timezone.localdate()
        new_window = scar_window(scar=scar)
        assert (new_window.earliest, new_window.latest) == (
            today + datetime.timedelta(days=21),
            today + datetime.timedelta(days=42),
        )
        page.goto(f"/patients/scars/{scar.pk}/")
        assert page.locator(f"#next-window >> text={new_window.earliest:%Y-%m-%d}").is_visible()
        shot(page, "scar-after-session")

        page.goto(f"/schedule/appointments/{appointment.pk}/")
        page.click("button:has-text('Print aftercare')")
        page.wait_for_url(re.compile(r"/schedule/documents/\d+/$"))
        shot(page, "aftercare")
        document = PatientDocument.objects.get(appointment=appointment)
        body = page.inner_text("body")
        assert scar.patient.family_name in body and f"{new_window.earliest:%Y}" in body
        link_text = page.locator("footer.sheet-footer .link").inner_text()
        assert document.pdf and len(document.pdf_sha256) == 64 and document.printed_by.username == "clinician"
        clinic.close()

        phone = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server.url)
        public = phone.new_page()
        public.goto(link_text.replace("http://testserver", live_server.url))
        assert scar.patient.family_name in public.inner_text("body")
        assert public.locator("nav.navbar").count() == 0
        shot(public, "aftercare-phone")
        phone.close()


def test_contraindicated_patient_is_offered_no_slot(page):
    log_in(page, "clinicadmin")
    scar = Patient.objects.get(mrn="DEMO-0011").scars.first()  # cold urticaria
    page.goto(f"/schedule/book/{scar.pk}/")
    page.wait_for_selector("#decision >> text=no slot is offered")
    assert page.locator("#decision >> text=ABS-01").first.is_visible()
    assert page.locator("#slots a").count() == 0
    shot(page, "blocked-booking")
    assert not Appointment.objects.filter(patient=scar.patient).exists()


def test_check_in_before_the_appointments_day_is_refused(page):
    scar = _due_eligible_scar()
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    [slot] = find_slots(
        patient=scar.patient,
        earliest=tomorrow,
        latest=tomorrow + datetime.timedelta(days=14),
        minutes=30,
        now=timezone.now(),
        limit=1,
    )
    appointment = appointment_book(
        patient=scar.patient,
        planned=[PlannedScar(scar=scar, technique="contact")],
        clinician=slot.clinician,
        room=slot.room,
        starts_at=slot.starts_at,
        minutes=30,
        user=slot.clinician,
    )
    log_in(page, "clinician")
    page.goto(f"/schedule/appointments/{appointment.pk}/")
    check_in(page, scar)
    page.wait_for_selector("text=Check-in is on the day of the appointment")
    shot(page, "early-check-in-refused")
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.SCHEDULED and not appointment.treatments.exists()


def test_a_blocked_scar_is_offered_a_review_visit_instead(page):
    log_in(page, "clinicadmin")
    scar = Patient.objects.get(mrn="DEMO-0011").scars.first()  # cold urticaria: freezing is blocked
    page.goto(f"/schedule/book/{scar.pk}/")
    page.click("#book-review")
    page.wait_for_selector("h1:has-text('Book a review visit')")
    page.click("#slots a >> nth=0")  # the slot fills in the time, clinician and room
    page.click("button:has-text('Book review')")
    page.wait_for_selector("#kind-review")
    assert page.locator("text=Review booked for").is_visible()
    shot(page, "review-visit-booked")
    review = Appointment.objects.get(patient=scar.patient)
    assert (review.kind, review.status) == ("review", AppointmentStatus.SCHEDULED)
    assert review.planned.get().booking_evaluation is None


def test_a_closure_over_a_booked_day_is_confirmed_and_its_visits_flagged(page):
    visit = Appointment.objects.filter(status=AppointmentStatus.SCHEDULED, starts_at__gt=timezone.now()).earliest(
        "starts_at"
    )
    day = timezone.localtime(visit.starts_at).date()
    log_in(page, "clinicadmin")
    page.goto("/schedule/settings/#closures")
    page.fill("#id_closure-starts_on", day.isoformat())
    page.fill("#id_closure-ends_on", day.isoformat())
    page.fill("#id_closure-reason", "Boiler repair")
    page.click("input[value='Add closure']")
    page.wait_for_selector("#closure-confirm")
    shot(page, "closure-confirm")
    listed = page.locator(".closure-visit").count()
    assert listed >= 1
    page.click("#closure-confirm button:has-text('Add the closure')")
    page.wait_for_selector("text=flagged to reschedule on the worklist")
    page.goto("/schedule/due/")
    assert page.locator("#count-to-reschedule").inner_text() == str(listed)
    assert page.locator(f".reschedule-row[data-appointment='{visit.pk}']").is_visible()
    shot(page, "worklist-to-reschedule")


def _free_slot_for(scar: Scar):
    """The first free slot inside the scar's window, from tomorrow on (a day with a calendar grid)."""
    window = scar_window(scar=scar)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    slots = find_slots(
        patient=scar.patient, earliest=max(window.earliest, tomorrow), latest=window.latest,
        minutes=30, now=timezone.now(), limit=1,
    )  # fmt: skip
    assert slots, "a free slot in the window"
    return slots[0]


def test_admin_books_by_clicking_a_free_time_on_the_calendar(browser, live_server, demo):
    scar = _due_eligible_scar()
    slot = _free_slot_for(scar)
    local = timezone.localtime(slot.starts_at)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    log_in(page, "clinicadmin")
    page.goto(f"/schedule/calendar/day/?date={local:%Y-%m-%d}")
    page.click(f"a.calendar-slot[href*='slot={local:%Y-%m-%dT%H:%M}&clinician={slot.clinician.pk}']")
    page.fill("input[name=q]", scar.patient.mrn)
    page.click("button:has-text('Find')")
    shot(page, "book-at-patient-search")
    page.click(f"a[href^='/schedule/book/{scar.pk}/?']:has-text('Book treatment')")
    shot(page, "book-at-booking-page")
    page.click("button:has-text('Book')")
    page.wait_for_url(re.compile(r"/schedule/appointments/\d+/$"))
    appointment = Appointment.objects.get(planned__scar=scar, status__in=["scheduled", "requested"])
    assert (appointment.starts_at, appointment.clinician_id) == (slot.starts_at, slot.clinician.pk)
    context.close()


def test_admin_moves_a_visit_by_choosing_a_free_time_on_the_calendar(browser, live_server, demo):
    scar = _due_eligible_scar()
    slot = _free_slot_for(scar)
    visit = appointment_book(
        patient=scar.patient, planned=[PlannedScar(scar=scar, technique="contact")], clinician=slot.clinician,
        room=slot.room, starts_at=slot.starts_at, minutes=30, user=slot.clinician,
    )  # fmt: skip
    later = slot.starts_at + datetime.timedelta(hours=1)
    local = timezone.localtime(later)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    log_in(page, "clinicadmin")
    page.goto(f"/schedule/appointments/{visit.pk}/")
    page.click("text=Move on the calendar")
    assert page.locator("#moving").is_visible()
    shot(page, "calendar-moving")
    page.click(f"a.calendar-slot[href*='slot={local:%Y-%m-%dT%H:%M}&clinician={slot.clinician.pk}']")
    page.click("button:has-text('Move')")
    page.wait_for_url(re.compile(rf"/schedule/appointments/{visit.pk}/$"))
    visit.refresh_from_db()
    assert visit.starts_at == later
    page.goto(f"/schedule/calendar/week/?date={local:%Y-%m-%d}")
    assert page.locator(f"a[href='/schedule/appointments/{visit.pk}/']").count() == 1
    shot(page, "calendar-week")
    context.close()
