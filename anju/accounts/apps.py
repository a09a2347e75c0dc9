from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "anju.accounts"
    verbose_name = _("账户与权限")

    def ready(self):
        from anju.accounts import checks  # noqa: F401  (registers the lockout settings check)
