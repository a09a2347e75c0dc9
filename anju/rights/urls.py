"""Rights protection's pages under /rights/: the hotline, arrears cases, construction projects,
warnings, the knowledge base and KPIs, one namespace ("rights")."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path

from anju.rights import (
    urls_cases,
    urls_hotline,
    urls_imports,
    urls_knowledge,
    urls_projects,
    urls_warnings,
)


@login_required
def home(request):
    """/rights/ typed by hand: the first tab this user may open."""
    from anju.rights.templatetags.rights_tabs import first_tab_url

    target = first_tab_url(request.user)
    if not target:
        raise Http404
    return redirect(target)


app_name = "rights"
urlpatterns = [
    path("", home, name="home"),
    *urls_hotline.urlpatterns,
    *urls_cases.urlpatterns,
    *urls_projects.urlpatterns,
    *urls_imports.urlpatterns,
    *urls_warnings.urlpatterns,
    *urls_knowledge.urlpatterns,
]
