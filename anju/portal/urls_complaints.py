"""The public complaint pages: a worker complains and follows their tickets (/complaints/)."""

from __future__ import annotations

app_name = "complaints"
urlpatterns: list = []
