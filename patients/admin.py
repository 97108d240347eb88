from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from patients.models import (
    AccessEvent,
    Consent,
    Patient,
    PatientCondition,
    PatientMedication,
    RoleChange,
    Scar,
    ScarAssessment,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Clinical records change only through the application's services, which check the roles, run the
    protocol engine and keep the audit trail; here everyone, superusers too, may look, never add, edit
    or delete (they are never hard-deleted: archive or mark them entered in error in the app)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyHistoryAdmin(ReadOnlyAdmin, SimpleHistoryAdmin):
    """Read-only, with the record's change history (for models kept by django-simple-history)."""


@admin.register(Patient)
class PatientAdmin(ReadOnlyHistoryAdmin):
    list_display = ["mrn", "family_name", "given_name", "birth_date", "archived"]
    search_fields = ["mrn", "family_name", "given_name"]
    list_filter = ["archived", "sex"]


@admin.register(PatientCondition)
class ConditionAdmin(ReadOnlyHistoryAdmin):
    list_display = ["patient", "code", "onset_date", "entered_in_error"]
    raw_id_fields = ["patient"]


@admin.register(PatientMedication)
class MedicationAdmin(ReadOnlyHistoryAdmin):
    list_display = ["patient", "code", "drug_name", "started_on", "stopped_on"]
    raw_id_fields = ["patient"]


@admin.register(Scar)
class ScarAdmin(ReadOnlyHistoryAdmin):
    list_display = ["patient", "body_site", "morphology", "status"]
    raw_id_fields = ["patient"]


@admin.register(ScarAssessment)
class ScarAssessmentAdmin(ReadOnlyHistoryAdmin):
    list_display = ["scar", "assessed_on", "assessor"]
    raw_id_fields = ["scar", "assessor"]


@admin.register(Consent)
class ConsentAdmin(ReadOnlyHistoryAdmin):
    """Shown only: consents are recorded and withdrawn on the patient's page, where the rules are checked."""

    list_display = ["patient", "signed_on", "text_version", "withdrawn_on", "entered_in_error"]
    list_filter = ["entered_in_error"]
    raw_id_fields = ["patient", "recorded_by"]


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "action", "object_type", "object_id", "patient"]
    list_filter = ["action", "object_type"]


@admin.register(RoleChange)
class RoleChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "role", "action", "changed_by"]
    list_filter = ["role", "action"]
