from __future__ import annotations

from anju.workflow.outbox import unread_count
from anju.workflow.selectors import queue_for_user


def bell(request):
    """The unread count on the bell and whether the user has a queue, on every staff page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_messages": unread_count(user), "has_queue": queue_for_user(user).exists()}
