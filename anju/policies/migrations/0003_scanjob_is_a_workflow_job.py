"""ScanJob becomes an anju.workflow.jobs.Job: progress as done_count of total_count instead of a
stored percent, and a start time.

Existing rows keep their meaning: a finished job has listed all its result_count subjects
(done = total = result_count); a queued or running one keeps its percent as done of 100; a failed
one shows no progress."""

from django.db import migrations, models


def percent_to_counts(apps, schema_editor):
    ScanJob = apps.get_model("policies", "ScanJob")
    ScanJob.objects.filter(status="done").update(done_count=models.F("result_count"), total_count=models.F("result_count"))
    ScanJob.objects.filter(status__in=["queued", "running"]).update(done_count=models.F("progress"), total_count=100)


def counts_to_percent(apps, schema_editor):
    ScanJob = apps.get_model("policies", "ScanJob")
    ScanJob.objects.filter(status="done").update(progress=100)
    for job in ScanJob.objects.filter(status__in=["queued", "running"]).exclude(total_count=0):
        job.progress = min(100, job.done_count * 100 // job.total_count)
        job.save(update_fields=["progress"])


class Migration(migrations.Migration):

    dependencies = [
        ("policies", "0002_parameters_move_to_params"),
    ]

    operations = [
        migrations.AddField(
            model_name="scanjob",
            name="done_count",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="scanjob",
            name="started_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="开始时间"),
        ),
        migrations.AddField(
            model_name="scanjob",
            name="total_count",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AlterField(
            model_name="scanjob",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="创建时间"),
        ),
        migrations.AlterField(
            model_name="scanjob",
            name="finished_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="结束时间"),
        ),
        migrations.AlterField(
            model_name="scanjob",
            name="status",
            field=models.CharField(choices=[("queued", "排队中"), ("running", "计算中"), ("done", "已完成"), ("failed", "失败")],
                                   default="queued", max_length=12, verbose_name="状态"),
        ),
        migrations.RunPython(percent_to_counts, counts_to_percent),
        migrations.RemoveField(
            model_name="scanjob",
            name="progress",
        ),
    ]
