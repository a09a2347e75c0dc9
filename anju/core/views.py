from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from anju.core.dashboard import dashboard
from anju.regions.codes import clean_prefix


@login_required
def home(request):
    region = request.GET.get("region", "")
    if clean_prefix(region) is None:
        # Ignored (the whole jurisdiction is shown), but not silently.
        messages.warning(request, _("地区筛选无效（区划代码应为 2、4、6、9 或 12 位数字），已显示您管辖的全部地区。"))
    stats = dashboard(request.user, region=region.strip())
    return render(request, "core/home.html", {"stats": stats, "nav": "home"})


def healthz(request):
    from django.db import connection
    from django.http import JsonResponse

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
