"""Pages of rights protection: projects (owned by its module; joined in anju/rights/urls.py)."""

from __future__ import annotations

urlpatterns: list = []
