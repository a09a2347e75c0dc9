"""Pages of rights protection: the hotline (joined in anju/rights/urls.py)."""

from __future__ import annotations

from django.urls import path

from anju.rights import views_hotline as views

urlpatterns = [
    path("tickets/", views.ticket_list, name="tickets"),
    path("tickets/new/", views.ticket_new, name="ticket_new"),
    path("tickets/<int:pk>/", views.ticket_detail, name="ticket"),
    # One move on a ticket (dispatch, contact, pause, ..., callback): views.ACTION_FORMS.
    path("tickets/<int:pk>/<slug:action>/", views.ticket_act, name="ticket_act"),
]
