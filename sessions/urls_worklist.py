from django.urls import path

from sessions import views_settings, views_worklist

urlpatterns = [
    path("due/", views_worklist.worklist_due, name="due"),
    path("due.csv", views_worklist.worklist_due_csv, name="due_csv"),
    path("settings/", views_settings.clinic_settings, name="settings"),
    path("settings/opening-hours/", views_settings.opening_hours_add, name="settings_opening_hours_add"),
    path(
        "settings/opening-hours/<int:hours_id>/delete/",
        views_settings.opening_hours_delete,
        name="settings_opening_hours_delete",
    ),
    path("settings/rooms/", views_settings.room_add, name="settings_room_add"),
    path("settings/rooms/<int:room_id>/active/", views_settings.room_set_active, name="settings_room_set_active"),
    path("settings/closures/", views_settings.closure_add, name="settings_closure_add"),
    path("settings/closures/<int:closure_id>/delete/", views_settings.closure_delete, name="settings_closure_delete"),
    path("settings/working-hours/", views_settings.working_hours_add, name="settings_working_hours_add"),
    path(
        "settings/working-hours/<int:hours_id>/delete/",
        views_settings.working_hours_delete,
        name="settings_working_hours_delete",
    ),
]
