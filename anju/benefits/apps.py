from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BenefitsConfig(AppConfig):
    name = "anju.benefits"
    verbose_name = _("待遇申请与发放")

    def ready(self) -> None:
        from anju.benefits import registrations

        registrations.register()
