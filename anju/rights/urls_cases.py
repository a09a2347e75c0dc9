"""Pages of rights protection: cases (owned by its module; joined in anju/rights/urls.py)."""

from __future__ import annotations

from django.urls import path

from anju.rights import views_cases as views

MOVES = ("accept", "refuse", "extend", "pause", "resume", "transfer", "recovery", "conclude")

urlpatterns: list = [
    path("cases/", views.case_list, name="cases"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/employers/", views.case_employers, name="case_employers"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    *[path(f"cases/<int:pk>/{move}/", views.case_action, {"action": move}, name=f"case_{move}") for move in MOVES],
]
