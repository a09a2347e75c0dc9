"""Rights protection's pages under /rights/: the hotline, arrears cases, construction projects,
warnings, the knowledge base and KPIs, one namespace ("rights")."""

from __future__ import annotations

from anju.rights import (
    urls_cases,
    urls_hotline,
    urls_imports,
    urls_knowledge,
    urls_projects,
    urls_warnings,
)

app_name = "rights"
urlpatterns = [
    *urls_hotline.urlpatterns,
    *urls_cases.urlpatterns,
    *urls_projects.urlpatterns,
    *urls_imports.urlpatterns,
    *urls_warnings.urlpatterns,
    *urls_knowledge.urlpatterns,
]
