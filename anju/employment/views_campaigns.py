"""Staff pages of recruitment campaigns: the list, the form, and the campaign's page with its live
figures and per-day chart (each opening the list it counts), its employers, postings, fairs and
trips. Every campaign comes through `campaigns.get_campaign_for_user` (out of scope is 404); the
writes are `campaigns.campaign_*` services."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anju.employment import campaigns
from anju.employment.models import (
    Campaign,
    CampaignFair,
    CampaignKind,
    Employer,
    JobPosting,
    PostingStatus,
)
from anju.employment.permissions import CampaignPolicy, PostingPolicy, TripPolicy
from anju.lib.errors import AnjuError
from anju.lib.versioning import VersionConflict
from anju.regions.codes import normalize_code, prefix_q
from anju.regions.selectors import region_exists, region_name
from anju.regions.widgets import RegionPicker

NAV = "employment"
PAGE_SIZE = 50
_TEXT = {"class": "form-control"}
_SELECT = {"class": "form-select"}
_DATE = forms.DateInput(format="%Y-%m-%d", attrs=_TEXT | {"type": "date"})
MAX_LINES = 100


def _require(user, action: str) -> None:
    if not CampaignPolicy.can(user, action):
        raise PermissionDenied(_("您没有此操作的权限。"))


def _add_error(form, exc: AnjuError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.text())


class CampaignForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("活动类型"), choices=CampaignKind.choices, widget=forms.Select(attrs=_SELECT))
    name = forms.CharField(label=gettext_lazy("活动名称"), max_length=100, widget=forms.TextInput(attrs=_TEXT))
    region = forms.CharField(label=gettext_lazy("活动地区"), max_length=12, widget=RegionPicker())
    starts_on = forms.DateField(label=gettext_lazy("开始日期"), widget=_DATE)
    ends_on = forms.DateField(label=gettext_lazy("结束日期"), widget=_DATE)
    description = forms.CharField(label=gettext_lazy("活动说明"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs=_TEXT | {"rows": 3}))
    version = forms.IntegerField(required=False, min_value=1, max_value=2_147_483_647, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["region"].widget.root = user.jurisdiction or ""

    def clean_region(self):
        code = normalize_code(self.cleaned_data["region"])
        if code is None or not region_exists(code):
            raise forms.ValidationError(_("请选择有效的地区。"))
        return code

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("starts_on"), cleaned.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("结束日期不能早于开始日期。"))
        return cleaned

    def data_for_service(self) -> dict:
        d = self.cleaned_data
        return {"kind": d["kind"], "name": d["name"].strip(), "region_id": d["region"], "starts_on": d["starts_on"],
                "ends_on": d["ends_on"], "description": d["description"]}


class EmployersForm(forms.Form):
    employers = forms.CharField(label=gettext_lazy("参与单位"), max_length=10_000,
                                help_text=gettext_lazy("每行一个：统一社会信用代码或单位全称。"),
                                widget=forms.Textarea(attrs=_TEXT | {"rows": 3}))

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.campaign = campaign

    def clean_employers(self):
        lines = [ln.strip() for ln in self.cleaned_data["employers"].splitlines() if ln.strip()]
        if len(lines) > MAX_LINES:
            raise forms.ValidationError(_("一次最多添加 %(n)s 家单位。") % {"n": MAX_LINES})
        found, missing = [], []
        area = Employer.objects.filter(prefix_q("region_id", campaigns._prefix(self.campaign.region_id)))
        for line in lines:
            employer = area.filter(uscc=line.upper()).first() or area.filter(name=line).first()
            if employer is None:
                missing.append(line[:40])
            elif employer not in found:
                found.append(employer)
        if missing:
            raise forms.ValidationError(_("活动地区内找不到这些单位：%(names)s") % {"names": "、".join(missing)})
        return found


class PostingsForm(forms.Form):
    postings = forms.MultipleChoiceField(label=gettext_lazy("活动岗位"), widget=forms.SelectMultiple(attrs=_SELECT | {"size": 6}))

    def __init__(self, *args, user, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.campaign = user, campaign
        self.fields["postings"].choices = [(p.pk, f"{p.title}（{p.unit_name}）") for p in self.candidates()[:200]]

    def candidates(self):
        return (PostingPolicy.scope(self.user, JobPosting.objects.all())
                .filter(prefix_q("region_id", campaigns._prefix(self.campaign.region_id)),
                        status__in=[PostingStatus.DRAFT, PostingStatus.PUBLISHED, PostingStatus.PAUSED])
                .exclude(campaigns=self.campaign).order_by("-id"))

    def clean_postings(self):
        ids = [int(v) for v in self.cleaned_data["postings"]]
        return list(self.candidates().filter(pk__in=ids))


class FairForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("招聘会名称"), max_length=100, widget=forms.TextInput(attrs=_TEXT))
    mode = forms.ChoiceField(label=gettext_lazy("形式"), choices=CampaignFair.Mode.choices, widget=forms.Select(attrs=_SELECT))
    held_on = forms.DateField(label=gettext_lazy("举办日期"), widget=_DATE)
    place = forms.CharField(label=gettext_lazy("地点或网址"), max_length=200, widget=forms.TextInput(attrs=_TEXT),
                            help_text=gettext_lazy("线下填写地点；线上填写网址（https://...）。"))
    employers_count = forms.IntegerField(label=gettext_lazy("参会单位数"), required=False, min_value=0, max_value=1_000_000,
                                         widget=forms.NumberInput(attrs=_TEXT))
    visitors_count = forms.IntegerField(label=gettext_lazy("入场（访问）人次"), required=False, min_value=0,
                                        max_value=100_000_000, widget=forms.NumberInput(attrs=_TEXT))


# Pages -------------------------------------------------------------------------------------------
@login_required
@require_GET
def campaign_list(request):
    _require(request.user, "view")
    kind = (request.GET.get("kind") or "").strip()
    qs = campaigns.campaigns_for_user(request.user).select_related("region")
    if kind in CampaignKind.values:
        qs = qs.filter(kind=kind)
    qs = qs.annotate(posting_count=Count("postings", distinct=True), fair_count=Count("fairs", distinct=True))
    page = Paginator(qs.order_by("-starts_on", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "employment/campaign_list.html", {
        "nav": NAV, "page": page, "rows": list(page.object_list), "kinds": CampaignKind.choices, "kind": kind,
        "can_create": CampaignPolicy.can(request.user, "create"),
    })


@login_required
@require_http_methods(["GET", "POST"])
def campaign_new(request):
    _require(request.user, "create")
    form = CampaignForm(request.POST or None, user=request.user,
                        initial={"region": (request.user.jurisdiction or "").ljust(12, "0") if request.user.jurisdiction else ""})
    if request.method == "POST" and form.is_valid():
        try:
            campaign = campaigns.campaign_create(actor=request.user, data=form.data_for_service())
        except AnjuError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("已创建活动「%(name)s」。") % {"name": campaign.name})
            return redirect("employment:campaign", pk=campaign.pk)
    return render(request, "employment/campaign_form.html", {"nav": NAV, "form": form, "campaign": None},
                  status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request, pk):
    campaign = campaigns.get_campaign_for_user(request.user, pk)
    if not CampaignPolicy.can_on(request.user, "change", campaign):
        raise PermissionDenied(_("您没有此操作的权限。"))
    initial = {"kind": campaign.kind, "name": campaign.name, "region": campaign.region_id, "starts_on": campaign.starts_on,
               "ends_on": campaign.ends_on, "description": campaign.description, "version": campaign.version}
    form = CampaignForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            campaigns.campaign_update(actor=request.user, campaign=campaign, data=form.data_for_service(),
                                      expected_version=form.cleaned_data.get("version"))
        except (AnjuError, VersionConflict) as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("employment:campaign", pk=campaign.pk)
    return render(request, "employment/campaign_form.html", {"nav": NAV, "form": form, "campaign": campaign},
                  status=400 if form.errors else 200)


def _page(request, campaign: Campaign, *, employers_form=None, postings_form=None, fair_form=None, status: int = 200):
    user = request.user
    figures = campaigns.campaign_figures(campaign)
    can_change = CampaignPolicy.can_on(user, "change", campaign)
    postings = list(JobPosting.objects.filter(campaigns=campaign).select_related("employer", "occupation")
                    .order_by("-id")[:PAGE_SIZE])
    visible = set(PostingPolicy.scope(user, JobPosting.objects.filter(pk__in=[p.pk for p in postings]))
                  .values_list("pk", flat=True))
    trips = list(campaign.trips.select_related("destination_employer").annotate(n=Count("passengers")).order_by("departs_on", "id"))
    return render(request, "employment/campaign_detail.html", {
        "nav": NAV, "campaign": campaign, "region": region_name(campaign.region_id), "figures": figures,
        "intention_text": campaigns.INTENTION_TEXT, "chart": figures.chart,
        "employers": list(campaigns.participating_employers(campaign).order_by("name")[:200]),
        "postings": postings, "visible_postings": visible, "fairs": list(campaign.fairs.all()), "trips": trips,
        "can_change": can_change, "can_trip": TripPolicy.can(user, "create"),
        "employers_form": (employers_form or EmployersForm(campaign=campaign)) if can_change else None,
        "postings_form": (postings_form or PostingsForm(user=user, campaign=campaign)) if can_change else None,
        "fair_form": (fair_form or FairForm(initial={"held_on": campaign.starts_on})) if can_change else None,
    }, status=status)


@login_required
@require_GET
def campaign_detail(request, pk):
    return _page(request, campaigns.get_campaign_for_user(request.user, pk))


def _for_change(request, pk) -> Campaign:
    campaign = campaigns.get_campaign_for_user(request.user, pk)
    if not CampaignPolicy.can_on(request.user, "change", campaign):
        raise PermissionDenied(_("您没有此操作的权限。"))
    return campaign


@login_required
@require_POST
def campaign_employers(request, pk):
    campaign = _for_change(request, pk)
    form = EmployersForm(request.POST, campaign=campaign)
    if form.is_valid():
        try:
            added = campaigns.campaign_add_employers(actor=request.user, campaign=campaign,
                                                     employers=form.cleaned_data["employers"])
        except AnjuError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("已添加 %(n)s 家参与单位。") % {"n": len(added)})
            return redirect("employment:campaign", pk=campaign.pk)
    return _page(request, campaign, employers_form=form, status=400)


@login_required
@require_POST
def campaign_postings(request, pk):
    campaign = _for_change(request, pk)
    form = PostingsForm(request.POST, user=request.user, campaign=campaign)
    if form.is_valid():
        try:
            added = campaigns.campaign_add_postings(actor=request.user, campaign=campaign,
                                                    postings=form.cleaned_data["postings"])
        except AnjuError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("已添加 %(n)s 个活动岗位。") % {"n": len(added)})
            return redirect("employment:campaign", pk=campaign.pk)
    return _page(request, campaign, postings_form=form, status=400)


@login_required
@require_POST
def campaign_fair(request, pk):
    campaign = _for_change(request, pk)
    form = FairForm(request.POST)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items()}
        try:
            campaigns.campaign_add_fair(actor=request.user, campaign=campaign, data=data)
        except AnjuError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("已登记招聘会。"))
            return redirect("employment:campaign", pk=campaign.pk)
    return _page(request, campaign, fair_form=form, status=400)
