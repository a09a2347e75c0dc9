from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

from anju.api.api import api

urlpatterns = [
    path("", include("anju.core.urls")),
    path("accounts/", include("anju.accounts.urls")),
    path("regions/", include("anju.regions.urls")),
    path("ledger/", include("anju.registry.urls")),
    path("audit/", include("anju.audit.urls")),
    path("workflow/", include("anju.workflow.urls")),
    path("policies/parameters/", include("anju.params.urls")),
    path("policies/", include("anju.policies.urls")),
    path("benefits/", include("anju.benefits.urls")),
    path("employment/", include("anju.employment.urls")),
    path("rights/", include("anju.rights.urls")),
    path("check/", include("anju.portal.urls")),
    path("apply/", include("anju.portal.urls_apply")),
    path("notices/", include("anju.portal.urls_notices")),
    path("jobs/", include("anju.portal.urls_jobs")),
    path("complaints/", include("anju.portal.urls_complaints")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("django-admin/", admin.site.urls),
]
