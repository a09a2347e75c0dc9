"""What rights protection registers with the apps below it: its task steps and timeline kinds."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_

# The steps of the deadline engine this app opens (subject_type "ticket", "arrears_case" or
# "warning"; the link opens the record).
TICKET_DISPATCH = "rights.ticket_dispatch"
TICKET_CONTACT = "rights.ticket_contact"
TICKET_RESOLVE = "rights.ticket_resolve"
TICKET_CALLBACK = "rights.ticket_callback"
CASE_ACCEPT = "rights.case_accept"
CASE_CONCLUDE = "rights.case_conclude"
WARNING_HANDLE = "rights.warning_handle"

_LINKS = {"ticket": "rights:ticket", "arrears_case": "rights:case", "warning": "rights:warning"}


def _link(task) -> str:
    try:
        return reverse(_LINKS[task.subject_type], args=[task.subject_id])
    except (KeyError, NoReverseMatch):
        return ""


def register() -> None:
    from anju.registry.timeline import register_timeline_kind
    from anju.workflow.steps import register_step

    for code, label in ((TICKET_DISPATCH, N_("热线工单派单")), (TICKET_CONTACT, N_("热线工单首次联系")),
                        (TICKET_RESOLVE, N_("热线工单办结")), (TICKET_CALLBACK, N_("热线工单回访")),
                        (CASE_ACCEPT, N_("欠薪案件受理")), (CASE_CONCLUDE, N_("欠薪案件办结")),
                        (WARNING_HANDLE, N_("欠薪预警处置"))):
        register_step(code, label=label, link=_link)
    register_timeline_kind("ticket", _("热线工单"), "bi-telephone-inbound",
                           describe=lambda e: _("热线工单 %(number)s：%(subject)s") % {
                               "number": (e.data or {}).get("number", ""), "subject": (e.data or {}).get("subject", "")})
    register_timeline_kind("arrears_case", _("欠薪案件"), "bi-cash-coin",
                           describe=lambda e: _("欠薪案件 %(number)s：%(employer)s") % {
                               "number": (e.data or {}).get("number", ""), "employer": (e.data or {}).get("employer", "")})
