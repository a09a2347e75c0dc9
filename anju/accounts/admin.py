from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from anju.accounts.models import Department, User


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "region", "code")
    list_filter = ("kind",)
    search_fields = ("name", "code")
    autocomplete_fields = ("region",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "display_name", "role", "jurisdiction", "department", "is_active", "last_login")
    list_filter = ("role", "is_active", "department__kind")
    search_fields = ("username", "display_name", "jurisdiction", "organisation_uscc")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("安居：角色与管辖范围"), {"fields": ("display_name", "role", "jurisdiction", "department", "organisation_uscc")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("安居：角色与管辖范围"), {"fields": ("display_name", "role", "jurisdiction", "department", "organisation_uscc")}),
    )
