from django.urls import path

from sessions import views_calendar

urlpatterns = [
    path("calendar/day/", views_calendar.calendar_day, name="calendar_day"),
    path("calendar/week/", views_calendar.calendar_week, name="calendar_week"),
    path("calendar/feed/", views_calendar.calendar_feed, name="calendar_feed"),
    path("ical/<slug:token>.ics", views_calendar.ical_feed, name="ical_feed"),
]
