"""Forms of the knowledge base, KPI and hotline settings pages. They check the shape of the input;
the services in `anju.rights.knowledge` decide (and refuse with a RightsError shown on the form)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from anju.accounts.models import DepartmentKind, Role
from anju.rights.models import TicketCategory

TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}
DATE = forms.DateInput(format="%Y-%m-%d", attrs=TEXT | {"type": "date"})
PREFIX_HELP = _("区划代码前缀：35 福建省、3505 泉州市、350581 石狮市、350581001 湖滨街道；留空表示全国。")


def _categories(*, top_only: bool = False):
    qs = TicketCategory.objects.filter(active=True).select_related("parent")
    return qs.filter(parent__isnull=True) if top_only else qs


class _Prefix(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("适用地区（区划前缀）"))
        super().__init__(required=False, max_length=12, help_text=PREFIX_HELP,
                         widget=forms.TextInput(attrs=TEXT | {"inputmode": "numeric"}), **kwargs)


class KnowledgeSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100,
                        widget=forms.TextInput(attrs={"class": "form-control", "type": "search",
                                                      "placeholder": _("来电人怎么问就怎么搜，如“社保补贴怎么领”")}))
    category = forms.ModelChoiceField(required=False, queryset=TicketCategory.objects.none(), empty_label=_("全部类别"),
                                      widget=forms.Select(attrs=SELECT))
    inactive = forms.BooleanField(required=False, label=_("含已停用"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = _categories(top_only=True)


class KnowledgeForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=160, widget=forms.TextInput(attrs=TEXT))
    question = forms.CharField(label=_("常见问法"), required=False, max_length=2000,
                               help_text=_("来电人通常怎么问，每行一种问法，便于检索。"),
                               widget=forms.Textarea(attrs=TEXT | {"rows": 2}))
    answer = forms.CharField(label=_("答复口径"), max_length=10_000, widget=forms.Textarea(attrs=TEXT | {"rows": 8}))
    keywords = forms.CharField(label=_("关键词"), required=False, max_length=300,
                               help_text=_("来电人常用的说法，用空格或顿号分隔，如：社保 养老保险 断缴"),
                               widget=forms.TextInput(attrs=TEXT))
    category = forms.ModelChoiceField(label=_("类别"), required=False, queryset=TicketCategory.objects.none(),
                                      widget=forms.Select(attrs=SELECT))
    region_prefix = _Prefix()
    source = forms.CharField(label=_("依据"), required=False, max_length=300,
                             help_text=_("答复所依据的文件名称、文号和条款。"), widget=forms.TextInput(attrs=TEXT))
    active = forms.BooleanField(label=_("启用"), required=False, initial=True,
                                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = _categories()


class RoutingRuleForm(forms.Form):
    category = forms.ModelChoiceField(label=_("工单类别"), required=False, queryset=TicketCategory.objects.none(),
                                      empty_label=_("所有类别"), widget=forms.Select(attrs=SELECT))
    region_prefix = _Prefix()
    lead_department_kind = forms.ChoiceField(label=_("牵头部门"), choices=DepartmentKind.choices,
                                             widget=forms.Select(attrs=SELECT))
    lead_role = forms.ChoiceField(label=_("承办角色"), choices=Role.choices, widget=forms.Select(attrs=SELECT))
    co_handlers = forms.MultipleChoiceField(label=_("配合部门"), required=False, choices=DepartmentKind.choices,
                                            widget=forms.CheckboxSelectMultiple)
    note = forms.CharField(label=_("说明"), required=False, max_length=200, widget=forms.TextInput(attrs=TEXT))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = _categories()


class HotlineNumberForm(forms.Form):
    region_prefix = _Prefix()
    valid_from = forms.DateField(label=_("起始日期"), widget=DATE)
    number = forms.CharField(label=_("热线号码"), max_length=30, widget=forms.TextInput(attrs=TEXT | {"inputmode": "tel"}))
    name = forms.CharField(label=_("热线名称"), max_length=60, widget=forms.TextInput(attrs=TEXT))
    hours = forms.CharField(label=_("服务时间"), required=False, max_length=60,
                            help_text=_("如：工作日 8:00–12:00、14:30–17:30"), widget=forms.TextInput(attrs=TEXT))
    source = forms.CharField(label=_("依据"), max_length=300, help_text=_("设立该号码的文件名称、文号和日期。"),
                             widget=forms.TextInput(attrs=TEXT))


class KpiForm(forms.Form):
    start = forms.DateField(label=_("起始日期"), required=False, widget=DATE)
    end = forms.DateField(label=_("截止日期"), required=False, widget=DATE)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            self.add_error("end", _("截止日期不能早于起始日期。"))
        elif start and end and (end - start).days > 366:
            self.add_error("end", _("统计区间最长一年。"))
        return cleaned
