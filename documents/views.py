"""Patient sheets: print pages and stored versions for staff, and the patient's read-only link."""

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from clinic.models import Clinic
from documents import rendering, selectors, services
from documents.forms import ConsentCoverForm, ConsentSignedForm
from documents.models import DocumentKind, DocumentLink, PatientDocument
from patients.access import Need, access, log_event
from patients.models import AccessEvent, Patient
from sessions.models import Appointment

TITLES = {
    DocumentKind.AFTERCARE: "Aftercare sheet",
    DocumentKind.PREPARATION: "Preparation sheet",
    DocumentKind.CONSENT: "Consent form",
}
DOCUMENTS = PatientDocument.objects.select_related("appointment", "printed_by")


# Helpers


def _public_url(request: HttpRequest) -> Callable[[str], str]:
    return lambda token: request.build_absolute_uri(reverse("documents:public_document", args=[token]))


def _consent_print_url(patient_id: int, *, scars, techniques, guardian_name: str, guardian_relation: str) -> str:
    """The consent form's print page for this choice: printing again or a correction keeps it."""
    query = {
        "scars": [scar.pk for scar in scars],
        "techniques": list(techniques),
        "guardian_name": guardian_name,
        "guardian_relation": guardian_relation,
    }
    return reverse("documents:consent_print", args=[patient_id]) + "?" + urlencode(query, doseq=True)


def _print_url(document: PatientDocument) -> str:
    if document.kind == DocumentKind.AFTERCARE:
        return reverse("documents:aftercare_print", args=[document.appointment_id])
    if document.kind == DocumentKind.CONSENT:
        return _consent_print_url(
            document.patient_id,
            scars=document.scars.all(),
            techniques=document.techniques,
            guardian_name=document.guardian_name,
            guardian_relation=document.guardian_relation,
        )
    return reverse("documents:preparation_print", args=[document.patient_id])


def _back_url(kind: str, *, patient_id: int, appointment_id: int | None) -> str:
    if kind == DocumentKind.AFTERCARE:
        return reverse("sessions:appointment", args=[appointment_id])
    return reverse("sessions:patient", args=[patient_id])


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    return response


def _print(request: HttpRequest, sheet: rendering.Sheet, *, print_url: str, back_url: str) -> HttpResponse:
    """POST stores the sheet (or finds the unchanged stored one) and opens it; GET previews a changed one."""
    if request.method == "POST":
        document, created = services.document_print(
            sheet=sheet, user=request.user, corrected=request.POST.get("corrected") == "1"
        )
        services.document_pdf_add(document=document, public_url=_public_url(request))
        if created and document.version > 1:
            messages.success(request, f"Version {document.version} stored; earlier versions are kept.")
        return redirect("documents:document", document.pk)
    latest = selectors.document_series(kind=sheet.kind, patient=sheet.patient, appointment=sheet.appointment).first()
    if latest is not None and latest.content_sha256 == sheet.content_sha256:
        return redirect("documents:document", latest.pk)
    context = rendering.page_context(body_html=sheet.body_html, language=sheet.language, kind=sheet.kind) | {
        "latest": latest,
        "print_url": print_url,
        "back_url": back_url,
        "pdf_unavailable": rendering.pdf_unavailable_reason(),
    }
    return _no_store(render(request, "documents/preview_page.html", context))


# Staff views. Printing renders a PDF, which must not happen inside a transaction holding row
# locks: these views manage their own transactions (the services' atomic blocks).


def _need(request: HttpRequest) -> Need:
    return Need.SCHEDULE_WRITE if request.method == "POST" else Need.READ


@transaction.non_atomic_requests
@require_http_methods(["GET", "POST"])
def aftercare_print(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = access(request, Appointment, appointment_id, _need(request))
    try:
        sheet = rendering.aftercare_sheet(appointment=appointment)
    except selectors.DocumentError as error:
        messages.error(request, error.message)
        return redirect("sessions:appointment", appointment.pk)
    return _print(
        request,
        sheet,
        print_url=reverse("documents:aftercare_print", args=[appointment.pk]),
        back_url=reverse("sessions:appointment", args=[appointment.pk]),
    )


@transaction.non_atomic_requests
@require_http_methods(["GET", "POST"])
def preparation_print(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = access(request, Patient, patient_id, _need(request))
    sheet = rendering.preparation_sheet(patient=patient)
    return _print(
        request,
        sheet,
        print_url=reverse("documents:preparation_print", args=[patient.pk]),
        back_url=reverse("sessions:patient", args=[patient.pk]),
    )


@transaction.non_atomic_requests
@require_http_methods(["GET", "POST"])
def consent_print(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Without a choice, the form to choose scars and techniques; with one, the consent form itself."""
    patient = access(request, Patient, patient_id, _need(request))
    back_url = reverse("sessions:patient", args=[patient.pk])
    form = ConsentCoverForm(request.GET or None, patient=patient)
    if form.is_valid():
        try:
            cover = selectors.consent_cover(patient=patient, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            sheet = rendering.consent_sheet(patient=patient, cover=cover)
            print_url = _consent_print_url(
                patient.pk,
                scars=cover.scars,
                techniques=cover.techniques,
                guardian_name=cover.guardian_name,
                guardian_relation=cover.guardian_relation,
            )
            return _print(request, sheet, print_url=print_url, back_url=back_url)
    if request.method == "POST":  # a print of a choice that is no longer valid (e.g. a scar's course ended)
        messages.error(request, "Choose the scars and techniques again: the earlier choice is no longer valid.")
    context = {"form": form, "title": "Print a consent form", "patient": patient, "back_url": back_url}
    return render(request, "documents/consent_cover.html", context)


@require_http_methods(["GET", "POST"])
def consent_signed(request: HttpRequest, document_id: int) -> HttpResponse:
    """Record that the patient signed this printed consent form: the consent record points at it."""
    document = access(
        request, PatientDocument.objects.filter(kind=DocumentKind.CONSENT), document_id, Need.CLINICAL_WRITE
    )
    initial = {
        "signed_on": Clinic.current().date_of(),
        "guardian_name": document.guardian_name,
        "guardian_relation": document.guardian_relation,
    }
    form = ConsentSignedForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_form_signed(document=document, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Consent recorded from the signed form.")
            return redirect("sessions:patient", document.patient_id)
    title = f"Record consent form v{document.version} as signed"
    return render(request, "form_page.html", {"form": form, "title": title, "patient": document.patient})


@require_safe
def document_detail(request: HttpRequest, document_id: int) -> HttpResponse:
    document = access(request, DOCUMENTS, document_id)
    now = timezone.now()
    public_url = _public_url(request)
    active = selectors.document_active_link(document, now=now)
    links = [
        {"link": link, "url": public_url(link.token), "valid": link.is_valid(now)}
        for link in document.links.select_related("created_by", "revoked_by")
    ]
    for entry in links:
        entry["qr_data_uri"] = rendering.qr_data_uri(entry["url"]) if entry["valid"] else None
    series = list(selectors.series_of(document))
    context = rendering.stored_page_context(document=document, link=active, public_url=public_url) | {
        "links": links,
        "series": series,
        "latest": series[0],
        "is_latest": series[0].pk == document.pk,
        "print_url": _print_url(document),
        "back_url": _back_url(document.kind, patient_id=document.patient_id, appointment_id=document.appointment_id),
        "pdf_unavailable": None if document.pdf else rendering.pdf_unavailable_reason(),
    }
    return _no_store(render(request, "documents/document_page.html", context))


@require_safe
def document_pdf(request: HttpRequest, document_id: int) -> HttpResponse:
    """The stored PDF, byte for byte as it was given to the patient."""
    document = access(request, DOCUMENTS, document_id, action=AccessEvent.Action.EXPORT)
    try:
        data = selectors.stored_pdf(document)
    except selectors.DocumentError as error:
        messages.error(request, error.message)
        return redirect("documents:document", document.pk)
    return _pdf_response(data, document, attachment=True)


def _pdf_response(data: bytes, document: PatientDocument, *, attachment: bool) -> HttpResponse:
    response = _no_store(HttpResponse(data, content_type="application/pdf"))
    day = timezone.localtime(document.printed_at).date().isoformat()
    name = f"{document.kind}-{day}-v{document.version}.pdf"
    response["Content-Disposition"] = f'{"attachment" if attachment else "inline"}; filename="{name}"'
    return response


@require_POST
def document_link_create(request: HttpRequest, document_id: int) -> HttpResponse:
    document = access(request, PatientDocument, document_id, Need.SCHEDULE_WRITE)
    services.document_link_create(document=document, user=request.user)
    messages.success(request, "New patient link created.")
    return redirect(reverse("documents:document", args=[document.pk]) + "#patient-link")


@require_POST
def document_link_revoke(request: HttpRequest, link_id: int) -> HttpResponse:
    link = access(request, DocumentLink, link_id, Need.SCHEDULE_WRITE)
    services.document_link_revoke(link=link, user=request.user)
    messages.success(request, "Link revoked: it no longer opens the sheet.")
    return redirect(reverse("documents:document", args=[link.document_id]) + "#patient-link")


def _versions(request: HttpRequest, *, kind: str, patient, appointment, print_url: str, back_url: str) -> HttpResponse:
    context = {
        "title": TITLES[kind],
        "patient": patient,
        "documents": selectors.document_series(kind=kind, patient=patient, appointment=appointment),
        "print_url": print_url,
        "back_url": back_url,
    }
    return render(request, "documents/versions.html", context)


@require_safe
def aftercare_versions(request: HttpRequest, appointment_id: int) -> HttpResponse:
    appointment = access(request, Appointment, appointment_id)
    return _versions(
        request,
        kind=DocumentKind.AFTERCARE,
        patient=appointment.patient,
        appointment=appointment,
        print_url=reverse("documents:aftercare_print", args=[appointment.pk]),
        back_url=reverse("sessions:appointment", args=[appointment.pk]),
    )


@require_safe
def consent_versions(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = access(request, Patient, patient_id)
    return _versions(
        request,
        kind=DocumentKind.CONSENT,
        patient=patient,
        appointment=None,
        print_url=reverse("documents:consent_print", args=[patient.pk]),
        back_url=reverse("sessions:patient", args=[patient.pk]),
    )


@require_safe
def preparation_versions(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = access(request, Patient, patient_id)
    return _versions(
        request,
        kind=DocumentKind.PREPARATION,
        patient=patient,
        appointment=None,
        print_url=reverse("documents:preparation_print", args=[patient.pk]),
        back_url=reverse("sessions:patient", args=[patient.pk]),
    )


# The patient's link: no account, the token is the only key.


def _public(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    return response


def _link_invalid(request: HttpRequest) -> HttpResponse:
    # One answer for unknown, altered, expired and revoked links: it says nothing about the patient.
    return _public(render(request, "documents/link_invalid.html", {"clinic": Clinic.current()}, status=404))


@login_not_required
@require_safe
def public_document(request: HttpRequest, token: str) -> HttpResponse:
    link = services.document_link_open(token)
    if link is None:
        return _link_invalid(request)
    document = link.document
    log_event(request, action=AccessEvent.Action.VIEW, object_type="patientdocument", object_id=document.pk,
              patient=document.patient, detail="opened by the patient's link")  # fmt: skip
    context = rendering.page_context(
        body_html=document.body_html, language=document.language, kind=document.kind, document=document
    ) | {"token": token, "superseded": selectors.series_of(document).first().pk != document.pk}
    return _public(render(request, "documents/public_page.html", context))


@login_not_required
@require_safe
def public_document_pdf(request: HttpRequest, token: str) -> HttpResponse:
    link = services.document_link_open(token)
    if link is None:
        return _link_invalid(request)
    try:
        data = selectors.stored_pdf(link.document)
    except selectors.DocumentError:
        return _link_invalid(request)
    log_event(request, action=AccessEvent.Action.EXPORT, object_type="patientdocument", object_id=link.document_id,
              patient=link.document.patient, detail="PDF downloaded by the patient's link")  # fmt: skip
    return _public(_pdf_response(data, link.document, attachment=True))
