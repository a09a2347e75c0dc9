from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class TrainingEnrolment(models.Model):
    """One worker on one training course. Minimal for now: what the training subsidies read."""

    worker = models.ForeignKey("registry.Worker", verbose_name=_("学员"), on_delete=models.CASCADE, related_name="enrolments")
    employer = models.ForeignKey(
        "employment.Employer", verbose_name=_("组织培训的用人单位"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="enrolments",
    )
    course = models.CharField(_("培训项目"), max_length=120)
    class_hours = models.PositiveIntegerField(_("课时"), default=0)
    started_on = models.DateField(_("开班日期"))
    completed_on = models.DateField(_("结业日期"), null=True, blank=True)
    certificate_obtained = models.BooleanField(_("取得结业证书"), default=False)
    # The trainee was newly hired by `employer` for this training (岗前培训 of a new hire).
    newly_hired = models.BooleanField(_("用人单位新招用"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-started_on"]
        verbose_name = _("培训报名")
        verbose_name_plural = _("培训报名")

    def __str__(self) -> str:
        return f"{self.worker_id} {self.course}"
