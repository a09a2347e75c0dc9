from __future__ import annotations

import django_filters
import django_tables2 as tables
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from anju.audit.models import Action, AuditEvent
from anju.audit.permissions import AuditPolicy
from anju.regions.codes import clean_prefix, prefix_q


def validate_region_prefix(value: str) -> None:
    if clean_prefix(value) is None:
        raise ValidationError(gettext_lazy("请填写 2、4、6、9 或 12 位区划代码前缀。"), code="region")


class AuditFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(label=gettext_lazy("用户名"), field_name="actor_username",
                                      widget=forms.TextInput(attrs={"class": "form-control"}))
    action = django_filters.ChoiceFilter(label=gettext_lazy("动作"), choices=Action.choices, empty_label=gettext_lazy("全部动作"),
                                         widget=forms.Select(attrs={"class": "form-select"}))
    object_type = django_filters.ChoiceFilter(
        label=gettext_lazy("对象类型"), empty_label=gettext_lazy("全部对象"),
        choices=[("worker", gettext_lazy("农民工")), ("verificationvisit", gettext_lazy("入户核实")),
                 ("certificate", gettext_lazy("证书")), ("user", gettext_lazy("工作人员")),
                 ("ledger", gettext_lazy("台账表格")), ("employer", gettext_lazy("用人单位"))],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    object_id = django_filters.CharFilter(label=gettext_lazy("对象编号"), widget=forms.TextInput(attrs={"class": "form-control"}))
    since = django_filters.DateFilter(label=gettext_lazy("起始日期"), field_name="at", lookup_expr="date__gte",
                                      widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}))
    until = django_filters.DateFilter(label=gettext_lazy("截止日期"), field_name="at", lookup_expr="date__lte",
                                      widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date", "class": "form-control"}))
    region = django_filters.CharFilter(label=gettext_lazy("区划前缀"), method="filter_region",
                                       validators=[validate_region_prefix],
                                       widget=forms.TextInput(attrs={"class": "form-control"}))

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def filter_region(self, qs, name, value):
        prefix = clean_prefix(value)
        return qs.filter(prefix_q("region_code", prefix)) if prefix is not None else qs.none()


class AuditTable(tables.Table):
    at = tables.DateTimeColumn(verbose_name=gettext_lazy("时间"), format="Y-m-d H:i:s")
    actor_username = tables.Column(verbose_name=gettext_lazy("用户名"), default="—")
    action = tables.Column(verbose_name=gettext_lazy("动作"))
    object_type = tables.Column(verbose_name=gettext_lazy("对象类型"))
    object_repr = tables.Column(verbose_name=gettext_lazy("对象"))
    region_code = tables.Column(verbose_name=gettext_lazy("区划"))
    changes = tables.TemplateColumn(template_name="audit/changes_cell.html", verbose_name=gettext_lazy("变更 / 详情"), orderable=False)
    ip = tables.Column(verbose_name=gettext_lazy("IP 地址"))

    class Meta:
        model = AuditEvent
        fields = ()
        sequence = ("at", "actor_username", "action", "object_type", "object_repr", "region_code", "changes", "ip")
        attrs = {"class": "table table-sm table-hover bg-white mb-0", "data-testid": "audit-table"}
        order_by_field = "order"
        empty_text = gettext_lazy("没有符合条件的审计事件。")


@login_required
def event_list(request):
    if not AuditPolicy.can(request.user, "view"):
        raise PermissionDenied(_("只有审计人员和管理员可以查看审计日志。"))
    base = AuditEvent.objects.all()
    if request.user.jurisdiction:
        base = base.filter(prefix_q("region_code", request.user.jurisdiction))
    filterset = AuditFilter(request.GET or None, queryset=base)
    # A filter that does not parse shows its error and no rows, rather than every event as if filtered.
    qs = base if not filterset.is_bound else (filterset.qs if filterset.is_valid() else base.none())
    table = AuditTable(qs.order_by("-at", "-id"))
    tables.RequestConfig(request, paginate={"per_page": 50}).configure(table)
    return render(request, "audit/event_list.html", {"filter": filterset, "table": table, "nav": "audit"})
