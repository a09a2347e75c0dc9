"""Pages of rights protection: the knowledge base, the KPIs and the hotline settings (joined in
anju/rights/urls.py, namespace "rights")."""

from __future__ import annotations

from django.urls import path

from anju.rights import views_knowledge as views

urlpatterns = [
    path("knowledge/", views.knowledge_list, name="knowledge"),
    path("knowledge/new/", views.knowledge_new, name="knowledge_new"),
    path("knowledge/suggest/", views.knowledge_suggest, name="knowledge_suggest"),
    path("knowledge/<int:pk>/edit/", views.knowledge_edit, name="knowledge_edit"),
    path("kpis/", views.kpi_page, name="kpis"),
    path("settings/routing/", views.routing_list, name="routing"),
    path("settings/routing/new/", views.routing_new, name="routing_new"),
    path("settings/routing/<int:pk>/edit/", views.routing_edit, name="routing_edit"),
    path("settings/routing/<int:pk>/delete/", views.routing_delete, name="routing_delete"),
    path("settings/hotline-numbers/", views.hotline_numbers, name="hotline_numbers"),
]
