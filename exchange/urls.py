"""FHIR export under /patients/, CDS Hooks under /cds-services (namespace `exchange`)."""

from django.urls import path

from exchange import views

app_name = "exchange"

urlpatterns = [
    path("patients/<int:patient_id>/fhir/", views.patient_fhir, name="patient_fhir"),
]
