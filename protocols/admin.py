from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from patients.admin import ReadOnlyAdmin
from protocols.models import Evaluation, Override, ProtocolParameters, ProtocolParametersChange


@admin.register(ProtocolParameters)
class ProtocolParametersAdmin(SimpleHistoryAdmin):
    """Shown only: RULES.md §6b has the parameters changed on the app's page (`/protocols/parameters/`),
    by a clinician, with a reason, old and new values logged."""

    list_display = ["__str__", "min_interval_days", "max_interval_days", "pregnancy_status_valid_days", "updated_at"]

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


@admin.register(ProtocolParametersChange)
class ProtocolParametersChangeAdmin(ReadOnlyAdmin):
    list_display = ["changed_at", "changed_by", "reason"]
