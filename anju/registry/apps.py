from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "anju.registry"
    verbose_name = _("台账")

    def ready(self) -> None:
        from anju.registry import workflow_steps

        workflow_steps.register()
        from anju.registry.panels import register_ledger_panels

        register_ledger_panels()
