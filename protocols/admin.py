from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from protocols.models import Evaluation, Override, ProtocolParameters


@admin.register(ProtocolParameters)
class ProtocolParametersAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "min_interval_days", "max_interval_days", "updated_at"]

    def has_add_permission(self, request):
        return not ProtocolParameters.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Evaluations and overrides are a record of what was decided: never edited or deleted."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Evaluation)
class EvaluationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "patient", "scar", "on_date", "purpose", "outcome", "created_by"]
    list_filter = ["outcome", "purpose"]


@admin.register(Override)
class OverrideAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "evaluation", "created_by"]
