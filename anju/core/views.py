from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from anju.core.dashboard import dashboard


@login_required
def home(request):
    stats = dashboard(request.user, region=request.GET.get("region", "").strip())
    return render(request, "core/home.html", {"stats": stats, "nav": "home"})


def healthz(request):
    from django.db import connection
    from django.http import JsonResponse

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
