"""Patient sheets: content, PDF, stored versions and the patient's link."""

import datetime
import hashlib
import io
import re

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from clinic.models import Clinic
from documents import rendering, selectors, services
from documents.models import DocumentLink, PatientDocument
from patients.models import AccessEvent
from patients.tests.factories import PatientFactory, ScarFactory
from protocols.models import Evaluation
from sessions.models import AppointmentStatus
from sessions.tests.factories import AppointmentFactory, AppointmentScarFactory, TreatmentSessionFactory

PHONE = "+34 600 123 456"
pytestmark = pytest.mark.slow  # most tests here render a PDF

TREATED_ON = datetime.date(2026, 11, 2)
# Sheets say "your next appointment", "the link works until" and "printed on": all read the clock,
# so every test here runs at this moment, whatever the machine's date.
NOW = datetime.datetime(2026, 11, 20, 11, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def clinic(db):
    clinic = Clinic.current()
    clinic.name = "Test Scar Clinic"
    clinic.phone = PHONE
    clinic.after_hours_advice = "Call the hospital switchboard."
    clinic.save()
    return clinic


def _decision(*codes_printable: tuple[str, bool]) -> dict:
    return {
        "schema": "cryocare.decision/1",
        "outcome": "eligible",
        "findings": [
            {
                "code": code,
                "severity": "warn",
                "title": f"Title of {code}",
                "detail": "",
                "sources": [],
                "printable": printable,
            }
            for code, printable in codes_printable
        ],
        "window": None,
    }


def _evaluation(session, user, decision: dict, purpose: str = "treatment") -> Evaluation:
    return Evaluation.objects.create(
        patient=session.scar.patient,
        scar=session.scar,
        on_date=session.performed_on,
        stage="treat",
        technique=session.technique,
        purpose=purpose,
        outcome="eligible",
        ruleset="cryocare-rules/1",
        facts={},
        decision=decision,
        parameters={},
        created_by=user,
    )


def _completed(clinician, *, patient=None, body_site="abdomen", laterality="midline", decision=None):
    scar = ScarFactory(patient=patient or PatientFactory(), body_site=body_site, laterality=laterality)
    session = TreatmentSessionFactory(
        scar=scar, performed_on=TREATED_ON, appointment__clinician=clinician, completed_by=clinician
    )
    if decision is not None:
        session.treat_evaluation = _evaluation(session, clinician, decision)
        session.save()
    return session


def _print(client, session, **data):
    response = client.post(reverse("documents:aftercare_print", args=[session.appointment_id]), data)
    assert response.status_code == 302, response.content[:500]
    return PatientDocument.objects.get(pk=response.url.rstrip("/").split("/")[-1])


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def _stored_text(document: PatientDocument) -> str:
    return _pdf_text(selectors.stored_pdf(document))


def _token(document: PatientDocument) -> str:
    return document.links.get().token


# Content of the aftercare sheet


def test_aftercare_pdf_names_patient_site_window_and_phone(clinician_client, clinician):
    session = _completed(clinician, body_site="cheek", laterality="left")
    text = _stored_text(_print(clinician_client, session))
    patient = session.scar.patient
    assert f"{patient.given_name} {patient.family_name}" in text
    assert "Cheek, left side" in text
    assert "between Nov. 23, 2026 and Dec. 14, 2026" in text  # 21 and 42 days after the session
    assert PHONE in text
    assert "Call the hospital switchboard." in text
    assert "does not replace your doctor" in text


def test_aftercare_pdf_shows_the_booked_next_appointment_instead_of_the_window(clinician_client, clinician):
    session = _completed(clinician)
    AppointmentScarFactory(
        scar=session.scar, appointment__starts_at=timezone.make_aware(datetime.datetime(2026, 12, 1, 10, 30))
    )
    text = _stored_text(_print(clinician_client, session))
    assert "Your next appointment: Tuesday Dec. 1, 2026 at 10:30" in text
    assert "should be between" not in text


def test_every_scar_treated_at_the_visit_is_on_the_sheet(clinician_client, clinician):
    session = _completed(clinician, body_site="cheek", laterality="left")
    other = ScarFactory(patient=session.scar.patient, body_site="scalp", laterality="")
    TreatmentSessionFactory(
        scar=other, appointment=session.appointment, performed_on=TREATED_ON, technique="spray", completed_by=clinician
    )
    text = _stored_text(_print(clinician_client, session))
    assert "Cheek, left side (cold tip held on the skin)" in text and "Scalp (cold spray)" in text


def test_aftercare_fits_on_one_page(clinician_client, clinician):
    session = _completed(clinician, decision=_decision(("WRN-01", True), ("WRN-02", True)))
    document = _print(clinician_client, session)
    pages = PdfReader(io.BytesIO(selectors.stored_pdf(document))).pages
    assert len(pages) == 1, pages[-1].extract_text()


def test_spanish_speaking_patient_gets_the_sheet_in_spanish(clinician_client, clinician):
    session = _completed(
        clinician, patient=PatientFactory(preferred_language="es"), body_site="cheek", laterality="left"
    )
    document = _print(clinician_client, session)
    text = _stored_text(document)
    assert document.language == "es"
    assert "Después de su tratamiento" in text
    assert "Mejilla, lado izquierdo" in text
    assert "23 de noviembre de 2026" in text and "14 de diciembre de 2026" in text
    assert "no sustituye a su médico" in text
    assert "What is normal" not in text
    assert len(PdfReader(io.BytesIO(selectors.stored_pdf(document))).pages) <= 2


def test_printable_warning_is_printed_only_for_the_patient_whose_decision_had_it(clinician_client, clinician):
    darker_skin = _completed(clinician, decision=_decision(("WRN-01", True)))
    other = _completed(clinician, decision=_decision(("WRN-03", False)))
    warned = _stored_text(_print(clinician_client, darker_skin))
    not_warned = _stored_text(_print(clinician_client, other))
    assert "may become lighter, and this can be permanent" in warned
    assert "may become lighter, and this can be permanent" not in not_warned
    assert "Important for you" not in not_warned and "Title of WRN-03" not in not_warned


def test_booking_decision_is_read_when_the_session_has_no_check_in_decision(clinician_client, clinician):
    session = _completed(clinician, body_site="scalp")
    planned = AppointmentScarFactory(scar=session.scar, appointment=session.appointment)
    planned.booking_evaluation = _evaluation(session, clinician, _decision(("WRN-02", True)), purpose="booking")
    planned.save()
    text = _stored_text(_print(clinician_client, session))
    assert "The hair on the treated skin may not grow back." in text


def test_a_name_with_markup_is_text_in_the_page_and_the_pdf(clinician_client, clinician):
    session = _completed(clinician, patient=PatientFactory(given_name="<script>alert(1)</script>", family_name="Doe"))
    document = _print(clinician_client, session)
    page = clinician_client.get(reverse("documents:document", args=[document.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Doe" in page
    assert "<script>alert(1)</script> Doe" in _stored_text(document)


def test_aftercare_is_refused_before_the_session_is_completed(clinician_client, clinician):
    appointment = AppointmentFactory(clinician=clinician, status=AppointmentStatus.CHECKED_IN)
    response = clinician_client.post(reverse("documents:aftercare_print", args=[appointment.pk]))
    assert response.status_code == 302 and response.url == reverse("sessions:appointment", args=[appointment.pk])
    assert not PatientDocument.objects.exists()


# Stored versions


def test_print_stores_the_pdf_with_hash_who_and_when(clinician_client, clinician):
    document = _print(clinician_client, _completed(clinician))
    data = document.pdf.open("rb").read()
    assert data.startswith(b"%PDF")
    assert document.pdf_sha256 == hashlib.sha256(data).hexdigest()
    assert re.fullmatch(r"documents/[0-9a-f]{32}\.pdf", document.pdf.name)
    assert document.printed_by == clinician and document.version == 1
    assert abs(timezone.now() - document.printed_at) < datetime.timedelta(minutes=1)


def test_reprint_serves_the_identical_stored_pdf(clinician_client, clinician):
    session = _completed(clinician)
    first = _print(clinician_client, session)
    again = _print(clinician_client, session)
    downloads = [clinician_client.get(reverse("documents:document_pdf", args=[again.pk])) for _ in range(2)]
    assert again.pk == first.pk and PatientDocument.objects.count() == 1
    assert all(r["Content-Type"] == "application/pdf" for r in downloads)
    assert downloads[0].content == downloads[1].content
    assert hashlib.sha256(downloads[0].content).hexdigest() == first.pdf_sha256


def test_print_corrected_sheet_makes_version_2_and_keeps_version_1(clinician_client, clinician):
    session = _completed(clinician)
    first = _print(clinician_client, session)
    corrected = _print(clinician_client, session, corrected="1")
    assert (first.version, corrected.version) == (1, 2)
    assert corrected.pdf_sha256 != first.pdf_sha256
    first.refresh_from_db()
    assert first.pdf and selectors.stored_pdf(first)


def test_a_changed_sheet_is_printed_as_a_new_version(clinician_client, clinician):
    session = _completed(clinician)
    first = _print(clinician_client, session)
    AppointmentScarFactory(scar=session.scar)  # the next appointment is booked afterwards
    preview = clinician_client.get(reverse("documents:aftercare_print", args=[session.appointment_id]))
    assert preview.status_code == 200 and b"says something different" in preview.content
    second = _print(clinician_client, session)
    assert second.version == 2 and "Your next appointment" in _stored_text(second)
    assert "Your next appointment" not in _stored_text(first)


def test_opening_the_sheet_again_shows_the_stored_version(clinician_client, clinician):
    session = _completed(clinician)
    document = _print(clinician_client, session)
    response = clinician_client.get(reverse("documents:aftercare_print", args=[session.appointment_id]))
    assert response.status_code == 302 and response.url == reverse("documents:document", args=[document.pk])


def test_versions_list_shows_hash_and_who(clinician_client, clinician):
    session = _completed(clinician)
    document = _print(clinician_client, session)
    response = clinician_client.get(reverse("documents:aftercare_versions", args=[session.appointment_id]))
    assert document.pdf_sha256 in response.content.decode() and clinician.username in response.content.decode()


def test_tampered_stored_pdf_is_not_served(clinician_client, clinician):
    document = _print(clinician_client, _completed(clinician))
    with open(document.pdf.path, "ab") as file:
        file.write(b"%tampered")
    response = clinician_client.get(reverse("documents:document_pdf", args=[document.pk]))
    assert response.status_code == 302 and response.url == reverse("documents:document", args=[document.pk])


def test_weasyprint_missing_says_so_instead_of_the_pdf_link(clinician_client, clinician, monkeypatch):
    def missing():
        raise rendering.PdfUnavailable(rendering.PDF_UNAVAILABLE)

    monkeypatch.setattr(rendering, "load_weasyprint", missing)
    document = _print(clinician_client, _completed(clinician))
    page = clinician_client.get(reverse("documents:document", args=[document.pk])).content.decode()
    assert not document.pdf
    assert "PDF not available on this server: install" in page
    assert reverse("documents:document_pdf", args=[document.pk]) not in page


def test_pdf_is_added_on_reprint_once_weasyprint_is_installed(clinician_client, clinician, monkeypatch):
    session = _completed(clinician)
    with monkeypatch.context() as patched:
        patched.setattr(rendering, "load_weasyprint", lambda: (_ for _ in ()).throw(rendering.PdfUnavailable("no")))
        first = _print(clinician_client, session)
    again = _print(clinician_client, session)
    assert again.pk == first.pk and again.pdf and "does not replace your doctor" in _stored_text(again)


# Access


def test_clinic_admin_may_print(admin_client_, clinician):
    document = _print(admin_client_, _completed(clinician))
    assert document.printed_by.username == "desk_admin"


def test_outsider_gets_404_everywhere(client, outsider, clinician, clinician_client):
    session = _completed(clinician)
    document = _print(clinician_client, session)
    client.force_login(outsider)
    urls = [
        reverse("documents:aftercare_print", args=[session.appointment_id]),
        reverse("documents:aftercare_versions", args=[session.appointment_id]),
        reverse("documents:preparation_print", args=[session.scar.patient_id]),
        reverse("documents:document", args=[document.pk]),
        reverse("documents:document_pdf", args=[document.pk]),
    ]
    assert [client.get(url).status_code for url in urls] == [404] * len(urls)
    assert client.post(reverse("documents:aftercare_print", args=[session.appointment_id])).status_code == 404
    assert client.post(reverse("documents:document_link_create", args=[document.pk])).status_code == 404


def test_downloading_the_pdf_is_logged_as_an_export(clinician_client, clinician):
    document = _print(clinician_client, _completed(clinician))
    clinician_client.get(reverse("documents:document_pdf", args=[document.pk]))
    assert AccessEvent.objects.filter(
        action="export", object_type="patientdocument", object_id=str(document.pk)
    ).exists()


def test_print_rejects_a_post_without_csrf_token(clinician):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clinician)
    session = _completed(clinician)
    assert client.post(reverse("documents:aftercare_print", args=[session.appointment_id])).status_code == 403


# The patient's link


def test_the_pdf_carries_the_short_link(clinician_client, clinician):
    document = _print(clinician_client, _completed(clinician))
    text = _stored_text(document)
    assert f"http://testserver/d/{_token(document)}/" in text.replace(" ", "")


def test_link_shows_that_one_sheet_read_only_without_an_account(clinician_client, clinician, client):
    session = _completed(clinician)
    document = _print(clinician_client, session)
    response = Client().get(reverse("documents:public_document", args=[_token(document)]))
    page = response.content.decode()
    assert response.status_code == 200
    assert session.scar.patient.family_name in page and "Belly (abdomen), in the middle" in page
    assert "<form" not in page and "navbar" not in page and "Patient link" not in page
    assert response["Cache-Control"] == "private, no-store" and response["Referrer-Policy"] == "no-referrer"
    link = document.links.get()
    assert link.opened_count == 1 and link.last_opened_at is not None


def test_link_pdf_is_the_stored_pdf(clinician_client, clinician):
    document = _print(clinician_client, _completed(clinician))
    response = Client().get(reverse("documents:public_document_pdf", args=[_token(document)]))
    assert response.status_code == 200 and hashlib.sha256(response.content).hexdigest() == document.pdf_sha256


def test_link_expires_after_90_days_by_default(clinician_client, clinician):
    document = _print(clinician_client, _completed(clinician))
    link = document.links.get()
    assert link.expires_at - link.created_at == datetime.timedelta(days=90)
    later = link.created_at + datetime.timedelta(days=90, seconds=1)
    assert services.document_link_open(link.token, now=later) is None
    assert services.document_link_open(link.token, now=later - datetime.timedelta(days=1)) == link


def test_link_lifetime_follows_the_setting(clinician_client, clinician, settings):
    settings.DOCUMENT_LINK_DAYS = 7
    link = _print(clinician_client, _completed(clinician)).links.get()
    assert link.expires_at - link.created_at == datetime.timedelta(days=7)


def _invalid_page(token: str):
    response = Client().get(reverse("documents:public_document", args=[token]))
    # Each response has its own Content-Security-Policy nonce; the pages are otherwise identical.
    return response.status_code, re.sub(r'nonce="[^"]*"', 'nonce=""', response.content.decode())


def test_expired_revoked_and_tampered_links_give_the_same_plain_page(clinician_client, clinician):
    session = _completed(clinician)
    expired, revoked, good = (_print(clinician_client, session, corrected="1") for _ in range(3))
    DocumentLink.objects.filter(document=expired).update(
        created_at=timezone.now() - datetime.timedelta(days=100),
        expires_at=timezone.now() - datetime.timedelta(days=10),
    )
    response = clinician_client.post(reverse("documents:document_link_revoke", args=[revoked.links.get().pk]))
    assert response.status_code == 302
    token = _token(good)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    pages = [_invalid_page(t) for t in (_token(expired), _token(revoked), tampered, "x" * 200, "short")]
    assert {status for status, _ in pages} == {404}
    assert len({page for _, page in pages}) == 1
    assert "This link is no longer valid" in pages[0][1]
    assert session.scar.patient.family_name not in pages[0][1] and "Abdomen" not in pages[0][1]
    assert Client().get(reverse("documents:public_document_pdf", args=[_token(revoked)])).status_code == 404
    assert _invalid_page(token)[0] == 200


def test_revoking_records_who_and_when(clinician_client, clinician):
    document = _print(clinician_client, _completed(clinician))
    link = document.links.get()
    clinician_client.post(reverse("documents:document_link_revoke", args=[link.pk]))
    link.refresh_from_db()
    assert link.revoked_by == clinician and link.revoked_at is not None
    assert link.history.filter(revoked_at__isnull=False).exists()


def test_staff_can_make_a_new_link_after_revoking(clinician_client, clinician):
    document = _print(clinician_client, _completed(clinician))
    old = document.links.get()
    clinician_client.post(reverse("documents:document_link_revoke", args=[old.pk]))
    clinician_client.post(reverse("documents:document_link_create", args=[document.pk]))
    new = document.links.exclude(pk=old.pk).get()
    page = clinician_client.get(reverse("documents:document", args=[document.pk])).content.decode()
    assert new.token in page and "data:image/svg+xml;base64," in page
    assert _invalid_page(new.token)[0] == 200 and _invalid_page(old.token)[0] == 404


def test_a_link_cannot_be_altered_to_reach_another_patients_sheet(clinician_client, clinician):
    sheet_a = _print(clinician_client, _completed(clinician, patient=PatientFactory(family_name="Alvarez")))
    sheet_b = _print(clinician_client, _completed(clinician, patient=PatientFactory(family_name="Brennan")))
    token_a, token_b = _token(sheet_a), _token(sheet_b)
    page_a = Client().get(reverse("documents:public_document", args=[token_a])).content.decode()
    assert "Alvarez" in page_a and "Brennan" not in page_a
    for altered in (token_a[:8] + token_b[8:], token_b[:8] + token_a[8:], token_a.upper(), token_a + "x"):
        if altered in (token_a, token_b):
            continue
        status, page = _invalid_page(altered)
        assert status == 404 and "Brennan" not in page and "Alvarez" not in page
    response = Client().get(f"/d/{token_a}/?document={sheet_b.pk}")
    assert "Brennan" not in response.content.decode()


# Preparation sheet


def test_preparation_sheet_before_the_first_session(clinician_client, clinician):
    patient = PatientFactory()
    scar = ScarFactory(patient=patient, body_site="shoulder", laterality="right")
    AppointmentScarFactory(scar=scar, appointment__starts_at=timezone.make_aware(datetime.datetime(2026, 12, 3, 9, 0)))
    response = clinician_client.post(reverse("documents:preparation_print", args=[patient.pk]))
    document = PatientDocument.objects.get(kind="preparation")
    text = _stored_text(document)
    assert response.url == reverse("documents:document", args=[document.pk])
    assert "Thursday Dec. 3, 2026 at 09:00" in text and "Shoulder, right side" in text
    assert "at least 7 days" in text and "medicines" in text and PHONE in text
    assert document.appointment.patient == patient
    assert len(PdfReader(io.BytesIO(selectors.stored_pdf(document))).pages) <= 2


def test_preparation_sheet_in_spanish(clinician_client, clinician):
    patient = PatientFactory(preferred_language="es")
    clinician_client.post(reverse("documents:preparation_print", args=[patient.pk]))
    text = _stored_text(PatientDocument.objects.get(kind="preparation"))
    assert "al menos 7 días" in text and "no sustituye a su médico" in text


# The PDF renderer fetches nothing but the app's static files


def test_pdf_fetcher_serves_static_files_and_refuses_everything_else():
    fetcher = rendering.static_only_fetcher()
    static = fetcher.fetch(rendering.INTERNAL_BASE_URL + "static/css/cryocare.css")
    assert static.read() and static.content_type == "text/css"
    for url in (
        "file:///etc/passwd",
        "http://127.0.0.1:8000/admin/",
        rendering.INTERNAL_BASE_URL + "static/../manage.py",
        rendering.INTERNAL_BASE_URL + "static/%2e%2e/manage.py",
        rendering.INTERNAL_BASE_URL + "media/documents/x.pdf",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_pdf_of_a_page_pointing_at_local_files_renders_without_them():
    html = '<p>Sheet</p><img src="file:///etc/passwd"><link rel="stylesheet" href="file:///etc/hostname">'
    assert "Sheet" in _pdf_text(rendering.render_pdf(html))


def test_the_link_to_an_older_version_says_a_newer_one_exists(clinician_client, clinician):
    session = _completed(clinician)
    first = _print(clinician_client, session)
    old_page = Client().get(reverse("documents:public_document", args=[_token(first)])).content.decode()
    _print(clinician_client, session, corrected="1")
    newer_page = Client().get(reverse("documents:public_document", args=[_token(first)])).content.decode()
    assert "newer version" not in old_page and "newer version" in newer_page


@pytest.mark.django_db(transaction=True)
def test_the_pdf_is_rendered_outside_any_transaction_so_no_row_stays_locked(clinician_client, clinician, monkeypatch):
    in_transaction = []
    render = rendering.render_pdf

    def watched_render(html: str) -> bytes:
        in_transaction.append(transaction.get_connection().in_atomic_block)
        return render(html)

    monkeypatch.setattr(rendering, "render_pdf", watched_render)
    document = _print(clinician_client, _completed(clinician))
    assert in_transaction == [False]
    assert document.pdf and selectors.stored_pdf(document)
