from django.urls import path

from anju.benefits import views_sources as views

urlpatterns = [
    path("sources/", views.source_list, name="source_list"),
    path("sources/new/", views.source_new, name="source_new"),
    path("sources/template/<slug:kind>.xlsx", views.source_template, name="source_template"),
    path("sources/<int:pk>/", views.source_detail, name="source_detail"),
    path("sources/<int:pk>/progress/", views.source_progress, name="source_progress"),
    path("sources/<int:pk>/confirm/", views.source_confirm, name="source_confirm"),
    path("sources/<int:pk>/errors.xlsx", views.source_error_report, name="source_error_report"),
]
