from django.contrib import admin

from patients.admin import ReadOnlyHistoryAdmin
from sessions.models import Appointment, AppointmentScar, SessionAddendum, SessionAdverseEvent, TreatmentSession


class ReadOnlyInline(admin.TabularInline):
    """The rows of a clinical record shown under it, read-only like the record itself."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False


class AppointmentScarInline(ReadOnlyInline):
    model = AppointmentScar
    fields = ["scar", "technique", "booking_evaluation"]


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyHistoryAdmin):
    list_display = ["starts_at", "patient", "clinician", "room", "status"]
    list_filter = ["status", "clinician", "room"]
    search_fields = ["patient__mrn", "patient__family_name", "patient__given_name"]
    date_hierarchy = "starts_at"
    list_select_related = ["patient", "clinician", "room"]
    inlines = [AppointmentScarInline]


class AdverseEventInline(ReadOnlyInline):
    model = SessionAdverseEvent
    fields = ["code", "note", "resolved_on", "recorded_by", "recorded_at"]


class AddendumInline(ReadOnlyInline):
    model = SessionAddendum
    fields = ["text", "author", "created_at"]


@admin.register(TreatmentSession)
class TreatmentSessionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["performed_on", "scar", "technique", "completed_at", "completed_by"]
    list_filter = ["technique", "completed_at"]
    search_fields = ["scar__patient__mrn", "scar__patient__family_name"]
    date_hierarchy = "performed_on"
    list_select_related = ["scar__patient", "completed_by"]
    inlines = [AdverseEventInline, AddendumInline]
