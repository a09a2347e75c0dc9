"""`anju scan POLICY_ID --date YYYY-MM-DD [--region CODE] [--format csv|json] [--reveal] [--as USERNAME]`

The proactive list (免申即享) of one policy on the shell: one line per qualifying subject, the
subject's key first and the amount last (empty when the policy names none or its amount
parameter is not set yet); a summary (count, total, elapsed) on stderr.

Keys: workers by ID number; hires, certificates, businesses and training enrolments by the
worker's ID number then the record's own number; households by household number; employers by
unified social credit code. ID numbers are the stored masked copies (nothing is decrypted)
unless `--reveal` is given, which needs `--as` a user who may reveal ID numbers, limits the list
to that user's jurisdiction and writes one audit event (policy, date, region, how many).

Rows stream from one SELECT (keys fetched with the scan, no query per row). Exit status 2 for
an unknown policy or user, a bad date or region, or a reveal that is not allowed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from collections.abc import Iterator
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from anju.lib.sheets import csv_writer
from anju.policies import engine
from anju.policies.packs import Policy, catalogue, get_policy
from anju.regions.codes import PREFIX_RE, in_prefix, normalize_code, significant_prefix
from anju.regions.selectors import region_exists

EXIT_USAGE = 2


class UsageError(Exception):
    pass


# Per subject: the key columns as (heading, field of the masked value, field of the encrypted one).
KEYS: dict[str, list[tuple[str, str, str | None]]] = {
    "worker": [("id_number", "id_number_masked", "id_number_enc")],
    "hire": [("id_number", "worker__id_number_masked", "worker__id_number_enc"), ("hire_id", "id", None)],
    "certificate": [("id_number", "worker__id_number_masked", "worker__id_number_enc"),
                    ("certificate_no", "certificate_no", None)],
    # A business is known by its credit code; one without (an online shop) by its record number.
    "business": [("id_number", "founder__id_number_masked", "founder__id_number_enc"), ("business_no", "uscc", None)],
    "training_enrolment": [("id_number", "worker__id_number_masked", "worker__id_number_enc"), ("enrolment_id", "id", None)],
    "household": [("household_no", "household_no", None)],
    "employer": [("credit_code", "uscc", None)],
}


def parse_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(text).strip())
    except ValueError:
        raise UsageError(f"'{text}' is not a date (YYYY-MM-DD)") from None


def parse_region(text: str | None) -> str:
    """A division code or prefix ('350581', '350581001000') -> its significant prefix; '' = all."""
    raw = (text or "").strip()
    if not raw:
        return ""
    if not PREFIX_RE.match(raw):
        raise UsageError(f"'{raw}' is not a division code (2, 4, 6, 9 or 12 digits)")
    code = normalize_code(raw) if len(raw) in (6, 9, 12) else raw.ljust(12, "0")
    if code is None or not region_exists(code):
        raise UsageError(f"there is no division '{raw}'")
    return significant_prefix(code)


def find_policy(policy_id: str) -> Policy:
    policy = get_policy(policy_id)
    if policy is None:
        known = ", ".join(sorted(catalogue().policies))
        raise UsageError(f"unknown policy '{policy_id}' (known: {known})")
    return policy


def scope(region: str, user) -> str:
    """The region a user may list: their jurisdiction, or a part of it."""
    mine = user.jurisdiction or ""
    if not region:
        return mine
    if not in_prefix(region.ljust(12, "0"), mine):
        raise UsageError(f"region {region} is outside {user.get_username()}'s jurisdiction ({mine or 'all'})")
    return region


def amount_text(amount: Decimal | None) -> str:
    return "" if amount is None else str(amount)


def key_rows(policy: Policy, *, on: dt.date, region: str, reveal: bool) -> tuple[list[str], Iterator[tuple]]:
    """(headings, rows): each row is the key values then the amount (Decimal or None)."""
    keys = KEYS[policy.subject]
    fields = [enc if (reveal and enc) else masked for _h, masked, enc in keys]
    decrypt_at = [i for i, (_h, _m, enc) in enumerate(keys) if reveal and enc]
    if policy.subject == "business":
        fields.append("id")
    headings = [h for h, _m, _e in keys]

    def rows() -> Iterator[tuple]:
        from anju.lib.crypto import decrypt

        for row in engine.scan_rows(policy, on=on, region_prefix=region, fields=fields, order=True):
            values = list(row[3:3 + len(keys)])
            for i in decrypt_at:
                values[i] = decrypt(values[i])
            if policy.subject == "business" and not values[1]:
                values[1] = str(row[-1])
            yield (*values, row[2])

    return headings, rows()


class Command(BaseCommand):
    help = "Print who qualifies for a policy on a date (masked ID numbers unless --reveal)."

    def add_arguments(self, parser):
        parser.add_argument("policy_id")
        parser.add_argument("--date", required=True, help="evaluation date, YYYY-MM-DD")
        parser.add_argument("--region", default="", help="division code or prefix (default: everywhere / your jurisdiction)")
        parser.add_argument("--format", choices=["csv", "json"], default="csv", help="csv (default) or JSON Lines")
        parser.add_argument("--reveal", action="store_true", help="full ID numbers (audited; needs --as)")
        parser.add_argument("--as", dest="username", default="", help="the user the list is made for")

    def handle(self, *args, policy_id, date, region, format, reveal, username, **options):
        try:
            policy = find_policy(policy_id)
            on = parse_date(date)
            region = parse_region(region)
            user = None
            if reveal and not username:
                raise UsageError("--reveal needs --as USERNAME (a user who may see full ID numbers)")
            if username:
                user = get_user_model().objects.filter(username=username, is_active=True).first()
                if user is None:
                    raise UsageError(f"unknown or inactive user '{username}'")
                region = scope(region, user)
            if reveal:
                from anju.registry.permissions import WorkerPolicy

                if not WorkerPolicy.can(user, "reveal"):
                    raise UsageError(f"user '{username}' may not see full ID numbers")
        except UsageError as exc:
            self.stderr.write(f"error: {exc}")
            sys.exit(EXIT_USAGE)

        stream = options.get("stdout") or sys.stdout
        started = time.perf_counter()
        headings, rows = key_rows(policy, on=on, region=region, reveal=reveal)
        count, total, pending = 0, Decimal("0.00"), 0
        stopped = ""
        if format == "csv":
            writer = csv_writer(stream, lineterminator="\n")

            def emit(key, amount):
                writer.writerow([*key, amount_text(amount)])
        else:
            def emit(key, amount):
                item = dict(zip(headings, key, strict=True))
                item["amount"] = None if amount is None else str(amount)
                stream.write(json.dumps(item, ensure_ascii=False) + "\n")
        try:
            if format == "csv":
                writer.writerow([*headings, "amount"])
            for *key, amount in rows:
                emit(key, amount)
                count += 1
                if amount is None:
                    pending += 1
                else:
                    total += amount
        except BrokenPipeError:
            # The reader went away (`| head`): stop quietly, like other shell tools.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            stopped = " (output closed early: counted so far)"
        finally:
            rows.close()
            if reveal:
                self.audit(user, policy, on, region, count)
        elapsed = time.perf_counter() - started
        note = f", {pending} without an amount (to be set by {policy.lead})" if pending and policy.amount is not None else ""
        self.stderr.write(f"{policy.id} on {on.isoformat()} in {region or 'all regions'}: {count} qualifying, "
                          f"total {total} yuan{note}; {elapsed:.2f} s{stopped}")

    def audit(self, user, policy: Policy, on: dt.date, region: str, count: int) -> None:
        from anju.audit.models import Action
        from anju.audit.services import audit_record

        audit_record(actor=user, action=Action.REVEAL, object_type="policy_scan", object_id=policy.id,
                     object_repr=f"{policy.id} {on.isoformat()}", region_code=region.ljust(12, "0") if region else "",
                     detail={"field": "id_number", "policy": policy.id, "date": on, "region": region, "count": count,
                             "via": "anju scan"})
