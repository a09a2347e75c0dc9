"""Staff pages of point-to-point trips: the list, the form, and the trip's page — its passengers
(found in the ledger, or signed up on the spot), health checks and boarding, departure, arrival
or cancellation, and for each passenger what the transport subsidy engine says with a link to take
the application at the counter. Every trip comes through `trips.get_trip_for_user` (out of scope
is 404); the writes are `trips.*` services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop as N_
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from anju.benefits.permissions import ApplicationPolicy
from anju.employment import trips
from anju.employment.models import Campaign, Employer, TransportTrip, TripPassenger, TripStatus
from anju.employment.permissions import TripPolicy
from anju.employment.selectors import checked_pk, optional_pk
from anju.lib.errors import AnjuError
from anju.lib.versioning import VersionConflict
from anju.policies import engine
from anju.regions.codes import in_prefix, normalize_code
from anju.regions.selectors import region_exists, region_name
from anju.regions.widgets import RegionPicker
from anju.registry.choices import DifficultyType, EmploymentStatus
from anju.registry.forms import ValidatedForm
from anju.registry.permissions import WorkerPolicy
from anju.registry.selectors import search_workers, workers_for_user

NAV = "employment"
PAGE_SIZE = 50
SEARCH_LIMIT = 20
_TEXT = {"class": "form-control"}
_SELECT = {"class": "form-select"}
_STATUS_LABELS = {engine.ELIGIBLE: N_("符合条件"), engine.NOT_ELIGIBLE: N_("不符合条件"), engine.UNKNOWN: N_("暂无法判断")}


def _require(user, action: str) -> None:
    if not TripPolicy.can(user, action):
        raise PermissionDenied(_("您没有此操作的权限。"))


def _add_error(form, exc: AnjuError) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.text())


def _campaign_choices(user, origin: str = "") -> list[tuple[str, str]]:
    """Campaigns under way or to come whose region overlaps the user's jurisdiction."""
    jurisdiction = user.jurisdiction or ""
    out = [("", "—")]
    since = timezone.localdate() - dt.timedelta(days=366)
    for c in Campaign.objects.filter(ends_on__gte=since).order_by("-starts_on", "-id")[:200]:
        prefix = trips.significant_prefix(c.region_id)
        if prefix.startswith(jurisdiction) or jurisdiction.startswith(prefix):
            out.append((str(c.pk), f"{c.name}（{c.starts_on:%Y-%m-%d}–{c.ends_on:%Y-%m-%d}）"))
    return out


class TripForm(forms.Form):
    origin_region = forms.CharField(label=gettext_lazy("出发地"), max_length=12, widget=RegionPicker())
    origin_place = forms.CharField(label=gettext_lazy("集合地点"), max_length=120, widget=forms.TextInput(attrs=_TEXT))
    destination_employer = forms.CharField(label=gettext_lazy("目的地用人单位"), required=False, max_length=120,
                                           help_text=gettext_lazy("统一社会信用代码或单位全称；可不填。"),
                                           widget=forms.TextInput(attrs=_TEXT))
    destination_place = forms.CharField(label=gettext_lazy("目的地"), max_length=120, widget=forms.TextInput(attrs=_TEXT))
    departs_on = forms.DateField(label=gettext_lazy("出发日期"),
                                 widget=forms.DateInput(format="%Y-%m-%d", attrs=_TEXT | {"type": "date"}))
    vehicle = forms.ChoiceField(label=gettext_lazy("交通工具"), choices=TransportTrip.Vehicle.choices,
                                widget=forms.Select(attrs=_SELECT))
    vehicle_no = forms.CharField(label=gettext_lazy("车牌或车次"), required=False, max_length=30, widget=forms.TextInput(attrs=_TEXT))
    seats = forms.IntegerField(label=gettext_lazy("座位数"), min_value=1, max_value=2000, widget=forms.NumberInput(attrs=_TEXT))
    fare = forms.DecimalField(label=gettext_lazy("每人交通费用（元）"), required=False, min_value=Decimal("0"),
                              max_value=Decimal("99999999"), decimal_places=2,
                              help_text=gettext_lazy("按实际票价填写；交通补贴按此金额（不超过上限）建议。"),
                              widget=forms.NumberInput(attrs=_TEXT | {"step": "0.01"}))
    campaign = forms.ChoiceField(label=gettext_lazy("所属活动"), required=False, widget=forms.Select(attrs=_SELECT))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["origin_region"].widget.root = user.jurisdiction or ""
        self.fields["campaign"].choices = _campaign_choices(user)

    def clean_origin_region(self):
        code = normalize_code(self.cleaned_data["origin_region"])
        if code is None or not region_exists(code):
            raise forms.ValidationError(_("请选择有效的地区。"))
        return code

    def clean_destination_employer(self):
        value = self.cleaned_data["destination_employer"].strip()
        if not value:
            return None
        employer = Employer.objects.filter(uscc=value.upper()).first() or Employer.objects.filter(name=value).first()
        if employer is None:
            raise forms.ValidationError(_("找不到该用人单位。"))
        return employer

    def clean_campaign(self):
        value = self.cleaned_data["campaign"]
        return Campaign.objects.filter(pk=int(value)).first() if value else None

    def data_for_service(self) -> dict:
        d = self.cleaned_data
        return {"origin_region_id": d["origin_region"], "origin_place": d["origin_place"].strip(),
                "destination_employer": d["destination_employer"], "destination_place": d["destination_place"].strip(),
                "departs_on": d["departs_on"], "vehicle": d["vehicle"], "vehicle_no": d["vehicle_no"].strip(),
                "seats": d["seats"], "fare": d["fare"], "campaign": d["campaign"]}


class SignUpForm(ValidatedForm):
    """On-the-spot sign-up: the least the ledger needs (the shared ledger rules decide)."""

    name = forms.CharField(label=gettext_lazy("姓名"), max_length=50, widget=forms.TextInput(attrs=_TEXT))
    id_number = forms.CharField(label=gettext_lazy("公民身份号码"), max_length=18,
                                widget=forms.TextInput(attrs=_TEXT | {"autocomplete": "off"}))
    phone = forms.CharField(label=gettext_lazy("手机号码"), max_length=20, required=False,
                            widget=forms.TextInput(attrs=_TEXT | {"inputmode": "tel"}))
    residence_region = forms.CharField(label=gettext_lazy("现居住地"), max_length=12, widget=RegionPicker())
    employment_status = forms.ChoiceField(label=gettext_lazy("就业状态"), choices=EmploymentStatus.choices,
                                          initial=EmploymentStatus.UNEMPLOYED, widget=forms.Select(attrs=_SELECT))
    difficulty_types = forms.MultipleChoiceField(label=gettext_lazy("困难类型"), choices=DifficultyType.choices, required=False,
                                                 widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}))


def _trip_rows(qs):
    return qs.select_related("origin_region", "destination_employer", "campaign").annotate(
        n=Count("passengers", distinct=True), n_boarded=Count("passengers", filter=Q(passengers__boarded=True), distinct=True))


@login_required
@require_GET
def trip_list(request):
    _require(request.user, "view")
    get = request.GET
    qs = trips.trips_for_user(request.user)
    status = (get.get("status") or "").strip()
    if status in TripStatus.values:
        qs = qs.filter(status=status)
    campaign = optional_pk(get.get("campaign"))
    campaign_obj = None
    if campaign:
        qs = qs.filter(campaign_id=campaign)
        campaign_obj = Campaign.objects.filter(pk=campaign).only("name").first()
    page = Paginator(_trip_rows(qs).order_by("-departs_on", "-id"), PAGE_SIZE).get_page(get.get("page"))
    return render(request, "employment/trip_list.html", {
        "nav": NAV, "page": page, "rows": list(page.object_list), "statuses": TripStatus.choices, "status": status,
        "campaign": campaign_obj, "can_create": TripPolicy.can(request.user, "create"),
    })


@login_required
@require_http_methods(["GET", "POST"])
def trip_new(request):
    _require(request.user, "create")
    user = request.user
    initial = {"origin_region": (user.jurisdiction or "").ljust(12, "0") if user.jurisdiction else "",
               "vehicle": TransportTrip.Vehicle.BUS, "campaign": str(optional_pk(request.GET.get("campaign")) or "")}
    form = TripForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            trip = trips.trip_create(actor=user, data=form.data_for_service())
        except AnjuError as exc:
            _add_error(form, exc)
        else:
            messages.success(request, _("已登记车次。"))
            return redirect("employment:trip", pk=trip.pk)
    return render(request, "employment/trip_form.html", {"nav": NAV, "form": form}, status=400 if form.errors else 200)


def _counter_url(worker) -> str:
    return f"{reverse('benefits:application_create')}?" + urlencode(
        {"subject_type": "worker", "subject_id": worker.pk, "policy": trips.TRANSPORT_POLICY})


def _subsidy_row(evaluation) -> dict:
    if evaluation is None:
        return {"status": "", "label": _("不适用（该政策不在其居住地实施）"), "amount": None}
    return {"status": evaluation.status, "label": _(_STATUS_LABELS[evaluation.status]), "amount": evaluation.amount,
            "missing": "、".join(evaluation.missing_facts)}


def _page(request, trip: TransportTrip, *, sign_up_form=None, status: int = 200):
    user = request.user
    can_change = TripPolicy.can_on(user, "change", trip)
    passengers = list(trip.passengers.select_related("worker").order_by("created_at", "id"))
    evaluations = trips.subsidy_for(passengers) if trip.status == TripStatus.ARRIVED else {}
    may_apply = ApplicationPolicy.can(user, "create")
    rows = []
    for p in passengers:
        row = {"p": p, "worker": p.worker, "visible": WorkerPolicy.can_on(user, "view", p.worker)}
        if p.pk in evaluations:
            row["subsidy"] = _subsidy_row(evaluations[p.pk])
            row["counter_url"] = (_counter_url(p.worker) if may_apply and evaluations[p.pk] is not None
                                  and in_prefix(p.worker.residence_region_id, user.jurisdiction or "") else "")
        rows.append(row)
    q = (request.GET.get("q") or "").strip()[:50]
    found = []
    planned = trip.status == TripStatus.PLANNED
    if q and can_change and planned:
        on_board = {p.worker_id for p in passengers}
        found = [w for w in search_workers(workers_for_user(user), q).order_by("name", "id")[:SEARCH_LIMIT]
                 if w.pk not in on_board]
    if sign_up_form is None and can_change and planned:
        sign_up_form = SignUpForm(initial={"residence_region": trip.origin_region_id,
                                           "employment_status": EmploymentStatus.UNEMPLOYED})
    return render(request, "employment/trip_detail.html", {
        "nav": NAV, "trip": trip, "origin": region_name(trip.origin_region_id), "rows": rows,
        "boarded": sum(1 for p in passengers if p.boarded), "checked": sum(1 for p in passengers if p.health_checked),
        "can_change": can_change, "planned": planned, "q": q, "found": found, "searched": bool(q),
        "sign_up_form": sign_up_form if can_change and planned else None,
        "seats_left": max(trip.seats - len(passengers), 0), "policy_id": trips.TRANSPORT_POLICY,
    }, status=status)


@login_required
@require_GET
def trip_detail(request, pk):
    return _page(request, trips.get_trip_for_user(request.user, pk))


def _for_change(request, pk) -> TransportTrip:
    trip = trips.get_trip_for_user(request.user, pk)
    if not TripPolicy.can_on(request.user, "change", trip):
        raise PermissionDenied(_("您没有此操作的权限。"))
    return trip


def _done(request, trip: TransportTrip, text: str):
    messages.success(request, text)
    return redirect("employment:trip", pk=trip.pk)


def _refused(request, trip: TransportTrip, exc: AnjuError):
    messages.error(request, exc.text())
    return redirect("employment:trip", pk=trip.pk)


@login_required
@require_POST
def passenger_add(request, pk):
    trip = _for_change(request, pk)
    worker_pk = checked_pk(request.POST.get("worker"))
    worker = workers_for_user(request.user).filter(pk=worker_pk).first()
    if worker is None:
        messages.error(request, _("该人员不在您的管辖范围内。"))
        return redirect("employment:trip", pk=trip.pk)
    try:
        trips.passenger_add(actor=request.user, trip=trip, worker=worker)
    except AnjuError as exc:
        return _refused(request, trip, exc)
    return _done(request, trip, _("已将%(name)s加入乘车名单。") % {"name": worker.name})


@login_required
@require_POST
def passenger_sign_up(request, pk):
    trip = _for_change(request, pk)
    form = SignUpForm(request.POST)
    if form.is_valid():
        try:
            passenger = trips.passenger_sign_up(actor=request.user, trip=trip, data=form.validated)
        except AnjuError as exc:
            _add_error(form, exc)
        else:
            return _done(request, trip, _("已现场登记%(name)s并加入乘车名单。") % {"name": passenger.worker.name})
    trip.refresh_from_db()
    return _page(request, trip, sign_up_form=form, status=400)


def _passenger(request, pk, passenger_pk) -> tuple[TransportTrip, TripPassenger]:
    trip = _for_change(request, pk)
    passenger = get_object_or_404(TripPassenger.objects.select_related("worker", "trip"), pk=checked_pk(passenger_pk),
                                  trip=trip)
    return trip, passenger


@login_required
@require_POST
def passenger_check(request, pk, passenger_pk):
    trip, passenger = _passenger(request, pk, passenger_pk)
    done = request.POST.get("done", "1") != "0"
    try:
        trips.passenger_health_check(actor=request.user, passenger=passenger, done=done)
    except AnjuError as exc:
        return _refused(request, trip, exc)
    return _done(request, trip, _("已记录%(name)s的健康检查。") % {"name": passenger.worker.name})


@login_required
@require_POST
def passenger_board(request, pk, passenger_pk):
    trip, passenger = _passenger(request, pk, passenger_pk)
    try:
        trips.passenger_board(actor=request.user, passenger=passenger)
    except AnjuError as exc:
        return _refused(request, trip, exc)
    return _done(request, trip, _("%(name)s已上车。") % {"name": passenger.worker.name})


@login_required
@require_POST
def passenger_remove(request, pk, passenger_pk):
    trip, passenger = _passenger(request, pk, passenger_pk)
    try:
        trips.passenger_remove(actor=request.user, passenger=passenger)
    except AnjuError as exc:
        return _refused(request, trip, exc)
    return _done(request, trip, _("已将%(name)s移出乘车名单。") % {"name": passenger.worker.name})


_MOVES = {"depart": (trips.trip_depart, N_("已发车。")), "arrive": (trips.trip_arrive, N_("已到达。")),
          "cancel": (trips.trip_cancel, N_("已取消该车次。"))}


@login_required
@require_POST
def trip_move(request, pk, move):
    trip = _for_change(request, pk)
    if move not in _MOVES:
        messages.error(request, _("操作不正确。"))
        return redirect("employment:trip", pk=trip.pk)
    service, done = _MOVES[move]
    kwargs = {"reason": request.POST.get("reason", "")} if move == "cancel" else {}
    try:
        version = int(request.POST.get("version") or 0) or None
    except ValueError:
        version = None
    try:
        service(actor=request.user, trip=trip, expected_version=version, **kwargs)
    except (AnjuError, VersionConflict) as exc:
        return _refused(request, trip, exc)
    return _done(request, trip, _(done))
