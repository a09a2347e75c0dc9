from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RightsConfig(AppConfig):
    name = "anju.rights"
    verbose_name = _("维权")

    def ready(self) -> None:
        from anju.rights import registrations

        registrations.register()
