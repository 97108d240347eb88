from django.urls import include, path

from sessions import views

app_name = "schedule"

urlpatterns = [
    path("book/<int:scar_id>/", views.appointment_book, name="book"),
    path("appointments/<int:appointment_id>/", views.appointment_detail, name="appointment"),
    path("appointments/<int:appointment_id>/reschedule/", views.appointment_reschedule, name="reschedule"),
    path("appointments/<int:appointment_id>/<str:action>/", views.appointment_action, name="appointment_action"),
    path("treatments/<int:session_id>/", views.treatment_edit, name="treatment"),
    path("treatments/<int:session_id>/addendum/", views.addendum_add, name="addendum_add"),
    path("treatments/<int:session_id>/adverse-events/", views.adverse_event_add, name="adverse_event_add"),
    path("adverse-events/<int:event_id>/resolve/", views.adverse_event_resolve, name="adverse_event_resolve"),
    path("", include("sessions.urls_calendar")),
    path("", include("sessions.urls_worklist")),
    path("", include("sessions.urls_documents")),
]
