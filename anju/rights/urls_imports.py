"""Pages of rights protection: contractor uploads (owned by imports; joined in anju/rights/urls.py)."""

from __future__ import annotations

from django.urls import path

from anju.rights import views_imports as views

urlpatterns: list = [
    path("projects/<int:pk>/imports/", views.project_imports, name="project_imports"),
    path("projects/<int:pk>/imports/<int:job_pk>/", views.project_import, name="project_import"),
    path("projects/<int:pk>/imports/<int:job_pk>/progress/", views.project_import_progress,
         name="project_import_progress"),
    path("projects/<int:pk>/imports/<int:job_pk>/errors.xlsx", views.project_import_error_report,
         name="project_import_error_report"),
    path("imports/templates/<slug:kind>.xlsx", views.project_import_template, name="project_import_template"),
]
