from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from anju.accounts.forms import LoginForm
from anju.audit.models import Action
from anju.audit.services import audit_record


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        # django-axes needs the request on authenticate(); AuthenticationForm passes it through.
        return kwargs


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("core:home")

    def form_valid(self, form):
        response = super().form_valid(form)
        audit_record(actor=self.request.user, action=Action.PASSWORD_CHANGE, obj=self.request.user)
        messages.success(self.request, _("密码已修改。"))
        return response
