"""Run a task worker with a heartbeat: `manage.py xf_worker --queues default,media`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from xianfeng.common.tasking import job_context
from xianfeng.common.workers import Heartbeat, recover_orphaned_jobs, worker_beat, worker_gone


class DatabaseWorker(Worker):
    """django-tasks-db's worker, running each job under the request id it was queued with."""

    def run_task(self, db_task_result: Any) -> None:
        carried = (db_task_result.args_kwargs or {}).get("request_id")
        with job_context(carried, db_task_result.id):
            super().run_task(db_task_result)


class Command(BaseCommand):
    help = "运行后台任务进程（数据库队列或 RQ），并定期上报心跳"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queues", default="default", help="逗号分隔的队列名")
        parser.add_argument("--interval", type=float, default=1.0)
        parser.add_argument("--batch", action="store_true", help="处理完现有任务后退出")

    def handle(self, *args: Any, queues: str, interval: float, batch: bool, **opts: Any) -> None:
        mode = settings.TASKS_MODE
        if mode == "immediate":
            raise CommandError("XF_TASKS=immediate 时任务在请求内直接执行，无需任务进程")
        worker_id = f"{mode}-{get_random_string(16)}"
        worker_beat(worker_id=worker_id, queues=queues)
        recovered = recover_orphaned_jobs()
        if recovered:
            self.stdout.write(f"已重新排队 {recovered} 个中断的任务")
        beat = Heartbeat(worker_id=worker_id, queues=queues)
        beat.start()
        try:
            if mode == "db":
                worker = DatabaseWorker(
                    queue_names=queues.split(","),
                    interval=interval,
                    batch=batch,
                    backend_name="default",
                    startup_delay=False,
                    max_tasks=None,
                    worker_id=worker_id,
                    excluded_queue_names=[],
                )
                worker.configure_signals()
                worker.run()
            else:
                # django-tasks-rq's Job (to call our tasks), carrying the request id.
                rq_args = [
                    *queues.split(","),
                    "--with-scheduler",
                    "--job-class",
                    "xianfeng.common.tasking.RQJob",
                ]
                if batch:
                    rq_args.append("--burst")
                call_command("rqworker", *rq_args)
        finally:
            beat.stop()
            worker_gone(worker_id=worker_id)
