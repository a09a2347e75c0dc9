from __future__ import annotations

from anju.workflow.outbox import unread_count


def bell(request):
    """The unread count on the bell, on every staff page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Callables: templates call them only when they show the bell (full pages), so htmx fragments
    # pay no query for it.
    return {"unread_messages": lambda: unread_count(user)}
