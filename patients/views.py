import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from patients import selectors, services
from patients.access import Need, access, can, log_list, require
from patients.csv_cells import csv_cell
from patients.forms import (
    AccessLogSearchForm,
    AssessmentForm,
    ConditionForm,
    ConsentForm,
    ConsentWithdrawForm,
    CourseEndForm,
    MedicationForm,
    OtherHistoryForm,
    PatientForm,
    ScarForm,
)
from patients.models import AccessEvent, AssessmentPhoto, Consent, Patient, Scar, ScarAssessment

HISTORY_SHOWN = 200  # the newest changes
PAGE_SIZE = 25


def patient_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Need.READ)
    query = request.GET.get("q", "").strip()[:100]
    include_archived = request.GET.get("archived") == "1"
    page = Paginator(selectors.patient_search(query=query, include_archived=include_archived), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    log_list(request, "patient list", rows=len(page.object_list))
    # Typing in the search box asks for the results only (htmx); the address bar keeps the search.
    template = "patients/partials/patient_results.html" if request.htmx else "patients/patient_list.html"
    return render(request, template, {"page": page, "query": query, "include_archived": include_archived})


@require_http_methods(["GET", "POST"])
def patient_create(request: HttpRequest) -> HttpResponse:
    require(request.user, Need.DEMOGRAPHICS_WRITE)
    form = PatientForm(request.POST or None, clinical=can(request.user, Need.CLINICAL_WRITE))
    if request.method == "POST" and form.is_valid():
        patient = services.patient_create(data=form.cleaned_data)
        messages.success(request, f"Patient {patient.full_name} created ({patient.mrn}).")
        return redirect("sessions:patient", patient.pk)
    return render(request, "form_page.html", {"form": form, "title": "New patient", "multipart": False})


@require_http_methods(["GET", "POST"])
def patient_edit(request: HttpRequest, patient_id: int) -> HttpResponse:
    need = Need.DEMOGRAPHICS_WRITE if request.method == "POST" else Need.READ
    patient = access(request, Patient, patient_id, need)
    form = PatientForm(request.POST or None, instance=patient, clinical=can(request.user, Need.CLINICAL_WRITE))
    if request.method == "POST" and form.is_valid():
        services.patient_update(patient=patient, data=form.cleaned_data)
        messages.success(request, "Patient details saved.")
        return redirect("sessions:patient", patient.pk)
    return render(request, "form_page.html", {"form": form, "title": f"Edit {patient.full_name}", "patient": patient})


def _history_entry_page(request: HttpRequest, patient_id: int, form_class, what: str, entry_id: int | None = None):
    """Add a coded condition or medication (`what`) to the patient's history, or correct one."""
    patient = access(request, Patient, patient_id, Need.CLINICAL_WRITE)
    model = form_class._meta.model
    entry = get_object_or_404(model, pk=entry_id, patient=patient) if entry_id else model(patient=patient)
    form = form_class(request.POST or None, instance=entry)
    if request.method == "POST" and form.is_valid():
        services.history_entry_save(entry=entry, data=form.cleaned_data)
        messages.success(request, f"{what.capitalize()} saved.")
        return redirect("sessions:patient", patient.pk)
    title = f"Add {what}" if entry_id is None else f"Edit {what}: {entry}"
    return render(request, "form_page.html", {"form": form, "title": title, "patient": patient})


@require_http_methods(["GET", "POST"])
def condition_add(request: HttpRequest, patient_id: int) -> HttpResponse:
    return _history_entry_page(request, patient_id, ConditionForm, "condition")


@require_http_methods(["GET", "POST"])
def condition_edit(request: HttpRequest, patient_id: int, condition_id: int) -> HttpResponse:
    return _history_entry_page(request, patient_id, ConditionForm, "condition", condition_id)


@require_http_methods(["GET", "POST"])
def other_history_edit(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Conditions and medications without a code, as free text (the engine does not read them)."""
    patient = access(request, Patient, patient_id, Need.CLINICAL_WRITE)
    initial = {"other_conditions": patient.other_conditions, "other_medications": patient.other_medications}
    form = OtherHistoryForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.other_history_save(patient=patient, **form.cleaned_data)
        messages.success(request, "Other conditions and medications saved.")
        return redirect("sessions:patient", patient.pk)
    return render(
        request, "form_page.html", {"form": form, "title": "Other conditions and medications", "patient": patient}
    )


@require_http_methods(["GET", "POST"])
def medication_add(request: HttpRequest, patient_id: int) -> HttpResponse:
    return _history_entry_page(request, patient_id, MedicationForm, "medication")


@require_http_methods(["GET", "POST"])
def medication_edit(request: HttpRequest, patient_id: int, medication_id: int) -> HttpResponse:
    return _history_entry_page(request, patient_id, MedicationForm, "medication", medication_id)


@require_http_methods(["GET", "POST"])
def scar_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = access(request, Patient, patient_id, Need.CLINICAL_WRITE)
    form = ScarForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        scar = services.scar_create(patient=patient, data=form.cleaned_data)
        messages.success(request, f"Scar added: {scar.label}.")
        return redirect("sessions:scar", scar.pk)
    return render(request, "form_page.html", {"form": form, "title": "Add scar", "patient": patient})


@require_http_methods(["GET", "POST"])
def scar_edit(request: HttpRequest, scar_id: int) -> HttpResponse:
    scar = access(request, Scar, scar_id, Need.CLINICAL_WRITE)
    form = ScarForm(request.POST or None, instance=scar)
    if request.method == "POST" and form.is_valid():
        services.scar_update(scar=scar, data=form.cleaned_data)
        messages.success(request, "Scar saved.")
        return redirect("sessions:scar", scar.pk)
    return render(
        request, "form_page.html", {"form": form, "title": f"Edit scar: {scar.label}", "patient": scar.patient}
    )


@require_http_methods(["GET", "POST"])
def assessment_create(request: HttpRequest, scar_id: int) -> HttpResponse:
    scar = access(request, Scar, scar_id, Need.CLINICAL_WRITE)
    form = AssessmentForm(request.POST or None, request.FILES or None, initial={"assessed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        services.assessment_create(
            scar=scar, assessor=request.user, data=form.model_data(), photos=form.cleaned_data["photos"]
        )
        messages.success(request, "Assessment saved.")
        return redirect("sessions:scar", scar.pk)
    return render(
        request,
        "form_page.html",
        {"form": form, "title": f"New assessment: {scar.label}", "patient": scar.patient, "multipart": True},
    )


@require_http_methods(["GET", "POST"])
def assessment_edit(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = access(request, ScarAssessment.objects.select_related("assessor"), assessment_id, Need.CLINICAL_WRITE)
    form = AssessmentForm(request.POST or None, request.FILES or None, instance=assessment)
    if request.method == "POST" and form.is_valid():
        services.assessment_update(
            assessment=assessment, user=request.user, data=form.model_data(), photos=form.cleaned_data["photos"]
        )
        messages.success(request, "Assessment saved.")
        return redirect("sessions:scar", assessment.scar_id)
    return render(
        request,
        "form_page.html",
        {"form": form, "title": f"Edit {assessment}", "patient": assessment.scar.patient, "multipart": True},
    )


@require_http_methods(["GET", "POST"])
def consent_add(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = access(request, Patient, patient_id, Need.CLINICAL_WRITE)
    form = ConsentForm(request.POST or None, patient=patient, initial={"signed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_record(patient=patient, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Consent recorded.")
            return redirect("sessions:patient", patient.pk)
    return render(request, "form_page.html", {"form": form, "title": "Record consent", "patient": patient})


@require_http_methods(["GET", "POST"])
def consent_withdraw(request: HttpRequest, consent_id: int) -> HttpResponse:
    consent = access(request, Consent, consent_id, Need.CLINICAL_WRITE)
    form = ConsentWithdrawForm(request.POST or None, initial={"withdrawn_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_withdraw(
                consent=consent, withdrawn_on=form.cleaned_data["withdrawn_on"], user=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Consent withdrawn.")
            return redirect("sessions:patient", consent.patient_id)
    return render(
        request,
        "form_page.html",
        {"form": form, "title": f"Withdraw consent signed {consent.signed_on:%Y-%m-%d}", "patient": consent.patient},
    )


def photo_view(request: HttpRequest, photo_id: int) -> FileResponse:
    photo = access(request, AssessmentPhoto, photo_id)
    response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def patient_access_log(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = access(request, Patient, patient_id)
    events = Paginator(patient.access_events.select_related("user"), 50).get_page(request.GET.get("page"))
    return render(request, "patients/access_log.html", {"patient": patient, "page": events})


def patient_record_history(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Every recorded change to the patient's clinical record (its own page: it reads one history
    table per kind of record, too much for the patient page clinicians open between patients)."""
    patient = access(request, Patient, patient_id)
    history = selectors.patient_history(patient=patient, limit=HISTORY_SHOWN)
    return render(
        request, "patients/record_history.html", {"patient": patient, "history": history, "shown": HISTORY_SHOWN}
    )


@require_POST
def scar_course_end(request: HttpRequest, scar_id: int) -> HttpResponse:
    scar = access(request, Scar, scar_id, Need.CLINICAL_WRITE)
    form = CourseEndForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Choose why the course ends.")
        services.scar_course_end(
            scar=scar,
            reason=form.cleaned_data["reason"],
            note=form.cleaned_data["note"],
            user=request.user,
            today=timezone.localdate(),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Course ended. The scar leaves the worklist; its history stays.")
    return redirect("sessions:scar", scar.pk)


@require_POST
def scar_course_reopen(request: HttpRequest, scar_id: int) -> HttpResponse:
    scar = access(request, Scar, scar_id, Need.CLINICAL_WRITE)
    try:
        services.scar_course_reopen(scar=scar, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Course reopened.")
    return redirect("sessions:scar", scar.pk)


ACCESS_LOG_CSV_LIMIT = 100_000  # rows in one export; narrow the search for more
ACCESS_LOG_CSV_COLUMNS = ["at", "user", "action", "record", "patient MRN", "detail", "rows", "address", "page"]


def _access_log(request: HttpRequest):
    require(request.user, Need.CLINIC_SETUP)
    form = AccessLogSearchForm(request.GET)  # every field is optional: no filter means the last 30 days
    if not form.is_valid():
        return form, None
    return form, selectors.access_log_search(**form.cleaned_data)


@require_safe
def access_log_search(request: HttpRequest) -> HttpResponse:
    """Clinic admins search the whole access log by patient, user and dates."""
    form, events = _access_log(request)
    page = Paginator(events if events is not None else AccessEvent.objects.none(), 50).get_page(request.GET.get("page"))
    log_list(request, "access log", rows=len(page.object_list))
    return render(request, "patients/access_log_search.html", {"form": form, "page": page})


@require_safe
def access_log_csv(request: HttpRequest) -> HttpResponse:
    form, events = _access_log(request)
    if events is None:
        return HttpResponse("Check the search: " + form.errors.as_text(), status=400, content_type="text/plain")
    events = list(events[:ACCESS_LOG_CSV_LIMIT])
    log_list(request, "access log CSV", rows=len(events), action=AccessEvent.Action.EXPORT)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="access-log.csv"'
    writer = csv.writer(response)
    writer.writerow(ACCESS_LOG_CSV_COLUMNS)
    for e in events:
        writer.writerow(
            csv_cell(value)
            for value in (
                e.at.isoformat(), e.user.get_username() if e.user else "(patient link)", e.action,
                f"{e.object_type} {e.object_id}", e.patient.mrn if e.patient else "", e.detail,
                "" if e.row_count is None else e.row_count, e.address or "", e.path,
            )
        )  # fmt: skip
    return response


