from django.contrib import admin, messages

from notifications import services, tasks
from notifications.models import Message, MessageStatus
from patients.admin import ReadOnlyHistoryAdmin


@admin.register(Message)
class MessageAdmin(ReadOnlyHistoryAdmin):
    """The outbox, read-only; failed messages can be queued again (also on the app's Messages page)."""

    list_display = ["created_at", "kind", "recipient", "status", "attempts", "last_error", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["recipient", "patient__mrn"]
    raw_id_fields = ["patient", "user", "appointment"]
    actions = ["retry"]

    @admin.action(description="Retry the selected failed messages")
    def retry(self, request, queryset):
        retried = [
            services.message_retry(message_id=pk)
            for pk in queryset.filter(status=MessageStatus.FAILED).values_list("pk", flat=True)
        ]
        tasks.deliver_after_commit(retried)
        self.message_user(request, f"{len(retried)} message(s) queued again.", messages.SUCCESS)
