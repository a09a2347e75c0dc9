"""`anju simulate POLICY_ID --date YYYY-MM-DD --region CODE --param NAME=VALUE [...]`

How many qualify for a policy in a region and what it costs, with the parameters in force and
with the values given (e.g. Shishi's job-stabilisation refund rate 60% → 90%:
`--param stabilisation_refund_rate=0.9` or `=90%`). Nothing is stored. Exit status 2 for an
unknown policy or parameter, a bad date, region or value.
"""

from __future__ import annotations

import sys
import time
from decimal import Decimal, InvalidOperation

from django.core.management.base import BaseCommand

from anju.policies import engine
from anju.policies.management.commands.scan import (
    EXIT_USAGE,
    UsageError,
    find_policy,
    parse_date,
    parse_region,
)
from anju.policies.packs import Policy


def parse_param(policy: Policy, text: str) -> tuple[str, Decimal | None]:
    name, sep, raw = text.partition("=")
    name, raw = name.strip(), raw.strip()
    if not sep or not name:
        raise UsageError(f"--param takes NAME=VALUE, not '{text}'")
    if name not in policy.params_read():
        known = ", ".join(sorted(policy.params_read())) or "none"
        raise UsageError(f"{policy.id} reads no parameter '{name}' (it reads: {known})")
    if raw.lower() in ("", "none", "null"):
        return name, None
    percent = raw.endswith("%")
    try:
        value = Decimal(raw[:-1] if percent else raw)
    except InvalidOperation:
        raise UsageError(f"'{raw}' is not a number (parameter {name})") from None
    if not value.is_finite() or value < 0:
        raise UsageError(f"'{raw}' is not a usable value (parameter {name})")
    if percent:
        value /= 100
    decl = policy.parameters.get(name)
    if decl is not None and decl.type == "rate" and value > 1:
        raise UsageError(f"{name} is a rate from 0 to 1 (0.9 or 90%), not {raw}")
    return name, value


def number(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.2f}"


def signed(value) -> str:
    text = number(value)
    return text if text.startswith("-") or value == 0 else "+" + text


class Command(BaseCommand):
    help = "Count and cost of a policy before and after a parameter change (nothing is stored)."

    def add_arguments(self, parser):
        parser.add_argument("policy_id")
        parser.add_argument("--date", required=True, help="evaluation date, YYYY-MM-DD")
        parser.add_argument("--region", required=True, help="division code or prefix")
        parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                            help="a parameter value to try (repeatable); rates as 0.9 or 90%%")

    def handle(self, *args, policy_id, date, region, param, **options):
        try:
            policy = find_policy(policy_id)
            on = parse_date(date)
            prefix = parse_region(region)
            if not param:
                raise UsageError("give at least one --param NAME=VALUE to try")
            overrides = dict(parse_param(policy, p) for p in param)
        except UsageError as exc:
            self.stderr.write(f"error: {exc}")
            sys.exit(EXIT_USAGE)
        started = time.perf_counter()
        sim = engine.simulate(policy, on=on, region_prefix=prefix, overrides=overrides)
        elapsed = time.perf_counter() - started
        out = self.stdout
        out.write(f"{policy.id} ({policy.title.zh}) on {on.isoformat()} in {prefix or 'all regions'}")
        for name, value in overrides.items():
            out.write(f"  {name}: {sim.in_force.get(name)} -> {value}")
        rows = [
            ("", "before", "after", "change"),
            ("qualifying", number(sim.before.count), number(sim.after.count), signed(sim.count_change)),
            ("total (yuan)", number(sim.before.total), number(sim.after.total), signed(sim.total_change)),
        ]
        if sim.before.pending or sim.after.pending:
            rows.append(("without amount", number(sim.before.pending), number(sim.after.pending),
                         signed(sim.after.pending - sim.before.pending)))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        for r in rows:
            out.write("  ".join([r[0].ljust(widths[0]), *(c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True))]))
        self.stderr.write(f"simulated in {elapsed:.2f} s")
