"""What the ledger registers with the shared machinery (called from RegistryConfig.ready)."""

from __future__ import annotations

from django.urls import reverse


def register() -> None:
    from anju.registry.rounds import STEP, STEP_LABEL
    from anju.workflow.steps import register_step

    register_step(STEP, label=STEP_LABEL, link=lambda task: reverse("registry:visit_create", args=[task.subject_id]))
