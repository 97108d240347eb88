"""Each role starts the day from the home page; a clinician approves a request from the queue."""

from django.utils import timezone

from e2e.conftest import DIALOGS, log_in, shot
from patients.models import Patient
from sessions.models import Appointment, AppointmentStatus


def test_each_role_starts_from_its_home_page_and_a_clinician_approves_a_request(browser, live_server, demo):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    log_in(page, "clinicadmin", then="/")
    assert page.locator("h2:has-text('The clinic today')").is_visible()
    assert not page.locator("h2:has-text('Your day')").count()
    shot(page, "home-clinic-admin")
    context.close()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    log_in(page, "clinician", then="/")
    assert page.locator("h2:has-text('Your day')").is_visible()
    shot(page, "home-clinician")
    waiting = Appointment.objects.filter(
        status=AppointmentStatus.REQUESTED, clinician__username="clinician", starts_at__gte=timezone.now()
    ).first()
    assert waiting is not None, "the demo has a request waiting for this clinician"
    page.click("text=Review requests")
    card = page.locator(f"article[aria-labelledby='request-{waiting.pk}']")
    card.locator("textarea[name=reason] >> nth=0").fill("Discussed with the patient: going ahead.")
    shot(page, "requests")
    card.locator("button:has-text('Approve with override')").click()
    page.wait_for_selector(".alert-success")
    waiting.refresh_from_db()
    assert waiting.status == AppointmentStatus.SCHEDULED
    context.close()


def test_the_banner_warns_of_a_blocked_patient_on_every_page(page):
    log_in(page, "clinician")
    patient = Patient.objects.get(mrn="DEMO-0004")  # Raynaud phenomenon
    scar = patient.scars.first()
    for url in (f"/patients/{patient.pk}/", f"/patients/scars/{scar.pk}/", f"/schedule/book/{scar.pk}/"):
        page.goto(url)
        alert = page.locator(".patient-alerts .alert-chip-block")
        assert "Raynaud phenomenon" in alert.inner_text() and "blocks cryotherapy" in alert.inner_text(), url
    shot(page, "banner-blocked-patient")


def test_declining_a_request_asks_first_and_a_refused_form_shows_its_first_problem(browser, live_server, demo):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    log_in(page, "clinician", then="/schedule/requests/?all=1")
    card = page.locator("article").first
    request_id = int(card.get_attribute("aria-labelledby").removeprefix("request-"))
    card.locator("textarea[name=reason] >> nth=1").fill("Too early in the window: please rebook")
    card.locator("button:has-text('Decline')").click()
    page.wait_for_selector(".alert-success")
    assert DIALOGS == ["Decline this request? The booking is cancelled with your reason."]
    assert Appointment.objects.get(pk=request_id).status == AppointmentStatus.CANCELLED

    page.goto("/patients/new/")
    page.fill("input[name=given_name]", "Test")
    page.evaluate("document.querySelectorAll('form').forEach((f) => { f.noValidate = true; })")
    page.click("input[type=submit][value=Save]")  # family name, birth date missing: refused by the server
    page.wait_for_selector(".is-invalid")
    focused = page.evaluate("document.activeElement && document.activeElement.name")
    assert focused == page.locator(".is-invalid").first.get_attribute("name")
    context.close()


def test_the_main_pages_fit_a_768_pixel_screen(browser, live_server, demo):
    context = browser.new_context(viewport={"width": 768, "height": 1000}, base_url=live_server.url)
    page = context.new_page()
    log_in(page, "clinicadmin", then="/")
    patient = Patient.objects.get(mrn="DEMO-0004")
    for url in ("/", "/schedule/calendar/day/", "/schedule/calendar/week/", f"/patients/{patient.pk}/",
                "/schedule/due/", "/schedule/requests/?all=1", "/patients/"):  # fmt: skip
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 768, url
    page.click("button.navbar-toggler")
    page.wait_for_selector("#nav.show a:has-text('Worklist')")
    shot(page, "home-768-menu")
    context.close()
