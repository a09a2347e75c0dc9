from django.urls import path

from anju.registry import views, views_rounds, views_workbook

app_name = "registry"
urlpatterns = [
    path("", views.worker_list, name="worker_list"),
    path("new/", views.worker_create, name="worker_create"),
    path("<int:pk>/", views.worker_detail, name="worker_detail"),
    path("<int:pk>/edit/", views.worker_edit, name="worker_edit"),
    path("<int:pk>/visit/", views.visit_create, name="visit_create"),
    path("<int:pk>/reveal/", views.worker_reveal, name="worker_reveal"),
    path("<int:pk>/certificates/new/", views.certificate_create, name="certificate_create"),
    path("<int:pk>/children/new/", views.child_create, name="child_create"),
    path("<int:pk>/children/<int:child_pk>/delete/", views.child_delete, name="child_delete"),
    path("rounds/", views_rounds.round_list, name="round_list"),
    path("rounds/<int:pk>/", views_rounds.round_detail, name="round_detail"),
    # Workbook import and export (docs/ledger-workbook.md)
    path("export/", views_workbook.worker_export, name="worker_export"),
    path("template.xlsx", views_workbook.import_template, name="import_template"),
    path("import/", views_workbook.import_start, name="import_start"),
    path("import/<int:pk>/", views_workbook.import_detail, name="import_detail"),
    path("import/<int:pk>/progress/", views_workbook.import_progress, name="import_progress"),
    path("import/<int:pk>/confirm/", views_workbook.import_confirm, name="import_confirm"),
    path("import/<int:pk>/errors.xlsx", views_workbook.import_error_report, name="import_error_report"),
]
