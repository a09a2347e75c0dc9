"""Cascading region picker: one select per level (province → city → county → town), the hidden
input holds the deepest chosen code. Options of deeper levels are fetched as the user chooses."""

from __future__ import annotations

from django import forms

from anju.regions.codes import PREFIX_RE, normalize_code
from anju.regions.selectors import ancestors, child_options


class RegionPicker(forms.TextInput):
    template_name = "regions/picker.html"

    def __init__(self, attrs=None, *, root: str = ""):
        super().__init__(attrs)
        self.root = root  # a jurisdiction prefix the picker may not climb above

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        value = str(value or "").strip()
        code = value.ljust(12, "0") if PREFIX_RE.match(value) else normalize_code(value) if value else None
        chain = ancestors(code) if code else []
        levels = []
        for depth, parent in enumerate([None, *chain]):
            options = child_options(parent)
            if not options:
                break
            levels.append({"options": options, "selected": chain[depth] if depth < len(chain) else ""})
        context["widget"]["levels"] = levels
        context["widget"]["code"] = code or ""
        return context
