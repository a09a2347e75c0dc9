from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from anju.accounts.models import Role
from anju.core.dashboard import dashboard
from anju.regions.codes import clean_prefix
from anju.registry.permissions import WorkerPolicy


def _organisation_home(user) -> str:
    """Where an account that may not read the ledger starts: an employer user at its postings, a
    contractor user at its projects (the ledger dashboard would be all zeros linking to 403)."""
    from anju.rights.templatetags.rights_tabs import first_tab_url

    if user.role == Role.EMPLOYER_USER:
        return reverse("employment:postings")
    return first_tab_url(user) or ""


@login_required
def home(request):
    if not WorkerPolicy.can(request.user, "view"):
        target = _organisation_home(request.user)
        if target:
            return redirect(target)
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


def favicon(request):
    """Browsers ask for /favicon.ico on every page: send them to the icon."""
    from django.templatetags.static import static

    return redirect(static("anju/favicon.svg"), permanent=True)
