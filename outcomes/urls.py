"""Outcome pages (namespace `outcomes`): a scar's progress under /patients/, reports under /reports/."""

from django.urls import path

from outcomes import views

app_name = "outcomes"

urlpatterns = [
    path("patients/scars/<int:scar_id>/progress/", views.scar_progress_page, name="scar_progress"),
]
