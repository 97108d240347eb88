from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from protocols.models import ProtocolParameters


@admin.register(ProtocolParameters)
class ProtocolParametersAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "min_interval_days", "max_interval_days", "updated_at"]

    def has_add_permission(self, request):
        return not ProtocolParameters.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
