"""Setting a parameter value: the form of the parameter page, and the checks `anju params` shares
(`parse_value`, `clean_region_prefix`). Everything a person can get wrong is said in plain
Chinese; the services assume valid input. `region_choices` is the jurisdiction-bound region
picker other forms use too.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.params.models import Parameter, ParamType
from anju.params.permissions import ParameterPolicy
from anju.regions.codes import PREFIX_RE, normalize_code, significant_prefix
from anju.regions.selectors import child_options, region_exists, region_name, region_path

EMPTY_VALUES = {"", "none", "null", "无", "空"}
MAX_VALUE = Decimal("9999999999")


def parse_value(text: str | None, ptype: str) -> Decimal | None:
    """A value typed by a person: '' or 'none' is "no amount"; '90%' is 0.9 for a rate."""
    raw = (text or "").strip().replace(",", "").replace("，", "")
    if raw.lower() in EMPTY_VALUES:
        return None
    percent = raw.endswith("%") or raw.endswith("％")
    if percent:
        raw = raw[:-1].strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ValidationError(_("“%(value)s”不是数字；不设金额请留空。") % {"value": text}, code="number") from None
    if not value.is_finite():
        raise ValidationError(_("“%(value)s”不是数字；不设金额请留空。") % {"value": text}, code="number")
    if percent:
        value = value / 100
    if value < 0:
        raise ValidationError(_("参数值不能为负数。"), code="negative")
    if value > MAX_VALUE:
        raise ValidationError(_("参数值过大。"), code="too_large")
    if ptype == ParamType.RATE and value > 1:
        raise ValidationError(_("比例须在 0 到 1 之间（例如 0.9 或 90% 表示九成）。"), code="rate")
    if value.as_tuple().exponent < -4:  # type: ignore[operator]
        raise ValidationError(_("最多保留 4 位小数。"), code="decimals")
    return value


def clean_region_prefix(raw: str | None, *, allow_national: bool) -> str:
    """A region given as a division code or prefix ('350581', '350581000000') -> its prefix."""
    text = (raw or "").strip()
    if not text:
        if allow_national:
            return ""
        raise ValidationError(_("请选择地区。"), code="required")
    if not PREFIX_RE.match(text):
        raise ValidationError(_("“%(value)s”不是有效的区划代码（2、4、6、9 或 12 位数字）。") % {"value": text}, code="shape")
    code = normalize_code(text) if len(text) in (6, 9, 12) else text.ljust(12, "0")
    if code is None or not region_exists(code):
        raise ValidationError(_("区划代码“%(value)s”不存在。") % {"value": text}, code="unknown")
    return significant_prefix(code)


class ParameterValueForm(forms.Form):
    region = forms.CharField(label=gettext_lazy("适用地区"), required=False, max_length=12,
                             help_text=gettext_lazy("所选地区及其下辖地区（没有自己取值的）都适用此值。"))
    valid_from = forms.DateField(label=gettext_lazy("起始日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
                                 error_messages={"invalid": gettext_lazy("请输入有效日期，格式为 YYYY-MM-DD。"),
                                                 "required": gettext_lazy("请填写起始日期。")})
    value = forms.CharField(label=gettext_lazy("取值"), required=False, max_length=30,
                            help_text=gettext_lazy("留空表示政策未规定金额（判定时显示“金额待牵头部门确定”）。"))
    source = forms.CharField(label=gettext_lazy("依据（文件、文号）"), required=False, max_length=300)

    def __init__(self, *args, user, parameter: Parameter, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.parameter = user, parameter
        self.fields["region"].widget = forms.Select(choices=region_choices(user.jurisdiction, national=not user.jurisdiction))
        style_fields(self)
        if parameter.type == ParamType.RATE:
            self.fields["value"].help_text = _("0 到 1 之间的小数，或百分数（如 90%）；留空表示未规定。")
        elif parameter.unit:
            self.fields["value"].help_text = _("单位：%(unit)s。留空表示政策未规定金额。") % {"unit": parameter.unit}

    def clean_region(self) -> str:
        prefix = clean_region_prefix(self.cleaned_data.get("region"), allow_national=not self.user.jurisdiction)
        if not ParameterPolicy.can_set_for(self.user, prefix):
            raise ValidationError(_("只能为您管辖范围内的地区设置参数。"), code="jurisdiction")
        return prefix

    def clean_valid_from(self) -> dt.date:
        day = self.cleaned_data["valid_from"]
        if day.year < 1990 or day.year > 2100:
            raise ValidationError(_("起始日期须在 1990 年至 2100 年之间。"), code="range")
        return day

    def clean_value(self) -> Decimal | None:
        return parse_value(self.cleaned_data.get("value"), self.parameter.type)


def style_fields(form: forms.Form) -> None:
    for bound in form.fields.values():
        css = "form-select" if isinstance(bound.widget, forms.Select) else "form-control"
        bound.widget.attrs.setdefault("class", css)


def region_choices(root: str, *, national: bool = False, depth: int = 2) -> list[tuple[str, str]]:
    """The root region and its divisions `depth` levels down, as (prefix, indented name) — a
    picker that cannot leave the jurisdiction. The root '' lists provinces and cities."""
    choices: list[tuple[str, str]] = []
    if national:
        choices.append(("", _("全国（所有地区）")))
    if root:
        choices.append((root, region_path(root.ljust(12, "0")) or root))

    def walk(parent: str | None, level: int) -> None:
        if level > depth:
            return
        for code, name in child_options(parent):
            choices.append((significant_prefix(code), "\u3000" * level + name))
            walk(code, level + 1)

    walk(root.ljust(12, "0") if root else None, 1)
    return choices


def region_label(prefix: str) -> str:
    return region_name(prefix.ljust(12, "0")) if prefix else _("全国")
