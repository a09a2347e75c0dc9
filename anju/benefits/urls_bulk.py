from django.urls import path

from anju.benefits import views_bulk as views

urlpatterns = [
    path("bulk/new", views.bulk_new, name="bulk_new"),
    path("bulk/new/", views.bulk_new),
    path("bulk/pass/", views.bulk_pass, name="bulk_pass"),
    path("bulk/<int:pk>/", views.bulk_job, name="bulk_job"),
    path("bulk/<int:pk>/progress/", views.bulk_progress, name="bulk_progress"),
]
