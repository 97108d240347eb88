"""The patient's short link to one sheet (no account); included at the site root, without a namespace."""

from django.urls import path

from sessions import views_documents

urlpatterns = [
    path("d/<str:token>/", views_documents.public_document, name="public_document"),
    path("d/<str:token>/pdf/", views_documents.public_document_pdf, name="public_document_pdf"),
]
