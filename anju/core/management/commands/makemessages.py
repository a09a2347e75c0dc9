"""`makemessages` that also extracts `N_("…")` (gettext_noop): validation and API messages are
marked that way so that they can be rendered in Chinese and English at once."""

from __future__ import annotations

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=N_"]
