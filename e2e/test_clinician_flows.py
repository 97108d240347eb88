import datetime
import re

from e2e.conftest import log_in, shot
from patients.models import AssessmentPhoto, Patient, Scar
from protocols.models import Override
from protocols.rules import RULES
from sessions.decisions import scar_decision

RULES_MD_CODES = (
    ["IND-01", "ASM-01"]
    + [f"ABS-{n:02d}" for n in range(1, 13)]
    + ["ADV-01"]
    + [f"REL-{n:02d}" for n in range(1, 10)]
    + ["REL-11", "REL-12", "REL-13", "STP-01"]
    + [f"WRN-{n:02d}" for n in range(1, 11)]
)


def _scar_eligible_inside_its_window() -> tuple[Scar, datetime.date]:
    """A demo scar with a completed session that the engine finds eligible 25 days later."""
    for scar in Scar.objects.filter(treatments__completed_at__isnull=False).distinct().order_by("pk"):
        last = scar.treatments.order_by("-performed_on").first().performed_on
        _, decision = scar_decision(scar=scar, on_date=last + datetime.timedelta(days=25), technique="contact")
        if decision["outcome"] == "eligible":
            return scar, last
    raise AssertionError("the demo data has no eligible treated scar")


def test_clinician_adds_a_scar_and_an_assessment_with_a_photo(page, photo_file):
    log_in(page, "clinician")
    page.fill("input[name=q]", "Garcia")
    page.click("button:has-text('Search')")
    page.click("text=Garcia, Maria")
    page.click("text=Add scar")
    page.select_option("select[name=body_site]", "forearm")
    page.select_option("select[name=laterality]", "right")
    page.select_option("select[name=morphology]", "keloid")
    page.select_option("select[name=cause]", "traumatic")
    page.click("input[type=submit][value=Save]")
    page.wait_for_url(re.compile(r"/patients/scars/\d+/$"))
    page.click("text=New assessment")
    page.fill("input[name=length_mm]", "25")
    page.fill("input[name=width_mm]", "8")
    page.fill("input[name=height_mm]", "4")
    for name, value in {
        "vss_vascularity": "2",
        "vss_pigmentation": "1",
        "vss_pliability": "3",
        "vss_height": "2",
    }.items():
        page.fill(f"input[name={name}]", value)
    page.set_input_files("input[name=photos]", str(photo_file))
    page.click("input[type=submit][value=Save]")
    page.wait_for_selector("text=Assessment saved.")
    assert page.locator("img.photo-thumb").count() == 1
    shot(page, "scar-with-assessment")
    page.click("text=Garcia, Maria")
    assert page.locator("text=Forearm (right), keloid").is_visible()
    assert page.locator("td:has-text('8/13')").count() >= 1
    photo = AssessmentPhoto.objects.get(
        assessment__scar__patient__mrn="DEMO-0001", assessment__scar__body_site="forearm"
    )
    assert photo.uploaded_by.username == "clinician" and not photo.caption  # not one of the demo's pictures


def test_contraindicated_patient_is_blocked_with_rule_and_source(page):
    log_in(page, "clinician")
    patient = Patient.objects.get(mrn="DEMO-0004")  # Raynaud phenomenon
    scar = patient.scars.first()
    page.goto(f"/patients/scars/{scar.pk}/")
    decision = page.locator(".decision")
    assert decision.get_attribute("data-outcome") == "blocked"
    assert decision.locator("text=ABS-05").is_visible()
    assert decision.locator("a[href$='#source-S28']:has-text('Sharma 2009')").is_visible()
    assert page.locator("text=no one can override a block").is_visible()
    shot(page, "blocked")


def test_clinician_checks_dates_and_overrides_with_a_reason(page):
    log_in(page, "clinician")
    scar, last = _scar_eligible_inside_its_window()
    too_early = last + datetime.timedelta(days=14)
    page.goto(f"/patients/scars/{scar.pk}/?on={too_early:%Y-%m-%d}&technique=contact&stage=schedule")
    assert page.locator(".decision").get_attribute("data-outcome") == "needs_override"
    assert page.locator(".decision >> text=REL-12").is_visible()
    inside = last + datetime.timedelta(days=25)
    page.fill("input[name=on]", f"{inside:%Y-%m-%d}")
    page.click("button:has-text('Check')")
    page.wait_for_url("**#eligibility")
    assert page.locator(".decision >> text=REL-12").count() == 0
    page.goto(f"/patients/scars/{scar.pk}/?on={too_early:%Y-%m-%d}&technique=contact&stage=schedule")
    page.fill("textarea[name=reason]", "Patient leaves the country next week")
    page.click("button:has-text('Record override')")
    page.wait_for_selector("text=Override recorded")
    assert page.locator("text=Patient leaves the country next week").is_visible()
    assert Override.objects.get().reason == "Patient leaves the country next week"
    shot(page, "override")


def test_rule_catalogue_lists_every_rule(page):
    log_in(page, "clinician")
    page.goto("/protocols/rules/")
    codes = page.locator("tr[id^=rule-] td:first-child").all_inner_texts()
    assert sorted(codes) == sorted(RULES_MD_CODES) == sorted(r.code for r in RULES)


def test_patient_search_answers_as_you_type(page):
    log_in(page, "clinician")
    page.locator("input[name=q]").press_sequentially("Beck", delay=50)
    rows = page.locator("#patient-results tbody tr")
    for _ in range(50):  # the results come without a page load
        if rows.count() == 1:
            break
        page.wait_for_timeout(100)
    assert rows.count() == 1 and "Becker, Tom" in rows.inner_text()
    assert "q=Beck" in page.url  # the address keeps the search


def test_the_eligibility_panel_answers_when_the_technique_changes(page):
    log_in(page, "clinician")
    patient = Patient.objects.get(mrn="DEMO-0009")  # on an anticoagulant: intralesional needs an override
    scar = patient.scars.first()
    page.goto(f"/patients/scars/{scar.pk}/")
    page.select_option("#eligibility select[name=technique]", "intralesional")
    page.wait_for_selector("#eligibility .decision >> text=REL-06")
    assert "technique=intralesional" in page.url
