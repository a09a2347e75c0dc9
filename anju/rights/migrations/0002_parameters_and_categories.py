"""The figures rights protection reads, as dated regional parameters, and the hotline's top-level
categories with a fallback routing rule.

Statutory time limits carry their law and article. The hotline's own time limits and the warning
thresholds that no regulation fixes are Anju's defaults, stated as such, for each region to set by
its own rules. The wage-deposit rate is left empty nationally: 人社部发〔2021〕65号 lets each province
fix it (1 %–3 %), so a project's deposit says "not set" until the province's rate is entered.
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations

ANJU = "Anju 默认值：所据政策文件未规定%s（各地按本地规定另定）"
WAGE_REG = "《保障农民工工资支付条例》（国务院令第724号，2020-05-01施行）"
INSPECTION = "《劳动保障监察条例》（国务院令第423号，2004-12-01施行）第十七条"
INSPECTION_ACCEPT = "《关于实施〈劳动保障监察条例〉若干规定》（劳动和社会保障部令第25号）第十八条：接到投诉之日起5个工作日内依法受理"
ARBITRATION = "《中华人民共和国劳动争议调解仲裁法》（主席令第80号，2008-05-01施行）"
DEPOSIT = "《工程建设领域农民工工资保证金规定》（人社部发〔2021〕65号，2021-11-01施行）"
ACCOUNT = "《工程建设领域农民工工资专用账户管理暂行办法》（人社部发〔2021〕53号，2021-07-07）"

D, WD = ("日", "days"), ("个工作日", "working days")
SEEDS = [
    # Hotline clocks (Anju defaults: the Shishi measure promises 实时跟进、快速办理 without figures).
    ("hotline_dispatch_working_days_normal", "number", "热线工单派单时限（一般）", "Hotline: time to dispatch (normal)", *WD,
     Decimal("1"), ANJU % "热线工单的派单时限；取 1 个工作日"),
    ("hotline_dispatch_working_days_urgent", "number", "热线工单派单时限（紧急）", "Hotline: time to dispatch (urgent)", *WD,
     Decimal("1"), ANJU % "紧急工单的派单时限；取 1 个工作日（当日派单）"),
    ("hotline_callback_working_days", "number", "热线工单回访时限", "Hotline: time to call back", *WD,
     Decimal("3"), ANJU % "答复后回访来电人的时限；取 3 个工作日"),
    ("warning_handle_working_days", "number", "预警处置时限", "Time to handle a warning", *WD,
     Decimal("5"), ANJU % "监察员处置欠薪预警（排除或立案）的时限；取 5 个工作日"),
    ("hotline_contact_working_days_normal", "number", "热线工单首次联系时限（一般）", "Hotline: time to first contact (normal)",
     *WD, Decimal("2"), ANJU % "承办部门首次联系来电人的时限；取 2 个工作日"),
    ("hotline_contact_working_days_urgent", "number", "热线工单首次联系时限（紧急）", "Hotline: time to first contact (urgent)",
     *WD, Decimal("1"), ANJU % "紧急工单首次联系来电人的时限；取 1 个工作日"),
]
RESOLVE = {
    # category: (name, english, normal days, urgent days)
    "policy": ("政策咨询", "policy consultation", 3, 1),
    "assistance": ("生活求助", "living assistance", 5, 2),
    "legal": ("法律维权", "legal rights", 10, 5),
    "mediation": ("纠纷调解", "dispute mediation", 15, 7),
    "arrears": ("欠薪投诉", "wage-arrears complaint", 5, 3),
    "suggestion": ("意见建议", "suggestion", 10, 5),
}
for code, (name, english, normal, urgent) in RESOLVE.items():
    for priority, days, zh in (("normal", normal, "一般"), ("urgent", urgent, "紧急")):
        SEEDS.append((f"hotline_resolve_working_days_{code}_{priority}", "number", f"热线工单办结时限（{name}，{zh}）",
                      f"Hotline: time to resolve ({english}, {priority})", *WD, Decimal(days),
                      ANJU % f"「{name}」类{zh}工单的办结时限；取 {days} 个工作日"))

SEEDS += [
    # Wage-arrears routes: the statutes' limits.
    ("arrears_inspection_accept_working_days", "number", "劳动保障监察投诉受理时限", "Labour inspection: time to accept",
     *WD, Decimal("5"), INSPECTION_ACCEPT),
    ("arrears_inspection_conclude_working_days", "number", "劳动保障监察案件办结时限", "Labour inspection: time to conclude",
     *WD, Decimal("60"), INSPECTION + "：自立案之日起60个工作日内完成"),
    ("arrears_inspection_extend_working_days", "number", "劳动保障监察案件可延长时限", "Labour inspection: extension",
     *WD, Decimal("30"), INSPECTION + "：情况复杂的，经批准可以延长30个工作日"),
    ("arrears_arbitration_accept_days", "number", "劳动仲裁受理时限", "Arbitration: time to accept", *D, Decimal("5"),
     ARBITRATION + "第二十九条：收到仲裁申请之日起五日内，认为符合受理条件的应当受理"),
    ("arrears_arbitration_award_days", "number", "劳动仲裁裁决时限", "Arbitration: time to award", *D, Decimal("45"),
     ARBITRATION + "第四十三条：自受理仲裁申请之日起四十五日内结束"),
    ("arrears_arbitration_extend_days", "number", "劳动仲裁可延长时限", "Arbitration: extension", *D, Decimal("15"),
     ARBITRATION + "第四十三条：案情复杂需要延期的，经批准可以延期，延长期限不得超过十五日"),
    ("arrears_fast_track_days", "number", "欠薪速裁结案时限", "Arbitration fast track: time to award", *D, Decimal("30"),
     "Anju 默认值：人力资源社会保障部推进劳动人事争议仲裁速裁庭建设，速裁案件以 30 日内结案为目标（非法定期限，各地按本地速裁规则另定）"),
    ("arrears_mediation_days", "number", "劳动争议调解时限", "Mediation: time limit", *D, Decimal("15"),
     ARBITRATION + "第十四条：自调解组织收到调解申请之日起十五日内未达成调解协议的，当事人可以依法申请仲裁"),
    ("arrears_legal_aid_days", "number", "法律援助审查决定时限", "Legal aid: time to decide", *D, Decimal("7"),
     "《中华人民共和国法律援助法》（主席令第93号，2022-01-01施行）第四十三条：自收到申请之日起七日内作出是否给予法律援助的决定"),
    # Wage deposit: the national rules; the rate is the province's.
    ("wage_deposit_rate", "rate", "工资保证金存储比例", "Wage deposit rate", "", "", None,
     DEPOSIT + "：存储比例原则上不低于施工合同额的1%、不超过3%，由各省确定；未录入本省比例"),
    ("wage_deposit_min_rate", "rate", "工资保证金最低存储比例", "Lowest wage deposit rate", "", "", Decimal("0.005"),
     DEPOSIT + "：多个工程可适当降低存储比例，但不得低于施工合同额的0.5%"),
    ("wage_deposit_cap", "money", "工资保证金存储上限", "Wage deposit cap", "元", "yuan", None,
     DEPOSIT + "：各省可设定单个工程存储上限；未录入"),
    ("wage_deposit_exempt_below", "money", "工资保证金免存合同额", "Wage deposit exempt below", "元", "yuan", Decimal("3000000"),
     DEPOSIT + "：施工合同额低于300万元且上一年度无拖欠农民工工资行为的工程，可免于存储（各省可调整）"),
    ("wage_deposit_lodge_working_days", "number", "工资保证金存储时限", "Time to lodge the wage deposit", *WD, Decimal("20"),
     DEPOSIT + "第八条：自取得施工许可证（开工报告批复）之日起20个工作日内（无需施工许可的自签订施工合同之日起）存储"),
    ("wage_deposit_topup_working_days", "number", "工资保证金补足时限", "Time to top up the wage deposit", *WD, Decimal("10"),
     DEPOSIT + "：工资保证金被动用后，施工总承包单位应当自收到通知之日起10个工作日内补足"),
    # Early-warning thresholds.
    ("warning_account_open_days", "number", "专用账户开立时限", "Time to open the special wage account", *D, Decimal("30"),
     ACCOUNT + "：总包单位应当在工程施工合同签订之日起30日内开立专用账户"),
    ("warning_allocation_grace_days", "number", "人工费用逾期拨付宽限", "Grace after a labour-cost allocation is due", *D,
     Decimal("0"), WAGE_REG + "第二十四条：人工费用拨付周期不得超过1个月；到期未拨付即预警（Anju 默认值：不设宽限）"),
    ("warning_wage_unpaid_months", "number", "当月工资应在其后几个月内经专户支付", "Months after which a month's wages must be paid",
     "个月", "months", Decimal("1"), ANJU % "工资支付的预警时点；取工资所属月份的次月底（条例第十二条允许支付周期跨月）"),
    ("warning_unpaid_attendee_ratio", "rate", "有考勤无工资记录人员比例上限", "Attendees without pay record: highest share",
     "", "", Decimal("0.10"), ANJU % "有考勤而无工资记录人员的比例预警线；取 10%（参照部分地方监控平台做法）"),
    ("warning_average_pay_floor_ratio", "rate", "人均工资低于最低工资标准的比例", "Average pay floor, as share of the minimum wage",
     "", "", Decimal("1"), "《最低工资规定》（劳动和社会保障部令第21号，2004-03-01施行）第十二条：支付给劳动者的工资不得低于当地最低工资标准；按出勤折算的人均月工资低于最低工资标准即预警"),
    ("warning_worker_month_pay_cap", "money", "单人单月工资异常上限", "Implausible pay for one worker in a month", "元", "yuan",
     Decimal("50000"), ANJU % "单人单月工资的异常预警线；取 5 万元（参照部分地方监控平台做法）"),
    ("warning_worker_year_pay_cap", "money", "单人全年工资异常上限", "Implausible pay for one worker in a year", "元", "yuan",
     Decimal("300000"), ANJU % "单人全年工资的异常预警线；取 30 万元（参照部分地方监控平台做法）"),
    ("warning_settlement_days", "number", "退场后工资结清确认时限", "Time to confirm settlement after exit", *D, Decimal("7"),
     ANJU % "人员退场后确认工资结清的时限；取 7 日"),
    ("warning_notice_board_days", "number", "维权信息告示牌设立时限", "Time to put up the rights notice board", *D, Decimal("7"),
     WAGE_REG + "第三十四条要求在施工现场醒目位置设立维权信息告示牌；开工后未设立的预警时点（Anju 默认值：开工后 7 日）"),
]
# Each rule's colour, as a number: 3 red, 2 orange, 1 yellow (a region may grade them otherwise).
LEVELS = {
    "allocation_overdue": (3, "人工费用未按期拨付"), "wages_unpaid": (3, "工资未按月经专户支付"),
    "paid_fewer_than_attended": (1, "发薪人数少于出勤人数"), "attendees_unpaid": (3, "有考勤无工资记录比例过高"),
    "average_pay_low": (3, "人均工资过低"), "pay_implausible": (3, "单人工资异常"),
    "exit_unsettled": (3, "退场未结清工资"), "account_not_opened": (2, "专用账户未按期开立"),
    "deposit_not_lodged": (2, "工资保证金未按期存储"), "no_notice_board": (1, "未设立维权信息告示牌"),
}
for rule, (level, name) in LEVELS.items():
    SEEDS.append((f"warning_level_{rule}", "number", f"预警等级：{name}", f"Warning level: {rule.replace('_', ' ')}",
                  "级", "level", Decimal(level),
                  ANJU % f"「{name}」的预警颜色；3 红、2 橙、1 黄（参照部分地方监控平台的分级）"))

CATEGORIES = [(code, name, order) for order, (code, (name, *_)) in enumerate(RESOLVE.items(), start=1)]


def seed(apps, schema_editor):
    Parameter = apps.get_model("params", "Parameter")
    ParameterValue = apps.get_model("params", "ParameterValue")
    for name, kind, label_zh, label_en, unit_zh, unit_en, value, source in SEEDS:
        parameter, _ = Parameter.objects.get_or_create(
            name=name, defaults={"type": kind, "label_zh": label_zh, "label_en": label_en,
                                 "unit_zh": unit_zh, "unit_en": unit_en})
        ParameterValue.objects.get_or_create(
            parameter=parameter, region_prefix="", valid_from=dt.date(2000, 1, 1),
            defaults={"value": value, "source": source})
    TicketCategory = apps.get_model("rights", "TicketCategory")
    RoutingRule = apps.get_model("rights", "RoutingRule")
    for code, name, order in CATEGORIES:
        TicketCategory.objects.get_or_create(code=code, defaults={"name": name, "order": order})
    # The fallback: the union's line takes what no other rule routes (the Shishi measure puts the
    # hotline with the trade union); wage arrears go to labour inspection.
    RoutingRule.objects.get_or_create(category=None, region_prefix="", defaults={
        "lead_department_kind": "trade_union", "lead_role": "union", "co_handlers": [],
        "note": "兜底规则：未匹配其他规则的工单由总工会服务专线承办"})
    HotlineNumber = apps.get_model("rights", "HotlineNumber")
    HotlineNumber.objects.get_or_create(region_prefix="350581", valid_from=dt.date(2022, 3, 31), defaults={
        "number": "88712565", "name": "石狮市总工会外来务工人员服务专线",
        "source": "中共石狮市委办公室、石狮市人民政府办公室《石狮市关爱外来务工人员八条措施》（狮委办〔2022〕19号，2022-03-31）第七条：依托市总工会开通服务专线（热线电话：88712565），实行一号对外"})
    RoutingRule.objects.get_or_create(category=TicketCategory.objects.get(code="arrears"), region_prefix="", defaults={
        "lead_department_kind": "hrss", "lead_role": "inspector", "co_handlers": ["trade_union"],
        "note": "欠薪投诉由人社部门劳动保障监察机构牵头，工会配合"})


def unseed(apps, schema_editor):
    apps.get_model("params", "Parameter").objects.filter(name__in=[s[0] for s in SEEDS]).delete()
    apps.get_model("rights", "RoutingRule").objects.all().delete()
    apps.get_model("rights", "HotlineNumber").objects.all().delete()
    apps.get_model("rights", "TicketCategory").objects.all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ("rights", "0001_initial"),
        ("params", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
