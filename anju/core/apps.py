from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "anju.core"
    verbose_name = _("核心")

    def ready(self) -> None:
        from anju.core import checks  # noqa: F401
