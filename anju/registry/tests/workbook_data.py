"""Realistic ledger workbooks for tests and benchmarks, written with the contract's Chinese headers."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from anju.lib.identifiers import make_id_number
from anju.registry.workbook import CERTIFICATES, WORKERS, LedgerWriter, ledger_headers

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华建国"
STREETS = ["350581001", "350581002", "350581100", "350581101", "350581102"]
STATUSES = ["就业", "失业", "灵活就业", "自主创业", "务农"]
EDUCATION = ["小学及以下", "初中", "高中", "中专", "大专", "本科及以上"]
DIFFICULTY = ["", "", "", "就业困难人员", "低保对象", "脱贫人口、低保对象", "残疾人"]


def id_for(i: int, region6: str = "350581") -> str:
    """A distinct valid ID number for each i (0 <= i < 36_500_000)."""
    birth = dt.date(1960, 1, 1) + dt.timedelta(days=(i // 1000) % 16000)
    return make_id_number(region6, birth, i % 1000)


def worker_row(i: int, *, street: str | None = None, rng: random.Random | None = None, **over: Any) -> dict[str, Any]:
    rng = rng or random.Random(i)
    status = STATUSES[i % len(STATUSES)]
    row = {
        "姓名": rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2))),
        "公民身份号码": id_for(i),
        "手机号码": f"13{rng.randint(0, 9)}{rng.randint(10_000_000, 99_999_999)}",
        "户籍地区划代码": rng.choice(["350581", "350524", "141127"]),
        "现居住地区划代码": street or STREETS[i % len(STREETS)],
        "文化程度": rng.choice(EDUCATION),
        "就业状态": status,
        "失业登记日期": "2025-03-01" if status == "失业" and i % 2 else "",
        "困难类型": rng.choice(DIFFICULTY),
        "养老保险": rng.choice(["是", "否"]),
        "医疗保险": "是",
        "失业保险": rng.choice(["是", "否", ""]),
        "工伤保险": "否",
        "失业保险缴费月数": rng.randint(0, 120),
        "最近有收入月份": f"2025-{rng.randint(1, 9):02d}",
        "月收入（元）": f"{rng.randint(0, 8000)}.00",
        "技能特长": rng.choice(["", "电焊", "木工", "驾驶"]),
        "求职意向工种": rng.choice(["", "普工", "保洁", "厨师"]),
        "期望工作地区划代码": "350581",
        "期望月薪（元）": rng.choice(["", "4500", "6000.50"]),
        "培训意愿": rng.choice(["是", "否"]),
        "户编号": f"HH{i // 4:07d}" if i % 4 < 2 else "",
        "与户主关系": ("户主" if i % 4 == 0 else "配偶") if i % 4 < 2 else "",
        "备注": "",
    }
    row.update(over)
    return row


def certificate_row(i: int, id_number: str, **over: Any) -> dict[str, Any]:
    row = {"公民身份号码": id_number, "证书类型": "职业技能等级证书", "职业（工种）": "焊工", "等级": 4,
           "紧缺工种": "是", "发证日期": "2024-06-01", "证书编号": f"S{i:09d}"}
    row.update(over)
    return row


def write_xlsx(path: Path, workers: list[dict[str, Any]], certificates: list[dict[str, Any]] | None = None, *,
               extra_headers: list[str] = ()) -> Path:
    writer = LedgerWriter(path)
    headers = ledger_headers(WORKERS) + list(extra_headers)
    writer.sheet("人员", headers, [headers] + [[w.get(h, "") for h in headers] for w in workers])
    if certificates is not None:
        ch = ledger_headers(CERTIFICATES)
        writer.sheet("证书", ch, [ch] + [[c.get(h, "") for h in ch] for c in certificates])
    writer.close()
    return path


def write_csv(path: Path, workers: list[dict[str, Any]], *, encoding: str = "utf-8-sig") -> Path:
    import csv

    headers = ledger_headers(WORKERS)
    with path.open("w", encoding=encoding, newline="") as f:
        out = csv.writer(f)
        out.writerow(headers)
        for w in workers:
            out.writerow([w.get(h, "") for h in headers])
    return path
