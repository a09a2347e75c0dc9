"""What a task is about, registered by the app that opens it. The engine stores only the step's
code; the queue pages ask here for its label and for the link to the record.

    register_step("registry.verification_visit", label=N_("入户核实"), link=lambda task: reverse(...))
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext


@dataclass(frozen=True)
class Step:
    code: str
    label: str  # gettext_noop'd Chinese msgid, translated when shown
    link: Callable[[object], str] | None = None

    @property
    def title(self) -> str:
        return gettext(self.label)


_STEPS: dict[str, Step] = {}


def register_step(code: str, *, label: str, link: Callable[[object], str] | None = None) -> Step:
    step = Step(code=code, label=label, link=link)
    _STEPS[code] = step
    return step


def get_step(code: str) -> Step:
    return _STEPS.get(code) or Step(code=code, label=code)


def steps() -> list[Step]:
    return list(_STEPS.values())
