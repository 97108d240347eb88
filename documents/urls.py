"""Patient sheets (namespace `documents`): print pages and stored versions for staff under
/schedule/, and the patient's short link /d/<token>/, which needs no account."""

from django.urls import path

from documents import views

app_name = "documents"

urlpatterns = [
    path("schedule/aftercare/<int:appointment_id>/", views.aftercare_print, name="aftercare_print"),
    path("schedule/aftercare/<int:appointment_id>/versions/", views.aftercare_versions, name="aftercare_versions"),
    path("schedule/preparation/<int:patient_id>/", views.preparation_print, name="preparation_print"),
    path("schedule/preparation/<int:patient_id>/versions/", views.preparation_versions, name="preparation_versions"),
    path("schedule/consent/<int:patient_id>/", views.consent_print, name="consent_print"),
    path("schedule/consent/<int:patient_id>/versions/", views.consent_versions, name="consent_versions"),
    path("schedule/documents/<int:document_id>/signed/", views.consent_signed, name="consent_signed"),
    path("schedule/documents/<int:document_id>/", views.document_detail, name="document"),
    path("schedule/documents/<int:document_id>/pdf/", views.document_pdf, name="document_pdf"),
    path("schedule/documents/<int:document_id>/links/", views.document_link_create, name="document_link_create"),
    path("schedule/document-links/<int:link_id>/revoke/", views.document_link_revoke, name="document_link_revoke"),
    path("d/<str:token>/", views.public_document, name="public_document"),
    path("d/<str:token>/pdf/", views.public_document_pdf, name="public_document_pdf"),
]
