from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from anju.accounts.forms import LockoutReleaseForm, LoginForm
from anju.accounts.lockout import lockout_minutes
from anju.accounts.permissions import UserPolicy
from anju.accounts.selectors import lockouts_current
from anju.accounts.services import lockout_release, user_password_set, user_sessions_end
from anju.core.ratelimit import rate_limit


@method_decorator(rate_limit("accounts.login", methods=["POST"]), name="dispatch")  # per address
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True


def locked_out(request, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the page for a login refused by a lockout (429)."""
    context = {
        "scope": getattr(request, "anju_lockout", None) or "account",
        "minutes": lockout_minutes(),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "address_limit": settings.ANJU_LOCKOUT_ADDRESS_FAILURES,
    }
    return render(request, "accounts/locked_out.html", context, status=429)


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("core:home")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_unlock"] = UserPolicy.can(self.request.user, "unlock")
        return context

    def form_valid(self, form):
        user = self.request.user
        user_password_set(user=user, actor=user, password=form.cleaned_data["new_password1"])
        # This browser stays logged in; every other session and every API token has ended.
        update_session_auth_hash(self.request, user)
        messages.success(self.request, _("密码已修改。其他设备上的登录和全部接口令牌已失效。"))
        return redirect(self.get_success_url())


@login_required
@require_POST
def logout_everywhere(request):
    """End every session of the user, this one included, and every API token."""
    user = request.user
    ended = user_sessions_end(user=user, actor=user, reason="logout_everywhere")
    logout(request)
    messages.success(request, _("已在所有设备上退出登录，%(tokens)d 个接口令牌已失效。") % {"tokens": ended})
    return redirect(settings.LOGOUT_REDIRECT_URL)


def _require_unlock(request) -> None:
    if not UserPolicy.can(request.user, "unlock"):
        raise PermissionDenied(_("只有系统管理员可以查看和解除登录锁定。"))


@login_required
def lockout_list(request):
    _require_unlock(request)
    return render(request, "accounts/lockout_list.html", {
        "lockouts": lockouts_current(request.user),
        "minutes": lockout_minutes(),
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "address_limit": settings.ANJU_LOCKOUT_ADDRESS_FAILURES,
    })


@login_required
@require_POST
def lockout_unlock(request):
    _require_unlock(request)
    form = LockoutReleaseForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("accounts:lockout_list")
    data = form.cleaned_data
    removed = lockout_release(actor=request.user, scope=data["scope"], ip_address=data["ip_address"],
                              username=data["username"])
    if removed:
        messages.success(request, _("已解除锁定：%(what)s。") % {"what": form.label()})
    else:
        messages.info(request, _("%(what)s 当前没有锁定（可能已自动解除）。") % {"what": form.label()})
    return redirect("accounts:lockout_list")
