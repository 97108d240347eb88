from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from patients import selectors, services
from patients.access import (
    access_assessment,
    access_patient,
    access_photo,
    access_scar,
    is_clinician,
    log_access,
    require_clinic_staff,
    require_clinician,
)
from patients.forms import AssessmentForm, ConditionForm, MedicationForm, PatientForm, ScarForm
from patients.models import AccessEvent, PatientCondition, PatientMedication
from protocols import services as protocol_services
from protocols.forms import OverrideForm
from sessions import selectors as session_selectors

PAGE_SIZE = 25


def patient_list(request: HttpRequest) -> HttpResponse:
    require_clinic_staff(request.user)
    query = request.GET.get("q", "").strip()[:100]
    include_archived = request.GET.get("archived") == "1"
    page = Paginator(selectors.patient_search(query=query, include_archived=include_archived), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request, "patients/patient_list.html", {"page": page, "query": query, "include_archived": include_archived}
    )


@require_http_methods(["GET", "POST"])
def patient_create(request: HttpRequest) -> HttpResponse:
    require_clinic_staff(request.user)
    form = PatientForm(request.POST or None, clinical=is_clinician(request.user))
    if request.method == "POST" and form.is_valid():
        patient = services.patient_create(data=form.cleaned_data)
        messages.success(request, f"Patient {patient.full_name} created ({patient.mrn}).")
        return redirect("patients:detail", patient.pk)
    return render(request, "form_page.html", {"form": form, "title": "New patient", "multipart": False})


@require_http_methods(["GET", "POST"])
def patient_edit(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = access_patient(request, patient_id, write=request.method == "POST")
    form = PatientForm(request.POST or None, instance=patient, clinical=is_clinician(request.user))
    if request.method == "POST" and form.is_valid():
        services.patient_update(patient=patient, data=form.cleaned_data)
        messages.success(request, "Patient details saved.")
        return redirect("patients:detail", patient.pk)
    return render(request, "form_page.html", {"form": form, "title": f"Edit {patient.full_name}", "patient": patient})


def patient_detail(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = access_patient(request, patient_id)
    context = {
        "patient": patient,
        "conditions": patient.conditions.all(),
        "medications": patient.medications.all(),
        "scars": selectors.scars_with_latest_assessment(patient=patient),
        "history": selectors.patient_history(patient=patient, limit=30),
        "appointments": session_selectors.patient_appointments(patient=patient)[:20],
    }
    return render(request, "patients/patient_detail.html", context)


def _condition_form(request, patient, instance=None):
    form = ConditionForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        if instance is None:
            services.condition_add(patient=patient, data=form.cleaned_data)
        else:
            services.condition_update(condition=instance, data=form.cleaned_data)
        messages.success(request, "Condition saved.")
        return redirect("patients:detail", patient.pk)
    title = "Add condition" if instance is None else f"Edit condition: {instance}"
    return render(request, "form_page.html", {"form": form, "title": title, "patient": patient})


@require_http_methods(["GET", "POST"])
def condition_add(request: HttpRequest, patient_id: int) -> HttpResponse:
    require_clinician(request.user)
    return _condition_form(request, access_patient(request, patient_id, write=True))


@require_http_methods(["GET", "POST"])
def condition_edit(request: HttpRequest, patient_id: int, condition_id: int) -> HttpResponse:
    require_clinician(request.user)
    patient = access_patient(request, patient_id, write=True)
    condition = get_object_or_404(PatientCondition, pk=condition_id, patient=patient)
    return _condition_form(request, patient, condition)


def _medication_form(request, patient, instance=None):
    form = MedicationForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        if instance is None:
            services.medication_add(patient=patient, data=form.cleaned_data)
        else:
            services.medication_update(medication=instance, data=form.cleaned_data)
        messages.success(request, "Medication saved.")
        return redirect("patients:detail", patient.pk)
    title = "Add medication" if instance is None else f"Edit medication: {instance}"
    return render(request, "form_page.html", {"form": form, "title": title, "patient": patient})


@require_http_methods(["GET", "POST"])
def medication_add(request: HttpRequest, patient_id: int) -> HttpResponse:
    require_clinician(request.user)
    return _medication_form(request, access_patient(request, patient_id, write=True))


@require_http_methods(["GET", "POST"])
def medication_edit(request: HttpRequest, patient_id: int, medication_id: int) -> HttpResponse:
    require_clinician(request.user)
    patient = access_patient(request, patient_id, write=True)
    medication = get_object_or_404(PatientMedication, pk=medication_id, patient=patient)
    return _medication_form(request, patient, medication)


@require_http_methods(["GET", "POST"])
def scar_create(request: HttpRequest, patient_id: int) -> HttpResponse:
    require_clinician(request.user)
    patient = access_patient(request, patient_id, write=True)
    form = ScarForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        scar = services.scar_create(patient=patient, data=form.cleaned_data)
        messages.success(request, f"Scar added: {scar.label}.")
        return redirect("patients:scar", scar.pk)
    return render(request, "form_page.html", {"form": form, "title": "Add scar", "patient": patient})


@require_http_methods(["GET", "POST"])
def scar_edit(request: HttpRequest, scar_id: int) -> HttpResponse:
    scar = access_scar(request, scar_id, write=True)
    form = ScarForm(request.POST or None, instance=scar)
    if request.method == "POST" and form.is_valid():
        services.scar_update(scar=scar, data=form.cleaned_data)
        messages.success(request, "Scar saved.")
        return redirect("patients:scar", scar.pk)
    return render(
        request, "form_page.html", {"form": form, "title": f"Edit scar: {scar.label}", "patient": scar.patient}
    )


@require_http_methods(["GET", "POST"])
def scar_detail(request: HttpRequest, scar_id: int) -> HttpResponse:
    """The scar, its assessments and the eligibility panel; a POST records an override."""
    scar = access_scar(request, scar_id, write=request.method == "POST")
    override_form = None
    if request.method == "POST":
        override_form = OverrideForm(request.POST)
        if override_form.is_valid():
            data = override_form.cleaned_data
            try:
                protocol_services.decision_override(
                    scar=scar,
                    on_date=data["on"],
                    technique=data["technique"],
                    stage=data["stage"],
                    user=request.user,
                    reason=data["reason"],
                )
            except protocol_services.OverrideRefused as refused:
                override_form.add_error(None, str(refused))
            else:
                messages.success(request, f"Override recorded for {data['on']:%Y-%m-%d}.")
                query = urlencode(
                    {"on": data["on"].isoformat(), "technique": data["technique"], "stage": data["stage"]}
                )
                return redirect(f"{request.path}?{query}")
    panel = protocol_services.eligibility_panel(
        scar=scar, params=request.POST if request.method == "POST" else request.GET, today=timezone.localdate()
    )
    context = {
        "scar": scar,
        "patient": scar.patient,
        "assessments": selectors.scar_assessments(scar=scar),
        "panel": panel,
        "override_form": override_form or OverrideForm(initial=panel.values),
        "overrides": protocol_services.scar_overrides(scar=scar),
        "course": session_selectors.scar_course(scar=scar),
        "window": session_selectors.scar_window(scar=scar),
        "upcoming": session_selectors.scar_upcoming_appointment(scar=scar),
        "today": timezone.localdate(),
    }
    return render(request, "patients/scar_detail.html", context)


@require_http_methods(["GET", "POST"])
def assessment_create(request: HttpRequest, scar_id: int) -> HttpResponse:
    scar = access_scar(request, scar_id, write=True)
    form = AssessmentForm(request.POST or None, request.FILES or None, initial={"assessed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        services.assessment_create(
            scar=scar, assessor=request.user, data=form.model_data(), photos=form.cleaned_data["photos"]
        )
        messages.success(request, "Assessment saved.")
        return redirect("patients:scar", scar.pk)
    return render(
        request,
        "form_page.html",
        {"form": form, "title": f"New assessment: {scar.label}", "patient": scar.patient, "multipart": True},
    )


@require_http_methods(["GET", "POST"])
def assessment_edit(request: HttpRequest, assessment_id: int) -> HttpResponse:
    assessment = access_assessment(request, assessment_id, write=True)
    form = AssessmentForm(request.POST or None, request.FILES or None, instance=assessment)
    if request.method == "POST" and form.is_valid():
        services.assessment_update(
            assessment=assessment, user=request.user, data=form.model_data(), photos=form.cleaned_data["photos"]
        )
        messages.success(request, "Assessment saved.")
        return redirect("patients:scar", assessment.scar_id)
    return render(
        request,
        "form_page.html",
        {"form": form, "title": f"Edit {assessment}", "patient": assessment.scar.patient, "multipart": True},
    )


def photo_view(request: HttpRequest, photo_id: int) -> FileResponse:
    photo = access_photo(request, photo_id)
    response = FileResponse(photo.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def patient_access_log(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = access_patient(request, patient_id)
    events = Paginator(patient.access_events.select_related("user"), 50).get_page(request.GET.get("page"))
    log_access(request, patient, patient, AccessEvent.Action.VIEW)
    return render(request, "patients/access_log.html", {"patient": patient, "page": events})
