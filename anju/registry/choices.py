"""Coded values of the ledger workbook (docs/ledger-workbook.md). The codes are the API's;
the Chinese labels are the workbook's."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class Education(models.TextChoices):
    PRIMARY = "primary", _("小学及以下")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中")
    VOCATIONAL = "vocational", _("中专")
    COLLEGE = "college", _("大专")
    BACHELOR = "bachelor", _("本科及以上")


class EmploymentStatus(models.TextChoices):
    EMPLOYED = "employed", _("就业")
    UNEMPLOYED = "unemployed", _("失业")
    FLEXIBLE = "flexible", _("灵活就业")
    SELF_EMPLOYED = "self_employed", _("自主创业")
    FARMING = "farming", _("务农")
    UNABLE = "unable", _("无劳动能力")


class DifficultyType(models.TextChoices):
    EMPLOYMENT_DIFFICULTY = "employment_difficulty", _("就业困难人员")
    POVERTY_ALLEVIATED = "poverty_alleviated", _("脱贫人口")
    MINIMUM_LIVING_ALLOWANCE = "minimum_living_allowance", _("低保对象")
    EXTREME_POVERTY = "extreme_poverty", _("特困人员")
    DISABLED = "disabled", _("残疾人")
    ZERO_EMPLOYMENT_FAMILY = "zero_employment_family", _("零就业家庭")
    RELOCATED = "relocated", _("易地扶贫搬迁")
    EPIDEMIC_AFFECTED = "epidemic_affected", _("受疫情影响")


# Difficulty types are stored as bits of one integer: one indexed column, and a policy fact
# compiles to `difficulty_mask & bit <> 0` in SQL. The order is fixed forever.
DIFFICULTY_BITS: dict[str, int] = {code: 1 << i for i, code in enumerate(DifficultyType.values)}


def mask_of(types: list[str] | tuple[str, ...] | set[str]) -> int:
    mask = 0
    for t in types:
        mask |= DIFFICULTY_BITS[t]
    return mask


def types_of(mask: int) -> list[str]:
    return [code for code, bit in DIFFICULTY_BITS.items() if mask & bit]


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    OTHER = "other", _("其他")


class CertificateKind(models.TextChoices):
    SPECIAL_ABILITY = "special_ability", _("专项能力证书")
    VOCATIONAL_QUALIFICATION = "vocational_qualification", _("职业资格证书")
    SKILL_LEVEL = "skill_level", _("职业技能等级证书")


class VisitResult(models.TextChoices):
    CONFIRMED = "confirmed", _("信息属实")
    CORRECTED = "corrected", _("已更正")
    NOT_FOUND = "not_found", _("未见本人")
    MOVED_AWAY = "moved_away", _("已迁出")


class TimelineKind(models.TextChoices):
    REGISTERED = "registered", _("登记入台账")
    UPDATED = "updated", _("信息修改")
    STATUS = "status", _("就业状态变化")
    DIFFICULTY = "difficulty", _("困难类型变化")
    VERIFIED = "verified", _("入户核实")
    IMPORTED = "imported", _("表格导入更新")
    CERTIFICATE = "certificate", _("取得证书")
    HIRED = "hired", _("用工登记")
    HOUSEHOLD = "household", _("家庭关系变化")
