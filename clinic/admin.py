from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from clinic.models import Clinic, Closure, OpeningHours, Room, WorkingHours


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
