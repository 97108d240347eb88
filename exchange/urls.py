"""FHIR export under /patients/, CDS Hooks under /cds-services (namespace `exchange`)."""

from django.urls import path

from exchange import cds, views

app_name = "exchange"

urlpatterns = [
    path("patients/<int:patient_id>/fhir/", views.patient_fhir, name="patient_fhir"),
    path("cds-services", views.cds_discovery, name="cds_discovery"),
    path(f"cds-services/{cds.SERVICE_ID}", views.cds_appointment_book, name="cds_appointment_book"),
    path("schedule/cds-clients/", views.cds_clients, name="cds_clients"),
    path("schedule/cds-clients/<int:client_id>/revoke/", views.cds_client_revoke, name="cds_client_revoke"),
]
