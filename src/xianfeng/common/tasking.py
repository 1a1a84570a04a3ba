"""The request id travels with the tasks a request queues, so the worker's log lines of a
job carry the id of the request that asked for it (or `task-<job id>` for work no request
asked for: periodic jobs, sweeps).

Where it rides: in the database queue, next to the arguments in the job's row
(`args_kwargs["request_id"]`, which the worker ignores for the call); on RQ, in the job's
meta. `xf_worker` puts it back into `request_id` around each job. The immediate backend
runs the task inside the request, where the id is already set.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

import django_tasks_rq
from django_rq.queues import DjangoRQ
from django_tasks_db import DatabaseBackend as BaseDatabaseBackend

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("xf_request_id", default="-")


def carried() -> str | None:
    """The id to carry into a task queued now (None outside a request)."""
    rid = request_id.get()
    return None if rid == "-" else rid


@contextlib.contextmanager
def job_context(carried_id: str | None, job_id: str) -> Iterator[None]:
    """Run a job under the request id it was queued with (or its own id)."""
    token = request_id.set(carried_id or f"task-{str(job_id)[:12]}")
    try:
        yield
    finally:
        request_id.reset(token)


class DatabaseBackend(BaseDatabaseBackend):
    """django-tasks-db's backend, writing the request id into the job's row (as the
    library writes the row, plus one key)."""

    def _task_to_db_task(self, task: Any, args: Any, kwargs: Any) -> Any:
        from django_tasks_db.compat import normalize_json
        from django_tasks_db.models import DBTaskResult

        payload: dict[str, Any] = {"args": args, "kwargs": kwargs}
        rid = carried()
        if rid is not None:
            payload["request_id"] = rid
        return DBTaskResult.objects.create(
            id=self._get_id(),
            args_kwargs=normalize_json(payload),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=task.run_after,
            backend_name=self.alias,
        )


class RQQueue(DjangoRQ):
    """Every job created while a request runs carries its id in the job's meta (before
    the job is pushed, so a worker never sees it without)."""

    def create_job(self, *args: Any, **kwargs: Any) -> Any:
        rid = carried()
        if rid is not None:
            kwargs["meta"] = {**(kwargs.get("meta") or {}), "request_id": rid}
        return super().create_job(*args, **kwargs)


class RQJob(django_tasks_rq.Job):
    """django-tasks-rq's job, run under the request id from its meta, and so are its
    success and failure callbacks (where django-tasks-rq says that the task finished)."""

    def perform(self) -> Any:
        with job_context(self.meta.get("request_id"), self.id):
            return super().perform()

    def _in_context(self, callback: Any) -> Any:
        if callback is None:
            return None

        def run(*args: Any, **kwargs: Any) -> Any:
            with job_context(self.meta.get("request_id"), self.id):
                return callback(*args, **kwargs)

        return run

    @property
    def success_callback(self) -> Any:
        return self._in_context(super().success_callback)

    @property
    def failure_callback(self) -> Any:
        return self._in_context(super().failure_callback)
