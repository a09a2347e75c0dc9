"""Pages of rights protection: projects (owned by its module; joined in anju/rights/urls.py)."""

from __future__ import annotations

from django.urls import path

from anju.rights import views_projects as views

urlpatterns = [
    path("projects/", views.project_list, name="projects"),
    path("projects/new/", views.project_new, name="project_new"),
    path("projects/<int:pk>/", views.project_detail, name="project"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("projects/<int:pk>/subcontractors/", views.subcontractor_add, name="project_subcontractor_add"),
    path("projects/<int:pk>/teams/", views.team_add, name="project_team_add"),
    path("projects/<int:pk>/roster/", views.roster_add, name="project_roster_add"),
    path("projects/<int:pk>/roster/<int:entry_pk>/exit/", views.roster_exit, name="project_roster_exit"),
    path("projects/<int:pk>/roster/<int:entry_pk>/settle/", views.roster_settle, name="project_roster_settle"),
    path("projects/<int:pk>/account/", views.account_open, name="project_account_open"),
    path("projects/<int:pk>/account/filed/", views.account_file, name="project_account_file"),
    path("projects/<int:pk>/account/entries/", views.entry_add, name="project_entry_add"),
    path("projects/<int:pk>/deposit/", views.deposit_set, name="project_deposit_set"),
    path("projects/<int:pk>/deposit/<slug:kind>/", views.deposit_move, name="project_deposit_move"),
    path("projects/<int:pk>/notice-board/", views.notice_board, name="notice_board"),
    path("projects/<int:pk>/notice-board/posted/", views.notice_board_posted, name="notice_board_posted"),
]
