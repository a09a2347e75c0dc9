"""The administrators' view of the configuration tables (categories, routing, hotline numbers).
Tickets, cases and projects are handled on their own pages, where every move is checked and
audited; the admin does not edit them."""

from __future__ import annotations

from django.contrib import admin

from anju.rights.models import HotlineNumber, RoutingRule, TicketCategory


@admin.register(TicketCategory)
class TicketCategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "parent", "order", "active")
    list_filter = ("active",)


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "region_prefix", "lead_department_kind", "lead_role", "note")


@admin.register(HotlineNumber)
class HotlineNumberAdmin(admin.ModelAdmin):
    list_display = ("region_prefix", "valid_from", "number", "name")
