"""`anju params`: dated regional parameters from the shell.

    anju params set NAME --region CODE --from YYYY-MM-DD VALUE [--source TEXT] [--as USERNAME]
    anju params show NAME --region CODE --date YYYY-MM-DD

`set` records a value from a date on (audited; an empty VALUE, "" or "none", means the measure
names no amount). `show` prints the value in force, the region level it comes from, and the
history of every level the region inherits from. Exit status 2 on bad input.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from anju.lib.jsonutil import plain_decimal
from anju.params import selectors
from anju.params.forms import clean_region_prefix, parse_value, region_label
from anju.params.models import Parameter
from anju.params.permissions import ParameterPolicy
from anju.params.services import parameter_set

EXIT_BAD_INPUT = 2


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=EXIT_BAD_INPUT)


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        raise _fail(f"{option}: '{text}' is not a date (YYYY-MM-DD)") from None


def _shown(value) -> str:
    return "no amount" if value is None else plain_decimal(value)


def _message(exc: ValidationError) -> str:
    return "; ".join(str(m) for m in exc.messages)


class Command(BaseCommand):
    help = "Set or show a dated regional policy parameter."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{set,show}")
        set_ = sub.add_parser("set", help="record a value from a date on (audited)")
        set_.add_argument("name")
        set_.add_argument("value", help='a number (a rate as 0.9 or 90%%); "" or none: no amount')
        set_.add_argument("--region", required=True, help='division code or prefix; "" for the national value')
        set_.add_argument("--from", dest="valid_from", required=True, help="YYYY-MM-DD")
        set_.add_argument("--source", default="", help="the document that sets it")
        set_.add_argument("--as", dest="username", help="the acting user (checked against their jurisdiction)")
        show = sub.add_parser("show", help="the value in force, where it comes from, and the history")
        show.add_argument("name")
        show.add_argument("--region", required=True)
        show.add_argument("--date", default=None, help="YYYY-MM-DD (default: today)")

    def handle(self, *args, action, **options):
        parameter = Parameter.objects.filter(name=options["name"]).first()
        if parameter is None:
            known = ", ".join(Parameter.objects.values_list("name", flat=True)[:50]) or "none (load the packs first)"
            raise _fail(f"unknown parameter '{options['name']}' (known: {known})")
        try:
            region = clean_region_prefix(options.pop("region"), allow_national=True)
        except ValidationError as exc:
            raise _fail(f"--region: {_message(exc)}") from None
        if action == "set":
            self.set(parameter, region, **options)
        else:
            self.show(parameter, region, options["date"])

    def set(self, parameter: Parameter, region: str, *, value, valid_from, source, username, **_):
        on = _date(valid_from, "--from")
        try:
            amount = parse_value(value, parameter.type)
        except ValidationError as exc:
            raise _fail(f"VALUE: {_message(exc)}") from None
        if len(source) > 300:
            raise _fail("--source: at most 300 characters")
        actor = None
        if username:
            actor = get_user_model().objects.filter(username=username, is_active=True).first()
            if actor is None or not ParameterPolicy.can(actor, "change"):
                raise _fail(f"user '{username}' is unknown, inactive or may not set parameters")
            if not ParameterPolicy.can_set_for(actor, region):
                raise _fail(f"user '{username}' may not set values for region '{region or '*'}' "
                            f"(jurisdiction {actor.jurisdiction or '*'})")
        row = parameter_set(actor=actor, name=parameter.name, region_prefix=region, valid_from=on,
                            value=amount, source=source)
        shown = _shown(row.value)
        self.stdout.write(f"{parameter.name} @ {region or '*'} ({region_label(region)}) from {on}: {shown}")

    def show(self, parameter: Parameter, region: str, date_text: str | None):
        from django.utils import timezone

        on = _date(date_text, "--date") if date_text else timezone.localdate()
        code = region.ljust(12, "0") if region else ""
        value, level = selectors.resolve(parameter.name, code, on)
        unit = f" {parameter.unit_zh}" if parameter.unit_zh else ""
        if level is None:
            self.stdout.write(f"{parameter.name} @ {region or '*'} on {on}: not set at any level")
        else:
            shown = _shown(value) + (unit if value is not None else "")
            self.stdout.write(f"{parameter.name} @ {region or '*'} on {on}: {shown} "
                              f"(from {level or '*'} {region_label(level)})")
        self.stdout.write("history:")
        for row in selectors.history(parameter.name, code or None):
            marker = "*" if row.valid_from > on else " "
            shown = _shown(row.value)
            who = row.created_by.get_username() if row.created_by else "pack"
            self.stdout.write(f" {marker} {row.region_prefix or '*':<9} from {row.valid_from}: {shown} "
                              f"[{who} {row.created_at:%Y-%m-%d %H:%M}] {row.source}")
