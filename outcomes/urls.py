"""Outcome pages (namespace `outcomes`): a scar's progress under /patients/, reports under /reports/."""

from django.urls import path

from outcomes import views

app_name = "outcomes"

urlpatterns = [
    path("patients/scars/<int:scar_id>/progress/", views.scar_progress_page, name="scar_progress"),
    path("reports/", views.clinic_reports, name="reports"),
    path("reports/<slug:name>.csv", views.clinic_report_csv, name="report_csv"),
]
