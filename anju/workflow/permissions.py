"""Who may act on a task: exactly the role, jurisdiction and department kind the task names.
Supervisors (the task's supervising role over the same region) see it and its counts, but do not
close it for the department that owes it."""

from __future__ import annotations

from anju.accounts.models import Role
from anju.regions.codes import in_prefix

SUPERVISORS = frozenset({Role.ADMIN, Role.COUNTY_OFFICER, Role.AUDITOR})


class TaskPolicy:
    model_label = "task"

    @staticmethod
    def _active(user) -> bool:
        return bool(getattr(user, "is_authenticated", False) and user.is_active)

    @classmethod
    def can_act(cls, user, task) -> bool:
        if not cls._active(user) or user.role != task.role:
            return False
        if not user.jurisdiction or not in_prefix(task.region_code, user.jurisdiction):
            return False
        department = getattr(user, "department", None)
        return department is None or department.kind == task.department_kind

    @classmethod
    def can_view(cls, user, task) -> bool:
        if cls.can_act(user, task):
            return True
        return cls.can_supervise(user) and in_prefix(task.region_code, user.jurisdiction)

    @classmethod
    def can_supervise(cls, user) -> bool:
        return cls._active(user) and user.role in SUPERVISORS


class CalendarPolicy:
    """Everyone reads the working-day calendar; administrators enter holidays."""

    model_label = "calendar"

    @staticmethod
    def can_edit(user) -> bool:
        return bool(getattr(user, "is_authenticated", False) and user.is_active and user.role == Role.ADMIN)


class SmsPolicy:
    """Delivery status of SMS to workers and employers: administrators follow it and resend
    failed ones (phones stay masked; the page reveals nothing)."""

    model_label = "sms"

    @staticmethod
    def can_view(user) -> bool:
        return bool(getattr(user, "is_authenticated", False) and user.is_active and user.role == Role.ADMIN)
