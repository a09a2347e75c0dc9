"""Cascading region picker: one select per level (province → city → county → town), the hidden
input holds the deepest chosen code. Options of deeper levels are fetched as the user chooses."""

from __future__ import annotations

from django import forms

from anju.regions.codes import PREFIX_RE, normalize_code
from anju.regions.models import Region


class RegionPicker(forms.TextInput):
    template_name = "regions/picker.html"

    def __init__(self, attrs=None, *, root: str = ""):
        super().__init__(attrs)
        self.root = root  # a jurisdiction prefix the picker may not climb above

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        value = str(value or "").strip()
        code = value.ljust(12, "0") if PREFIX_RE.match(value) else normalize_code(value) if value else None
        chain = []
        if code:
            region = Region.objects.filter(code=code).select_related("parent").first()
            while region is not None:
                chain.append(region)
                region = region.parent
            chain.reverse()
        levels = []
        parents = [None] + [r.code for r in chain]
        for depth, parent in enumerate(parents):
            options = list(
                Region.objects.filter(abolished=False, **({"parent_id": parent} if parent else {"level": "province"}))
                .order_by("code").values_list("code", "name")
            )
            if not options:
                break
            selected = chain[depth].code if depth < len(chain) else ""
            levels.append({"options": options, "selected": selected})
        context["widget"]["levels"] = levels
        context["widget"]["code"] = code or ""
        return context
