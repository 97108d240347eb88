"""The outbox page (namespace `notifications`)."""

from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("schedule/messages/", views.outbox, name="outbox"),
    path("schedule/messages/<int:message_id>/retry/", views.message_retry, name="retry"),
]
