from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from anju.lib.identifiers import IdentifierError, validate_uscc
from anju.regions.codes import PREFIX_RE


class DepartmentKind(models.TextChoices):
    HRSS = "hrss", _("人力资源和社会保障局")
    CIVIL_AFFAIRS = "civil_affairs", _("民政局")
    FINANCE = "finance", _("财政局")
    TRADE_UNION = "trade_union", _("总工会")
    WOMENS_FEDERATION = "womens_federation", _("妇联")
    EDUCATION = "education", _("教育局")
    YOUTH_LEAGUE = "youth_league", _("团委")
    PUBLICITY = "publicity", _("宣传部")
    INDUSTRY = "industry", _("工信局")
    TOWN_STATION = "town_station", _("乡镇（街道）劳动保障站")
    DEVELOPMENT_REFORM = "development_reform", _("发展和改革局")
    MARKET_REGULATION = "market_regulation", _("市场监督管理局")
    TAX = "tax", _("税务局")
    AUDIT = "audit", _("审计")


def department_label(code: str) -> str:
    """A department kind's name in the active language (the code itself if unknown)."""
    return str(dict(DepartmentKind.choices).get(code, code))


def department_labels(code: str) -> dict[str, str]:
    """{"zh": …, "en": …} for API answers that carry both languages."""
    from django.utils import translation

    out = {}
    for key, language in (("zh", "zh-hans"), ("en", "en")):
        with translation.override(language):
            out[key] = department_label(code)
    return out


class Department(models.Model):
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=80)
    kind = models.CharField(_("类别"), max_length=30, choices=DepartmentKind.choices)
    region = models.ForeignKey("regions.Region", verbose_name=_("所在地区"), on_delete=models.PROTECT)

    class Meta:
        ordering = ["region_id", "kind"]
        verbose_name = _("部门")
        verbose_name_plural = _("部门")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("系统管理员")
    COUNTY_OFFICER = "county_officer", _("市县人社经办人员")
    TOWN_OFFICER = "town_officer", _("乡镇（街道）经办人员")
    CIVIL_AFFAIRS = "civil_affairs", _("民政经办人员")
    UNION = "union", _("工会经办人员")
    FINANCE = "finance", _("财政经办人员")
    INSPECTOR = "inspector", _("劳动保障监察员")
    AUDITOR = "auditor", _("审计人员（只读）")
    # Accounts of organisations, not of departments: owner-scoped (see OWNER_SCOPED_ROLES).
    EMPLOYER_USER = "employer_user", _("单位人事/用工单位经办人")
    CONTRACTOR_USER = "contractor_user", _("施工总承包单位劳资专管员")


# Roles whose account belongs to an organisation (named by its unified social credit code): they
# see only that organisation's records, inside their jurisdiction.
OWNER_SCOPED_ROLES = frozenset({Role.EMPLOYER_USER, Role.CONTRACTOR_USER})


def validate_jurisdiction(value: str) -> None:
    if value and not PREFIX_RE.match(value):
        raise ValidationError(_("管辖范围须为 2、4、6、9 或 12 位区划代码前缀。"), code="jurisdiction")


class User(AbstractUser):
    """A staff account, or an employer's or general contractor's account. `jurisdiction` is the
    division-code prefix it may see; empty = everywhere (administrators and auditors only).
    `organisation_uscc` names the organisation an employer or contractor account belongs to
    (a credit code, not a foreign key: accounts sits below employment)."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.TOWN_OFFICER)
    department = models.ForeignKey(
        Department, verbose_name=_("部门"), null=True, blank=True, on_delete=models.PROTECT
    )
    jurisdiction = models.CharField(
        _("管辖区划前缀"), max_length=12, blank=True, validators=[validate_jurisdiction],
        help_text=_("例如 3505 泉州市、350581 石狮市、350581001 某街道；留空表示全部（仅管理员、审计）。"),
    )
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)
    organisation_uscc = models.CharField(
        _("所属单位统一社会信用代码"), max_length=18, blank=True, db_index=True,
        help_text=_("用人单位、施工总承包单位的账号必填，只能查看本单位的记录；工作人员账号留空。"),
    )
    # Raised to end every web session of the account at once ("log out everywhere",
    # deactivation): it is part of the session hash, see _get_session_auth_hash.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")
        constraints = [
            # An organisation's account always names its organisation; a staff account never does.
            models.CheckConstraint(
                condition=(models.Q(role__in=sorted(OWNER_SCOPED_ROLES)) & ~models.Q(organisation_uscc=""))
                | (~models.Q(role__in=sorted(OWNER_SCOPED_ROLES)) & models.Q(organisation_uscc="")),
                name="user_organisation_iff_owner_role",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    def _get_session_auth_hash(self, secret=None):
        # Django keeps a hash of the password in each session and drops a session whose hash no
        # longer matches. Mixing in session_generation lets a bump end all sessions too;
        # generation 0 keeps Django's own hash, so existing sessions survive the upgrade.
        if not self.session_generation:
            return super()._get_session_auth_hash(secret=secret)
        from django.utils.crypto import salted_hmac

        return salted_hmac("anju.accounts.User.get_session_auth_hash",
                           f"{self.password}:{self.session_generation}", secret=secret,
                           algorithm="sha256").hexdigest()

    def clean(self) -> None:
        super().clean()
        if not self.jurisdiction and self.role not in (Role.ADMIN, Role.AUDITOR):
            raise ValidationError({"jurisdiction": _("除管理员和审计人员外，必须指定管辖范围。")})
        if self.role in OWNER_SCOPED_ROLES:
            if not self.organisation_uscc:
                raise ValidationError({"organisation_uscc": _("用人单位或施工总承包单位的账号必须填写所属单位的统一社会信用代码。")})
            try:
                self.organisation_uscc = validate_uscc(self.organisation_uscc)
            except IdentifierError:
                raise ValidationError({"organisation_uscc": _(
                    "所属单位的统一社会信用代码不正确（应为 18 位，末位校验码须正确）。")}) from None
        elif self.organisation_uscc:
            raise ValidationError({"organisation_uscc": _("工作人员账号不属于任何单位，请清空所属单位统一社会信用代码。")})


def _token_default_expiry():
    import datetime as dt

    from django.utils import timezone

    return timezone.now() + dt.timedelta(hours=24)


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only a SHA-256 hash of the key is stored: a leaked table
    cannot be replayed. Keys are random (256 bits), so an unkeyed hash is enough."""

    user = models.ForeignKey(User, verbose_name=_("工作人员"), on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("过期时间"), default=_token_default_expiry, db_index=True)
    last_used_at = models.DateTimeField(_("最近使用时间"), null=True, blank=True)
    # The user's session auth hash when the token was issued (it mixes in the password and the
    # session generation): a token is good only while it still matches, so any password change
    # — the web page, the admin, `anju changepassword`, a script's set_password — and any
    # "log out everywhere" end it, whichever path made them.
    auth_hash = models.CharField(max_length=128, blank=True, editable=False)

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"
