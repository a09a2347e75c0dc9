from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from anju.regions.codes import normalize_code
from anju.regions.selectors import children


@login_required
@require_GET
def region_children(request):
    parent = normalize_code(request.GET.get("parent", "")) if request.GET.get("parent") else None
    if request.GET.get("parent") and parent is None:
        return JsonResponse([], safe=False)
    items = [{"code": r.code, "name": r.name} for r in children(parent)]
    return JsonResponse(items, safe=False)
