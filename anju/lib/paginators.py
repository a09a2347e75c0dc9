"""Counting at most 10,000: a jurisdiction of a million people pages just as fast as a street.

Used by every long list (the ledger, the work queue).

An exact count of a broad filter is a scan of most of the table on every page view; nobody pages
past the first few hundred rows of a list they can narrow. Above the cap the page says so
("超过 10,000 …") and offers the pages within the cap.
"""

from __future__ import annotations

from functools import cached_property

from django.core.paginator import Paginator

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    def __init__(self, object_list, per_page, *, count_queryset=None, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count_queryset = count_queryset if count_queryset is not None else object_list
        self.capped = False

    @cached_property
    def count(self) -> int:
        n = self.count_queryset.order_by()[: COUNT_CAP + 1].count()
        self.capped = n > COUNT_CAP
        return min(n, COUNT_CAP)
