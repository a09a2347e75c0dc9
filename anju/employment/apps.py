from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save
from django.utils.translation import gettext_lazy as _


def _sync_occupations(sender, using="default", **kwargs) -> None:
    from anju.employment import occupations

    occupations.sync(using=using)


def _refresh_seeker(sender, instance, raw=False, **kwargs) -> None:
    """A ledger edit reaches matching: the worker's Seeker re-read (made if they are seeking)."""
    if raw:
        return
    from anju.employment import seekers
    from anju.employment.models import Seeker

    if seekers.is_seeking(instance) or Seeker.objects.filter(pk=instance.pk).exists():
        seekers.refresh([instance.pk])


class EmploymentConfig(AppConfig):
    name = "anju.employment"
    verbose_name = _("就业")

    def ready(self) -> None:
        from anju.employment import registrations

        # The occupation catalogue ships with the code: every migrate brings the table up to it.
        post_migrate.connect(_sync_occupations, sender=self, dispatch_uid="employment_occupations")
        registrations.register()
        post_save.connect(_refresh_seeker, sender="registry.Worker", dispatch_uid="employment_seeker_refresh")
