from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_occupations(sender, using="default", **kwargs) -> None:
    from anju.employment import occupations

    occupations.sync(using=using)


class EmploymentConfig(AppConfig):
    name = "anju.employment"
    verbose_name = _("就业")

    def ready(self) -> None:
        from anju.employment import registrations

        # The occupation catalogue ships with the code: every migrate brings the table up to it.
        post_migrate.connect(_sync_occupations, sender=self, dispatch_uid="employment_occupations")
        registrations.register()
