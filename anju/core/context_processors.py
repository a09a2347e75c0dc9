from __future__ import annotations

from anju.audit.permissions import AuditPolicy
from anju.policies.permissions import PolicyPolicy
from anju.regions.selectors import region_path
from anju.registry.permissions import WorkerPolicy
from anju.workflow.permissions import TaskPolicy


def anju(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "perms_ledger": {a: True for a in WorkerPolicy.allowed_actions(user)},
        "perms_audit": {a: True for a in AuditPolicy.allowed_actions(user)},
        # The menu offers only what the role may open (a contractor user saw four links to 403).
        "perms_menu": {"policies": PolicyPolicy.can(user, "view"), "supervise": TaskPolicy.can_supervise(user)},
        "jurisdiction_name": region_path(user.jurisdiction.ljust(12, "0")) if user.jurisdiction else "",
    }
