from __future__ import annotations

from django.contrib import admin

from anju.regions.models import Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "abolished", "source")
    list_filter = ("level", "abolished")
    search_fields = ("code", "name")
    readonly_fields = ("code",)
