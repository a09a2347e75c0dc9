from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoliciesConfig(AppConfig):
    name = "anju.policies"
    verbose_name = _("政策")

    def ready(self) -> None:
        from anju.params.selectors import register_reader
        from anju.policies.views import parameter_readers
        from anju.registry.panels import register_worker_panel

        register_reader(parameter_readers)  # the parameter page links to the policies reading it

        # The policies a worker may receive, judged when the page has loaded (the evaluation
        # reads facts and parameters; the record shows at once).
        register_worker_panel("policies", "registry/_lazy_panel.html", _policies_panel_context, order=10,
                              permission=_may_view_policies)


def _policies_panel_context(request, worker) -> dict:
    from django.urls import reverse

    return {"url": reverse("policies:worker_policies", args=[worker.pk]), "testid": "worker-policies",
            "loading": _("正在判定可享受的政策…")}


def _may_view_policies(user, worker) -> bool:
    from anju.policies.permissions import PolicyPolicy

    return PolicyPolicy.can(user, "view")
