"""`anju worker [db_worker options] [--recover-only]`: the task worker.

First fails the jobs a dead worker left running, or that ran past their time limit, and the
task rows such workers left (`anju.workflow.jobs.jobs_recover`: django-tasks-db never runs a
RUNNING row again, so without this a killed worker's job would stay "running" for ever); then
runs django-tasks-db's `db_worker` with the same options. Its worker id is this process
(`host:pid:start`), so that the next start can tell whether the worker of a task still lives.
`--recover-only` recovers and exits (cron, or a worker on another host).

It is `db_worker` itself, extended (a subclass, not `call_command`): same options, same
signals, same `--help`.
"""

from __future__ import annotations

import json

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from anju.workflow.jobs import jobs_recover, worker_name


class Command(DbWorkerCommand):
    help = "Fail the jobs of dead workers and jobs past their time limit, then run the database task worker."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(worker_id=worker_name())
        parser.add_argument("--recover-only", action="store_true",
                            help="fail dead and overdue jobs, print what was failed as JSON, and exit")

    def handle(self, *args, recover_only: bool = False, **options):
        recovery = jobs_recover()
        if recover_only:
            self.stdout.write(json.dumps(recovery.as_dict()))
            return
        if recovery.jobs or recovery.tasks:
            self.stderr.write(f"recovered: {json.dumps(recovery.as_dict())}")
        super().handle(*args, **options)
