from django.contrib import admin

from documents.models import PatientDocument
from patients.admin import ReadOnlyHistoryAdmin


@admin.register(PatientDocument)
class PatientDocumentAdmin(ReadOnlyHistoryAdmin):
    list_display = ["printed_at", "patient", "kind", "version", "language", "printed_by"]
    list_filter = ["kind", "language"]
    search_fields = ["patient__mrn", "patient__family_name"]
    list_select_related = ["patient", "printed_by"]
    exclude = ["body_html"]
