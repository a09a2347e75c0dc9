"""Parameters: the page (values by region, history, the form with its checks) with three personas,
and `anju params set/show` (history and audit, exit 2 on bad input)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from anju.audit.models import AuditEvent
from anju.params import selectors as parameters
from anju.params.models import ParameterValue
from anju.params.services import parameter_set
from anju.policies.packs import get_policy
from anju.policies.services import sync_from_packs

NAME = "min_living_standard_monthly"
RATE_POLICY = "shishi-job-stabilisation-refund"


def page(name=NAME):
    return reverse("params:parameter_detail", args=[name])


def login(client, user):
    client.force_login(user)
    return client


def post(client, **data):
    payload = {"region": "350581", "valid_from": "2022-01-01", "value": "950", "source": "石狮民政〔2022〕1 号"} | data
    return client.post(page(), payload)


# ---------------------------------------------------------------------------------------------
# The page
# ---------------------------------------------------------------------------------------------


def test_page_shows_values_by_region_and_history(client, personas, assistance, django_assert_max_num_queries):
    parameter_set(actor=personas.county, name=NAME, region_prefix="350581", valid_from=dt.date(2021, 1, 1),
                             value=Decimal("900"), source="石狮 2021")
    login(client, personas.town)
    # Six queries of its own; the rest is the page chrome (session, user, bell and work queue).
    with django_assert_max_num_queries(13):
        response = client.get(page())
    html = response.content.decode()
    assert response.status_code == 200
    assert "城乡最低生活保障标准" in html and "泉州市" in html and "石狮市" in html
    assert "石狮 2021" in html and "t-county" in html and "政策包" in html  # who set it (or the pack)
    assert "修改记录" in html and 'data-testid="changes"' in html
    assert "困难农民工临时救助" in html  # the policies that read it
    # A town officer may read, not set.
    assert 'data-testid="set-form"' not in html
    assert post(client).status_code == 403


def test_unknown_parameter_is_404(client, personas, assistance):
    login(client, personas.town)
    assert client.get(page("no_such_parameter")).status_code == 404
    assert client.get("/policies/parameters/bad%20name/").status_code == 404


def test_county_officer_sets_a_value_with_history_and_audit(client, personas, assistance):
    login(client, personas.county)
    assert 'data-testid="set-form"' in client.get(page()).content.decode()
    response = post(client)
    assert response.status_code == 302
    row = ParameterValue.objects.get(parameter__name=NAME, region_prefix="350581")
    assert (row.valid_from, row.value, row.created_by) == (dt.date(2022, 1, 1), Decimal("950"), personas.county)
    event = AuditEvent.objects.get(object_type="parameter", object_id=str(row.pk))
    assert event.action == "create" and event.actor == personas.county and event.region_code == "350581000000"
    # The same region and date again: an update, both in the history and in the audit log.
    post(client, value="960")
    row.refresh_from_db()
    assert row.value == Decimal("960")
    assert AuditEvent.objects.filter(object_type="parameter", object_id=str(row.pk), action="update").count() == 1
    assert row.history.count() == 2
    html = client.get(page()).content.decode()
    assert "960" in html and "修改" in html
    # Shishi's value from 2022 on; Quanzhou's elsewhere; nothing changes before 2022.
    assert parameters.resolve(NAME, "350581001000", dt.date(2022, 6, 1)) == (Decimal("960"), "350581")
    assert parameters.resolve(NAME, "350581001000", dt.date(2021, 6, 1)) == (Decimal("800"), "3505")


def test_empty_value_means_no_amount(client, personas, assistance):
    login(client, personas.county)
    assert post(client, value="").status_code == 302
    assert ParameterValue.objects.get(parameter__name=NAME, region_prefix="350581").value is None


@pytest.mark.parametrize(("data", "message"), [
    ({"value": "-1"}, "不能为负数"),
    ({"value": "abc"}, "不是数字"),
    ({"value": "NaN"}, "不是数字"),
    ({"valid_from": "2022-13-01"}, "请输入有效日期"),
    ({"valid_from": ""}, "请填写起始日期"),
    ({"valid_from": "1800-01-01"}, "1990 年至 2100 年"),
    ({"region": "3505"}, "管辖范围内"),          # the city above the county officer
    ({"region": "141127"}, "管辖范围内"),        # Lan County
    ({"region": ""}, "请选择地区"),               # national: administrators only
    ({"region": "35058"}, "不是有效的区划代码"),
    ({"region": "350599"}, "不存在"),
])
def test_form_rejects_bad_input_in_plain_chinese(client, personas, assistance, data, message):
    login(client, personas.county)
    response = post(client, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ParameterValue.objects.filter(parameter__name=NAME, region_prefix__in=["350581", "3505", "141127", ""],
                                             created_by__isnull=False).exists()


def test_rates_must_be_fractions(client, personas):
    policy = get_policy(RATE_POLICY)
    if policy is None:
        pytest.skip("the job-stabilisation refund pack is not loaded")
    sync_from_packs([policy])
    rate = next(d.name for d in policy.parameters.values() if d.type == "rate")
    login(client, personas.county)
    url = page(rate)
    response = client.post(url, {"region": "350581", "valid_from": "2022-01-01", "value": "90"})
    assert response.status_code == 400 and "比例须在 0 到 1 之间" in response.content.decode()
    assert client.post(url, {"region": "350581", "valid_from": "2022-01-01", "value": "90%"}).status_code == 302
    assert ParameterValue.objects.get(parameter__name=rate, region_prefix="350581", valid_from="2022-01-01").value == Decimal("0.9")


def test_admin_may_set_national_and_colleague_elsewhere_may_not_set_here(client, personas, assistance):
    login(client, personas.admin)
    assert post(client, region="").status_code == 302
    assert ParameterValue.objects.filter(parameter__name=NAME, region_prefix="").exists()
    login(client, personas.lanxian)
    assert post(client, region="350581").status_code == 400
    assert post(client, region="141127").status_code == 302  # their own county
    login(client, personas.auditor)
    assert post(client).status_code == 403


# ---------------------------------------------------------------------------------------------
# anju params
# ---------------------------------------------------------------------------------------------


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("params", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_command_set_and_show(personas, assistance):
    out = run("set", NAME, "--region", "350581", "--from", "2022-01-01", "950", "--source", "石狮 2022", "--as", "t-county")
    assert "350581" in out and "950" in out
    row = ParameterValue.objects.get(parameter__name=NAME, region_prefix="350581")
    assert row.created_by == personas.county and row.source == "石狮 2022"
    assert AuditEvent.objects.filter(object_type="parameter", object_id=str(row.pk), action="create").exists()

    shown = run("show", NAME, "--region", "350581001000", "--date", "2022-06-01")
    assert "950" in shown and "from 350581 石狮市" in shown
    assert "3505" in shown and "800" in shown and "t-county" in shown and "石狮 2022" in shown
    before = run("show", NAME, "--region", "350581", "--date", "2021-06-01")
    assert "800" in before.splitlines()[0] and "from 3505 泉州市" in before
    assert "* 350581" in before  # not yet in force on that date
    elsewhere = run("show", NAME, "--region", "141127", "--date", "2022-06-01")
    assert "not set at any level" in elsewhere


@pytest.mark.parametrize("empty", ["", "none", "NONE"])
def test_command_empty_value_is_no_amount(personas, assistance, empty):
    run("set", NAME, "--region", "350581", "--from", "2022-01-01", empty)
    assert ParameterValue.objects.get(parameter__name=NAME, region_prefix="350581").value is None
    assert "no amount" in run("show", NAME, "--region", "350581", "--date", "2022-02-01").splitlines()[0]


@pytest.mark.parametrize("args", [
    ("set", "no_such_param", "--region", "350581", "--from", "2022-01-01", "1"),
    ("set", NAME, "--region", "35058", "--from", "2022-01-01", "1"),
    ("set", NAME, "--region", "350599", "--from", "2022-01-01", "1"),
    ("set", NAME, "--region", "350581", "--from", "2022-02-30", "1"),
    ("set", NAME, "--region", "350581", "--from", "2022-01-01", "-5"),
    ("set", NAME, "--region", "350581", "--from", "2022-01-01", "lots"),
    ("set", NAME, "--region", "3505", "--from", "2022-01-01", "1", "--as", "t-county"),  # above their county
    ("set", NAME, "--region", "350581", "--from", "2022-01-01", "1", "--as", "t-town"),  # may not set
    ("set", NAME, "--region", "350581", "--from", "2022-01-01", "1", "--as", "nobody"),
    ("show", NAME, "--region", "350581", "--date", "yesterday"),
])
def test_command_bad_input_exits_2(personas, assistance, args):
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert caught.value.returncode == 2 and str(caught.value)
    assert not ParameterValue.objects.filter(created_by__isnull=False).exists()
    assert not ParameterValue.objects.filter(valid_from=dt.date(2022, 1, 1)).exists()


def test_loading_the_packs_withdraws_unsourced_values_an_earlier_version_seeded(db, personas):
    """A database seeded by the first packs holds the "example" 800 living standard and Shishi's
    remembered 2030 wage after the 2022 raise; loading the packs again withdraws them where
    untouched (audited), and leaves a value staff changed alone."""
    from anju.params.services import ParameterSeed, SeedValue, parameters_seed
    from anju.policies.packs import catalogue
    from anju.policies.services import WITHDRAWN

    old = {(n, r, f): (v, s) for n, r, f, v, s in WITHDRAWN}
    parameters_seed(seeds=[
        ParameterSeed("min_living_standard_monthly", "money", "城乡最低生活保障标准", "Minimum living standard",
                      values=(SeedValue("3505", dt.date(2020, 1, 1), *old[("min_living_standard_monthly", "3505", dt.date(2020, 1, 1))]),)),
        ParameterSeed("min_wage_monthly", "money", "月最低工资标准", "Monthly minimum wage",
                      values=(SeedValue("350581", dt.date(2022, 4, 1), *old[("min_wage_monthly", "350581", dt.date(2022, 4, 1))]),)),
        ParameterSeed("training_subsidy_grade_3", "money", "三级（高级工）证书补贴", "Grade 3 (senior) certificate subsidy",
                      values=(SeedValue("3505", dt.date(2020, 3, 1), *old[("training_subsidy_grade_3", "3505", dt.date(2020, 3, 1))]),)),
    ])
    # Staff confirmed grade 3 at 1500 with its document: theirs, not withdrawn.
    parameter_set(actor=personas.county, name="training_subsidy_grade_3", region_prefix="3505",
                  valid_from=dt.date(2020, 3, 1), value=Decimal("1500"), source="泉州市人社局 2020 年补贴标准")
    result = sync_from_packs(catalogue().policies.values())
    assert result["withdrawn"] == 2
    living = ParameterValue.objects.get(parameter__name=NAME, region_prefix="3505", valid_from=dt.date(2020, 1, 1))
    assert living.value is None and "撤回" in living.source and "800" in living.source
    wage = ParameterValue.objects.get(parameter__name="min_wage_monthly", region_prefix="350581", valid_from=dt.date(2022, 4, 1))
    assert wage.value is None and "金额未录入" in wage.source  # the pack's own marker for the raise
    grade = ParameterValue.objects.get(parameter__name="training_subsidy_grade_3", region_prefix="3505")
    assert grade.value == Decimal("1500") and grade.created_by == personas.county
    assert AuditEvent.objects.filter(object_type="parameter", object_id=str(living.pk), action="update").exists()
    assert sync_from_packs(catalogue().policies.values())["withdrawn"] == 0  # once only
