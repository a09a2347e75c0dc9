from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from anju.accounts.lockout import lockout_minutes


class LoginForm(AuthenticationForm):
    username = forms.CharField(label=_("用户名"), max_length=150, widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label=_("密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    error_messages = {
        "invalid_login": _("用户名或密码不正确。从同一地址连续输错 %(limit)d 次，该账号在此地址将被锁定 %(minutes)d 分钟。"),
        "inactive": _("该账户已停用，请联系管理员。"),
    }

    def get_invalid_login_error(self):
        # The limits are settings (ANJU_LOCKOUT_FAILURES, ANJU_LOCKOUT_MINUTES): say the real ones.
        return ValidationError(self.error_messages["invalid_login"], code="invalid_login",
                               params={"limit": settings.AXES_FAILURE_LIMIT, "minutes": lockout_minutes()})


class LockoutReleaseForm(forms.Form):
    """Which lockout an administrator lifts: one account from one address, or a whole address."""

    scope = forms.ChoiceField(choices=[("account", _("账号")), ("address", _("地址"))])
    ip_address = forms.GenericIPAddressField(label=_("IP 地址"))
    username = forms.CharField(label=_("用户名"), max_length=150, required=False)

    def clean(self):
        data = super().clean()
        if data.get("scope") == "account" and not data.get("username"):
            raise ValidationError(_("解除账号锁定时须指明用户名。"))
        if data.get("scope") == "address":
            data["username"] = ""
        return data

    def label(self) -> str:
        data = self.cleaned_data
        return f"{data['username']} @ {data['ip_address']}" if data["scope"] == "account" else data["ip_address"]
