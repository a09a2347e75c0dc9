"""Three answers the hotline gives about unpaid wages, from the national rules (the knowledge base
held only the policy packs, so a wage-arrears call found nothing to say). Written once, as staff
entries of no region: administrators may edit or switch them off like any entry they wrote."""

from django.db import migrations

WAGE_REG = "《保障农民工工资支付条例》（国务院令第724号，2020-05-01施行）"
INSPECTION = "《劳动保障监察条例》（国务院令第423号，2004-12-01施行）"
ARBITRATION = "《中华人民共和国劳动争议调解仲裁法》（主席令第80号，2008-05-01施行）"
LEGAL_AID = "《中华人民共和国法律援助法》（主席令第93号，2022-01-01施行）"

ANSWERS = [
    {
        "category": "arrears",
        "title": "被拖欠工资怎么投诉（欠薪投诉）",
        "question": "老板不发工资怎么办；包工头拖欠工资找谁；工地欠薪去哪里投诉",
        "keywords": "欠薪 拖欠工资 讨薪 不发工资 包工头 工地 投诉 劳动监察",
        "answer": (
            "可以通过本热线登记，也可以向用人单位或工程所在地的县级人力资源社会保障部门（劳动保障监察机构）投诉。"
            "请准备：用人单位或包工头的名称、工程项目名称和地点、欠薪的期间和金额，以及考勤记录、工资条、欠条、"
            "聊天记录等证据。劳动保障监察机构自接到投诉之日起5个工作日内决定是否受理，自立案之日起60个工作日内办结，"
            "情况复杂的可延长30个工作日。工程建设项目：分包单位拖欠的，由施工总承包单位先行清偿；建设单位未按合同"
            "约定拨付工程款造成拖欠的，由建设单位以未结清的工程款为限先行垫付；必要时可以动用工资保证金支付。"
            "也可以申请劳动争议仲裁或法律援助。"),
        "source": (f"{WAGE_REG}第二十九条、第三十条；{INSPECTION}第十七条；《关于实施〈劳动保障监察条例〉若干规定》"
                   "（劳动和社会保障部令第25号）第十八条"),
    },
    {
        "category": "legal",
        "title": "追讨工资申请劳动仲裁",
        "question": "欠薪怎么申请仲裁；劳动仲裁要钱吗；仲裁多久出结果",
        "keywords": "劳动仲裁 仲裁委员会 欠薪 拖欠工资 劳动报酬 时效",
        "answer": (
            "向劳动合同履行地或者用人单位所在地的劳动人事争议仲裁委员会申请仲裁，仲裁不收费。仲裁委员会自收到申请"
            "之日起五日内决定是否受理，自受理之日起四十五日内结束；案情复杂的经批准可以延期，但不超过十五日。"
            "申请仲裁的时效为一年；劳动关系存续期间因拖欠劳动报酬发生争议的不受一年的限制，但劳动关系终止的，"
            "应当自终止之日起一年内提出。"),
        "source": f"{ARBITRATION}第二十一条、第二十七条、第二十九条、第四十三条、第五十三条",
    },
    {
        "category": "legal",
        "title": "追讨工资申请法律援助",
        "question": "请不起律师怎么办；讨薪可以找法律援助吗",
        "keywords": "法律援助 律师 讨薪 劳动报酬 欠薪",
        "answer": (
            "请求支付劳动报酬属于可以申请法律援助的事项，可以向当地法律援助中心申请，也可以拨打公共法律服务热线 "
            "12348 咨询。法律援助机构自收到申请之日起七日内作出是否给予法律援助的决定。"),
        "source": f"{LEGAL_AID}第三十一条、第四十三条",
    },
]


def seed(apps, schema_editor):
    from anju.rights.knowledge import entry_tokens

    KnowledgeEntry = apps.get_model("rights", "KnowledgeEntry")
    TicketCategory = apps.get_model("rights", "TicketCategory")
    categories = {c.code: c for c in TicketCategory.objects.all()}
    for a in ANSWERS:
        if KnowledgeEntry.objects.filter(title=a["title"], policy_key="").exists():
            continue
        KnowledgeEntry.objects.create(
            title=a["title"], question=a["question"], answer=a["answer"], keywords=a["keywords"],
            category=categories.get(a["category"]), region_prefix="", policy_key="", source=a["source"][:300],
            tokens=entry_tokens(title=a["title"], question=a["question"], keywords=a["keywords"], answer=a["answer"]))


def unseed(apps, schema_editor):
    apps.get_model("rights", "KnowledgeEntry").objects.filter(
        title__in=[a["title"] for a in ANSWERS], policy_key="", updated_by__isnull=True).delete()


class Migration(migrations.Migration):

    dependencies = [("rights", "0005_case_recovery")]

    operations = [migrations.RunPython(seed, unseed)]
