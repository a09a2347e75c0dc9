from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParamsConfig(AppConfig):
    name = "anju.params"
    verbose_name = _("参数")
