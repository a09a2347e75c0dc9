"""The home page's figures, for the user's jurisdiction. Each figure carries the list URL that
shows exactly the people it counts."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse

from anju.regions.selectors import region_name
from anju.registry.choices import DIFFICULTY_BITS, DifficultyType, EmploymentStatus
from anju.registry.filters import six_months_ago, twelve_months_ago
from anju.registry.selectors import narrower_scope, workers_for_user

# The level below a jurisdiction prefix: province -> city, city -> county, county -> town.
_NEXT_LEVEL = {0: 2, 2: 4, 4: 6, 6: 9, 9: 12, 12: 12}


def _link(**params) -> str:
    return reverse("registry:worker_list") + "?" + urlencode({k: v for k, v in params.items() if v not in (None, "")})


def dashboard(user, *, region: str = "") -> dict:
    """Figures for `region` (a prefix inside the user's jurisdiction) or the whole jurisdiction.

    The region narrows exactly as the ledger list's filter does (`narrower_scope`), and the people
    counted are the list's (`workers_for_user`), so each figure's link shows the people it counts.
    A region the user cannot see (outside the jurisdiction, or not a code) is ignored here: the
    home page then shows the whole jurisdiction rather than an empty page."""
    scope = narrower_scope(user.jurisdiction, region)
    if scope is None:
        scope = user.jurisdiction
    qs = workers_for_user(user, within=scope)
    base = {"region": scope} if scope else {}

    by_status = dict(qs.values_list("employment_status").annotate(n=Count("id")).order_by())
    status = [
        {"code": code, "label": str(label), "count": by_status.get(code, 0), "url": _link(**base, status=code)}
        for code, label in EmploymentStatus.choices
    ]
    masks = qs.values_list("difficulty_mask").annotate(n=Count("id")).order_by()
    bit_counts: Counter[str] = Counter()
    in_difficulty = 0
    for mask, n in masks:
        if mask:
            in_difficulty += n
        for code, bit in DIFFICULTY_BITS.items():
            if mask & bit:
                bit_counts[code] += n
    difficulty = [
        {"code": code, "label": str(label), "count": bit_counts.get(code, 0), "url": _link(**base, difficulty=code)}
        for code, label in DifficultyType.choices
    ]

    depth = _NEXT_LEVEL[len(scope)]
    per_area: Counter[str] = Counter()
    for code, n in qs.values_list("residence_region_id").annotate(n=Count("id")).order_by():
        per_area[code[:depth]] += n
    areas = [
        {"code": p, "label": region_name(p.ljust(12, "0")), "count": n, "url": _link(region=p)}
        for p, n in sorted(per_area.items(), key=lambda item: -item[1])
    ]

    counts = qs.aggregate(
        total=Count("id"),
        long_unemployed=Count("id", filter=Q(employment_status=EmploymentStatus.UNEMPLOYED,
                                             unemployment_registered_on__lt=six_months_ago())),
        unverified=Count("id", filter=Q(last_verified_on__isnull=True) | Q(last_verified_on__lt=twelve_months_ago())),
    )
    return {
        "scope": scope,
        "scope_name": region_name(scope.ljust(12, "0")) if scope else "",
        "total": {"count": counts["total"], "url": _link(**base)},
        "in_difficulty": {"count": in_difficulty, "url": _link(**base, difficulty="any")},
        "long_unemployed": {"count": counts["long_unemployed"], "url": _link(**base, long_unemployed="true")},
        "unverified": {"count": counts["unverified"], "url": _link(**base, unverified="true")},
        "status": status,
        "difficulty": difficulty,
        "areas": areas,
        "area_level_is_town": depth == 9,
    }
