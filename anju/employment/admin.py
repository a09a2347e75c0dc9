from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from anju.employment.models import Employer, Hire


@admin.register(Employer)
class EmployerAdmin(SimpleHistoryAdmin):
    list_display = ("name", "uscc", "size_class", "industry", "region")
    list_filter = ("size_class",)
    search_fields = ("name", "uscc")
    raw_id_fields = ("region",)


@admin.register(Hire)
class HireAdmin(SimpleHistoryAdmin):
    list_display = ("worker", "employer", "start_date", "end_date", "contract_months")
    raw_id_fields = ("worker", "employer")
