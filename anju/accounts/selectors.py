"""Account reads: the login lockouts in force now."""

from __future__ import annotations

import dataclasses
import datetime as dt

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.utils import timezone

from anju.accounts.lockout import address_exempt, cool_off
from anju.accounts.permissions import UserPolicy

LIST_LIMIT = 500


@dataclasses.dataclass(frozen=True)
class Lockout:
    scope: str  # "account": `username` from `ip_address`; "address": every login from `ip_address`
    ip_address: str
    username: str
    failures: int
    last_failure: dt.datetime

    @property
    def until(self) -> dt.datetime:
        """When the lock ends if nobody fails again from there (each failure restarts it)."""
        return self.last_failure + cool_off()


def lockouts_current(user) -> list[Lockout]:
    """The lockouts in force, address locks first, then the latest first; empty for a user who
    may not lift them. Counts the same failure records, in the same window, as the handler."""
    if not UserPolicy.can(user, "unlock"):
        return []
    recent = AccessAttempt.objects.filter(attempt_time__gte=timezone.now() - cool_off())
    by_address = (recent.exclude(ip_address=None).values("ip_address")
                  .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
                  .filter(failures__gte=settings.ANJU_LOCKOUT_ADDRESS_FAILURES))
    by_account = (recent.exclude(ip_address=None).values("ip_address", "username")
                  .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
                  .filter(failures__gte=settings.AXES_FAILURE_LIMIT))
    # Bounded: a list page, not an export (an attack from many addresses could make thousands).
    out = [Lockout("address", row["ip_address"], "", row["failures"], row["last"])
           for row in by_address[:LIST_LIMIT] if not address_exempt(row["ip_address"])]
    out.sort(key=lambda lock: lock.last_failure, reverse=True)
    accounts = [Lockout("account", row["ip_address"], row["username"] or "", row["failures"], row["last"])
                for row in by_account[:LIST_LIMIT]]
    accounts.sort(key=lambda lock: lock.last_failure, reverse=True)
    return out + accounts
