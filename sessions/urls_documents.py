"""Patient sheets for staff; included in sessions.urls (namespace `schedule`)."""

from django.urls import path

from sessions import views_documents

urlpatterns = [
    path("aftercare/<int:appointment_id>/", views_documents.aftercare_print, name="aftercare_print"),
    path(
        "aftercare/<int:appointment_id>/versions/",
        views_documents.aftercare_versions,
        name="aftercare_versions",
    ),
    path("preparation/<int:patient_id>/", views_documents.preparation_print, name="preparation_print"),
    path(
        "preparation/<int:patient_id>/versions/",
        views_documents.preparation_versions,
        name="preparation_versions",
    ),
    path("documents/<int:document_id>/", views_documents.document_detail, name="document"),
    path("documents/<int:document_id>/pdf/", views_documents.document_pdf, name="document_pdf"),
    path("documents/<int:document_id>/links/", views_documents.document_link_create, name="document_link_create"),
    path("document-links/<int:link_id>/revoke/", views_documents.document_link_revoke, name="document_link_revoke"),
]
