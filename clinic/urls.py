"""The clinic set-up page for clinic admins (namespace `clinic`)."""

from django.urls import path

from clinic import views

app_name = "clinic"

urlpatterns = [
    path("schedule/settings/", views.clinic_settings, name="settings"),
    path("schedule/settings/<slug:section>/", views.setup_row_add, name="row_add"),
    path("schedule/settings/rooms/<int:room_id>/active/", views.room_set_active, name="room_set_active"),
    path("schedule/settings/<slug:section>/<int:row_id>/delete/", views.setup_row_remove, name="row_remove"),
]
