"""Pages of rights protection: contractor uploads (owned by imports; joined in anju/rights/urls.py)."""

from __future__ import annotations

urlpatterns: list = []
