"""The public site's one table: one-time SMS codes that confirm a mobile number (anju/portal/otp.py).

Neither the phone nor the code is stored readable: the phone by its keyed hash (the same hash the
applications carry, so "my applications" finds them), the code by a keyed hash bound to the phone.
The caller's address is kept hashed too, only to count codes sent from one address.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PhoneCode(models.Model):
    phone_hash = models.CharField(max_length=64, editable=False)
    code_hash = models.CharField(max_length=64, editable=False)
    address_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("发送时间"))
    expires_at = models.DateTimeField(_("失效时间"))
    attempts = models.PositiveSmallIntegerField(_("错误次数"), default=0)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("短信验证码")
        verbose_name_plural = _("短信验证码")
        indexes = [
            models.Index(fields=["phone_hash", "created_at"], name="phone_code_phone"),
            models.Index(fields=["address_hash", "created_at"], name="phone_code_address"),
        ]

    def __str__(self) -> str:
        return f"{self.phone_hash[:8]} {self.created_at:%Y-%m-%d %H:%M}"
