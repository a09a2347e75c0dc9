from django.urls import path

from anju.policies import views_documents

# Included by anju/policies/urls.py (namespace "policies") at /policies/documents/, before the
# policy pages, so "documents" is never taken for a pack id.
urlpatterns = [
    path("", views_documents.document_list, name="document_list"),
    path("<slug:slug>/", views_documents.document_detail, name="document_detail"),
]
