"""Forms of the policy screens: starting a proactive list. Invalid input is said in plain
Chinese; the services assume valid input. (Setting a parameter value: anju/params/forms.py.)
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.params.forms import region_choices, style_fields
from anju.regions.codes import in_prefix


class ScanForm(forms.Form):
    on = forms.DateField(label=gettext_lazy("判定日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
                         error_messages={"invalid": gettext_lazy("请输入有效日期，格式为 YYYY-MM-DD。"),
                                         "required": gettext_lazy("请填写判定日期。")})
    region = forms.ChoiceField(label=gettext_lazy("地区"), required=False)

    def __init__(self, *args, user, root: str, **kwargs):
        kwargs.setdefault("initial", {"on": timezone.localdate(), "region": root})
        super().__init__(*args, **kwargs)
        self.user, self.root = user, root
        self.fields["region"].choices = region_choices(root, national=not root)
        self.fields["region"].error_messages["invalid_choice"] = _("只能选择您管辖范围内、政策适用的地区。")
        style_fields(self)

    def clean_on(self) -> dt.date:
        day = self.cleaned_data["on"]
        if day.year < 1990 or day.year > 2100:
            raise ValidationError(_("判定日期须在 1990 年至 2100 年之间。"), code="range")
        return day

    def clean_region(self) -> str:
        prefix = self.cleaned_data.get("region") or self.root
        # The choices already bound it; checked again because a scan must never leave the jurisdiction.
        if not in_prefix(prefix.ljust(12, "0") if prefix else "", self.user.jurisdiction) and self.user.jurisdiction:
            raise ValidationError(_("只能选择您管辖范围内的地区。"), code="jurisdiction")
        return prefix
