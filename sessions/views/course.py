"""The patient page and the scar page: a patient's record with the course of treatment.

They live here, not in `patients`, because they show the schedule and the session record
(appointments, sessions, the next window) and the engine's decision built from them.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from patients import selectors as patient_selectors
from patients.access import Need, access
from patients.models import CourseEndReason, Patient, Scar
from protocols import services as protocol_services
from protocols.forms import OverrideForm
from sessions import decisions, selectors


def patient_detail(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = access(request, Patient, patient_id)
    context = {
        "patient": patient,
        "conditions": patient.conditions.all(),
        "medications": patient.medications.all(),
        "scars": patient_selectors.scars_with_latest_assessment(patient=patient),
        "appointments": selectors.patient_appointments(patient=patient)[:20],
        "consents": patient_selectors.patient_consents(patient=patient),
    }
    return render(request, "sessions/patient_detail.html", context)


@require_http_methods(["GET", "POST"])
def scar_detail(request: HttpRequest, scar_id: int) -> HttpResponse:
    """The scar, its assessments, its course and the eligibility panel; a POST records an override."""
    scar = access(request, Scar, scar_id, Need.CLINICAL_WRITE if request.method == "POST" else Need.READ)
    today = timezone.localdate()
    override_form = None
    if request.method == "POST":
        override_form = OverrideForm(request.POST)
        if override_form.is_valid():
            data = override_form.cleaned_data
            try:
                decisions.decision_override(
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
    panel = decisions.eligibility_panel(
        scar=scar, params=request.POST if request.method == "POST" else request.GET, today=today
    )
    if request.htmx and request.method == "GET":
        # A date or technique changed in the panel: the panel alone, decided again.
        context = {"scar": scar, "panel": panel, "override_form": OverrideForm(initial=panel.values)}
        return render(request, "protocols/partials/eligibility_panel.html", context)
    context = {
        "scar": scar,
        "patient": scar.patient,
        "assessments": patient_selectors.scar_assessments(scar=scar),
        "panel": panel,
        "override_form": override_form or OverrideForm(initial=panel.values),
        "overrides": protocol_services.scar_overrides(scar=scar),
        "course": selectors.scar_course(scar=scar),
        "window": selectors.scar_window(scar=scar),
        "upcoming": selectors.scar_upcoming_appointment(scar=scar),
        "today": today,
        "course_end_reasons": CourseEndReason.choices,
    }
    return render(request, "sessions/scar_detail.html", context)
