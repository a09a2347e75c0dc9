"""Pages of rights protection: warnings (owned by its module; joined in anju/rights/urls.py)."""

from __future__ import annotations

from django.urls import path

from anju.rights import views_warnings as views

urlpatterns: list = [
    path("warnings/", views.warning_list, name="warnings"),
    path("warnings/<int:pk>/", views.warning_detail, name="warning"),
    path("warnings/<int:pk>/dismiss/", views.warning_dismiss_view, name="warning_dismiss"),
    path("warnings/risk/", views.risk, name="risk"),
    path("warnings/risk/sweep/", views.sweep_run, name="warning_sweep"),
    path("warnings/overview/", views.overview, name="overview"),
]
