"""Account writes: passwords, deactivation, ending sessions and API tokens, lifting lockouts.

A password change, a deactivation and "log out everywhere" each end every API token of the
account: a token must not outlive the password that earned it. Web sessions end by the session
hash (`User.get_session_auth_hash`): a new password changes it, and so does a bump of
`User.session_generation`, which is how sessions end without a password change.
"""

from __future__ import annotations

from typing import Literal

from django.db import transaction
from django.db.models import F

from anju.accounts.models import ApiToken, User
from anju.audit.models import Action
from anju.audit.services import audit_record

EndReason = Literal["password_change", "deactivated", "logout_everywhere"]


@transaction.atomic
def user_tokens_end(*, user: User, actor: User | None, reason: EndReason) -> int:
    """Delete every API token of `user`; the number ended. Audited (as a logout) even when the
    user had none, so the audit log shows that the step ran."""
    ended, _ = ApiToken.objects.filter(user=user).delete()
    audit_record(actor=actor, action=Action.LOGOUT, obj=user, object_type="user",
                 object_repr=user.get_username(),
                 detail={"via": "all api tokens", "reason": reason, "tokens": ended})
    return ended


@transaction.atomic
def user_sessions_end(*, user: User, actor: User | None, reason: EndReason) -> int:
    """End every web session and every API token of `user`; the number of tokens ended.

    A caller that wants to keep the acting request's session calls
    `update_session_auth_hash(request, user)` afterwards."""
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])
    return user_tokens_end(user=user, actor=actor, reason=reason)


@transaction.atomic
def user_password_set(*, user: User, actor: User, password: str) -> None:
    """Set a new password (already validated by the form) and end everything the old one opened."""
    user.set_password(password)
    user.save(update_fields=["password"])
    user_password_changed(user=user, actor=actor)


@transaction.atomic
def user_password_changed(*, user: User, actor: User) -> None:
    """Record a password that was just saved (by `user_password_set`, or by Django's admin form)
    and end the user's API tokens. Other web sessions end by themselves: their session hash was
    derived from the old password."""
    audit_record(actor=actor, action=Action.PASSWORD_CHANGE, obj=user,
                 detail={"by": "self" if actor.pk == user.pk else "administrator"})
    user_tokens_end(user=user, actor=actor, reason="password_change")


@transaction.atomic
def user_deactivate(*, user: User, actor: User) -> None:
    """Stop an account: it can no longer log in, and its sessions and API tokens end now."""
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
        audit_record(actor=actor, action=Action.UPDATE, obj=user, changes={"is_active": (True, False)})
    user_deactivated(user=user, actor=actor)


@transaction.atomic
def user_deactivated(*, user: User, actor: User) -> None:
    """End the sessions and tokens of an account just made inactive (by `user_deactivate`, or by
    Django's admin change form, which saves the flag itself)."""
    user_sessions_end(user=user, actor=actor, reason="deactivated")


@transaction.atomic
def lockout_release(*, actor: User, scope: str, ip_address: str, username: str = "") -> int:
    """Lift a lockout: of `username` from `ip_address` ("account"), or of every login from
    `ip_address` ("address", which also forgets that address's failures on each account).
    Returns the number of failure records removed; audited."""
    from axes.utils import reset

    if scope == "account":
        removed = reset(ip=ip_address, username=username)
        label = f"{username} @ {ip_address}"
    else:
        removed = reset(ip=ip_address)
        label = f"* @ {ip_address}"
    audit_record(actor=actor, action=Action.UPDATE, object_type="lockout", object_repr=label,
                 detail={"released": scope, "username": username, "ip_address": ip_address,
                         "failure_records": removed})
    return removed
