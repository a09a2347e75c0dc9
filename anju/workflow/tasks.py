"""Background work of the shared machinery: sending SMS from the outbox, the deadline sweep."""

from __future__ import annotations

from django_tasks import task


@task()
def send_sms(message_id: int) -> None:
    from anju.workflow.outbox import deliver

    deliver(message_id)


@task()
def send_sms_many(message_ids: list[int]) -> None:
    """The SMS of one `outbox.sms_many` call, one after another (each retried on its own)."""
    from anju.workflow.outbox import deliver

    for message_id in message_ids:
        deliver(message_id)


@task()
def sweep_deadlines() -> None:
    from anju.workflow.services import deadlines_sweep

    deadlines_sweep()
