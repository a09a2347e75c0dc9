from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from anju.accounts.models import Department, User
from anju.accounts.services import user_deactivate, user_deactivated, user_password_changed


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
    actions = ["deactivate"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("安居：角色与管辖范围"), {"fields": ("display_name", "role", "jurisdiction", "department", "organisation_uscc")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("安居：角色与管辖范围"), {"fields": ("display_name", "role", "jurisdiction", "department", "organisation_uscc")}),
    )

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            # Unticking "active" ends the account's sessions and API tokens at once, not only
            # new logins.
            if change and "is_active" in form.changed_data and not obj.is_active:
                user_deactivated(user=obj, actor=request.user)

    def user_change_password(self, request, id, form_url=""):
        # Django's view saves the new password through its own form; what a new password ends
        # (API tokens) and the audit event follow here, in the same transaction.
        with transaction.atomic():
            user = self.get_object(request, unquote(id))
            before = user.password if user is not None else None
            response = super().user_change_password(request, id, form_url)
            if user is not None and request.method == "POST":
                user.refresh_from_db(fields=["password"])
                if user.password != before:
                    user_password_changed(user=user, actor=request.user)
        return response

    @admin.action(description=_("停用所选账号（立即结束其登录和接口令牌）"))
    def deactivate(self, request, queryset):
        count = 0
        for user in queryset:
            if user.pk == request.user.pk:
                continue  # an administrator does not lock themselves out by a stray tick
            user_deactivate(user=user, actor=request.user)
            count += 1
        self.message_user(request, gettext("已停用 %(n)d 个账号。") % {"n": count},
                          messages.SUCCESS)
