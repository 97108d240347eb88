from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from sessions.models import (
    Appointment,
    AppointmentScar,
    Clinic,
    Closure,
    OpeningHours,
    PatientDocument,
    Room,
    SessionAddendum,
    SessionAdverseEvent,
    TreatmentSession,
    WorkingHours,
)


@admin.register(Clinic)
class ClinicAdmin(SimpleHistoryAdmin):
    list_display = ["name", "phone", "time_zone", "default_visit_minutes", "slot_step_minutes"]

    def has_add_permission(self, request):
        # One clinic: its row is created on first use (Clinic.current()).
        return super().has_add_permission(request) and not Clinic.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OpeningHours)
class OpeningHoursAdmin(admin.ModelAdmin):
    list_display = ["weekday", "opens", "closes"]
    list_filter = ["weekday"]


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "active"]
    list_filter = ["active"]

    def has_delete_permission(self, request, obj=None):
        # Appointments keep pointing at their room: deactivate it instead.
        return False


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    list_display = ["clinician", "weekday", "starts", "ends"]
    list_filter = ["weekday", "clinician"]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["starts_on", "ends_on", "clinician", "reason"]
    list_filter = ["clinician"]
    date_hierarchy = "starts_on"


class ReadOnlyAdmin(SimpleHistoryAdmin):
    """Clinical records change only through the application's services, which run the protocol
    engine and keep the audit trail; here they can be looked at, never added, edited or deleted."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AppointmentScarInline(admin.TabularInline):
    model = AppointmentScar
    fields = ["scar", "technique", "booking_evaluation"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    list_display = ["starts_at", "patient", "clinician", "room", "status"]
    list_filter = ["status", "clinician", "room"]
    search_fields = ["patient__mrn", "patient__family_name", "patient__given_name"]
    date_hierarchy = "starts_at"
    list_select_related = ["patient", "clinician", "room"]
    inlines = [AppointmentScarInline]


class AdverseEventInline(admin.TabularInline):
    model = SessionAdverseEvent
    fields = ["code", "note", "resolved_on", "recorded_by", "recorded_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class AddendumInline(admin.TabularInline):
    model = SessionAddendum
    fields = ["text", "author", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(TreatmentSession)
class TreatmentSessionAdmin(ReadOnlyAdmin):
    list_display = ["performed_on", "scar", "technique", "completed_at", "completed_by"]
    list_filter = ["technique", "completed_at"]
    search_fields = ["scar__patient__mrn", "scar__patient__family_name"]
    date_hierarchy = "performed_on"
    list_select_related = ["scar__patient", "completed_by"]
    inlines = [AdverseEventInline, AddendumInline]


@admin.register(PatientDocument)
class PatientDocumentAdmin(ReadOnlyAdmin):
    list_display = ["printed_at", "patient", "kind", "version", "language", "printed_by"]
    list_filter = ["kind", "language"]
    search_fields = ["patient__mrn", "patient__family_name"]
    list_select_related = ["patient", "printed_by"]
    exclude = ["body_html"]
