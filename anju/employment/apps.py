from django.apps import AppConfig
from django.db.models.signals import post_migrate, post_save
from django.utils.translation import gettext_lazy as _


def _sync_occupations(sender, using="default", **kwargs) -> None:
    from anju.employment import occupations

    occupations.sync(using=using)


def _refresh_seeker(sender, instance, raw=False, **kwargs) -> None:
    """A ledger edit reaches matching: an existing Seeker is re-read at once; a worker who starts
    seeking gets one when the transaction commits (registering a worker stays cheap, and a
    rolled-back registration indexes nothing). Bulk imports bypass this signal: they send
    `ledger_imported`, and `index_stale_seekers` catches up (as does the hourly `anju index-seekers`)."""
    if raw:
        return
    from django.db import transaction

    from anju.employment import seekers
    from anju.employment.models import Seeker

    if Seeker.objects.filter(pk=instance.pk).exists():
        seekers.refresh([instance.pk])
    elif seekers.is_seeking(instance):
        pk = instance.pk
        transaction.on_commit(lambda: seekers.refresh([pk]))


def _after_ledger_import(sender, written: int = 0, **kwargs) -> None:
    """A ledger import committed: index the seekers it added or changed, in the background."""
    from anju.employment.tasks import index_stale_seekers

    index_stale_seekers.enqueue()


class EmploymentConfig(AppConfig):
    name = "anju.employment"
    verbose_name = _("就业")

    def ready(self) -> None:
        from anju.employment import registrations

        # The occupation catalogue ships with the code: every migrate brings the table up to it.
        post_migrate.connect(_sync_occupations, sender=self, dispatch_uid="employment_occupations")
        registrations.register()
        post_save.connect(_refresh_seeker, sender="registry.Worker", dispatch_uid="employment_seeker_refresh")
        from anju.registry.signals import ledger_imported

        ledger_imported.connect(_after_ledger_import, dispatch_uid="employment_after_ledger_import")
