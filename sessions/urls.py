"""The schedule and the session record (namespace `sessions`), at their paths from the site root."""

from django.urls import path

from sessions.views import appointments, calendar, closures, course, home, treatments, worklist

app_name = "sessions"

urlpatterns = [
    path("patients/<int:patient_id>/", course.patient_detail, name="patient"),
    path("schedule/requests/", home.requests_queue, name="requests"),
    path("patients/scars/<int:scar_id>/", course.scar_detail, name="scar"),
    path("schedule/book/", appointments.book_at, name="book_at"),
    path("schedule/book/<int:scar_id>/", appointments.appointment_book, name="book"),
    path("schedule/book/<int:scar_id>/review/", appointments.review_book, name="book_review"),
    path("schedule/appointments/<int:appointment_id>/", appointments.appointment_detail, name="appointment"),
    path(
        "schedule/appointments/<int:appointment_id>/reschedule/",
        appointments.appointment_reschedule,
        name="reschedule",
    ),
    path(
        "schedule/appointments/<int:appointment_id>/approve/",
        appointments.appointment_approve,
        name="appointment_approve",
    ),
    path(
        "schedule/appointments/<int:appointment_id>/check_in/",
        appointments.appointment_check_in,
        name="appointment_check_in",
    ),
    path(
        "schedule/appointments/<int:appointment_id>/cancel/",
        appointments.appointment_cancel,
        name="appointment_cancel",
    ),
    path(
        "schedule/appointments/<int:appointment_id>/no_show/",
        appointments.appointment_no_show,
        name="appointment_no_show",
    ),
    path(
        "schedule/appointments/<int:appointment_id>/complete/",
        appointments.appointment_complete,
        name="appointment_complete",
    ),
    path("schedule/treatments/<int:session_id>/", treatments.treatment_edit, name="treatment"),
    path("schedule/treatments/<int:session_id>/addendum/", treatments.addendum_add, name="addendum_add"),
    path(
        "schedule/treatments/<int:session_id>/adverse-events/", treatments.adverse_event_add, name="adverse_event_add"
    ),
    path(
        "schedule/treatments/<int:session_id>/entered-in-error/",
        treatments.treatment_entered_in_error,
        name="treatment_entered_in_error",
    ),
    path(
        "schedule/adverse-events/<int:event_id>/entered-in-error/",
        treatments.adverse_event_entered_in_error,
        name="adverse_event_entered_in_error",
    ),
    path(
        "schedule/adverse-events/<int:event_id>/resolve/",
        treatments.adverse_event_resolve,
        name="adverse_event_resolve",
    ),
    path("schedule/calendar/day/", calendar.calendar_day, name="calendar_day"),
    path("schedule/calendar/week/", calendar.calendar_week, name="calendar_week"),
    path("schedule/calendar/feed/", calendar.calendar_feed, name="calendar_feed"),
    path("schedule/ical/<slug:token>.ics", calendar.ical_feed, name="ical_feed"),
    path("schedule/closures/add/", closures.closure_add, name="closure_add"),
    path("schedule/due/", worklist.worklist_due, name="due"),
    path("schedule/due.csv", worklist.worklist_due_csv, name="due_csv"),
]
