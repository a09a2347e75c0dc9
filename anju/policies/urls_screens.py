from django.urls import path, register_converter

from anju.policies import views


class PolicyIdConverter:
    """A pack id (its file name). The words used by sibling routes — /policies/simulate/ is
    included after these patterns, /policies/parameters/ (anju.params) before — are never taken
    for an id."""

    regex = r"(?!(?:simulate|parameters|worker|scans|facts)/)[-a-zA-Z0-9_]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(PolicyIdConverter, "policy")

# Included by anju/policies/urls.py (namespace "policies") at /policies/.
urlpatterns = [
    path("", views.policy_list, name="policy_list"),
    path("facts/", views.fact_catalogue, name="fact_catalogue"),
    path("worker/<int:worker_pk>/", views.worker_policies, name="worker_policies"),
    path("worker/<int:worker_pk>/decide/<policy:policy_id>/", views.worker_decide, name="worker_decide"),
    path("scans/<int:pk>/", views.scan_job, name="scan_job"),
    path("scans/<int:pk>/progress/", views.scan_progress, name="scan_progress"),
    path("scans/<int:pk>/export/", views.scan_export, name="scan_export"),
    path("<policy:policy_id>/", views.policy_detail, name="policy_detail"),
    path("<policy:policy_id>/scan/", views.scan_start, name="scan_start"),
]
