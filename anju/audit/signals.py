"""Login events come from Django's auth signals: the one place where a signal is the flow's own
extension point (the login view is Django's and axes')."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from anju.audit.models import Action
from anju.audit.services import audit_record


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_record(actor=user, action=Action.LOGIN, object_type="user", object_id=str(user.pk),
                 object_repr=user.get_username())


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action=Action.LOGOUT, object_type="user", object_id=str(user.pk),
                     object_repr=user.get_username())


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit_record(actor=None, action=Action.LOGIN_FAILED, object_type="user", object_repr=username,
                 username=username)
