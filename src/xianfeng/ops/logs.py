"""Logs an operator can read: a request id on every line, JSON lines in production
(XF_LOG_FORMAT=json) or readable lines in development, and no phone or ID numbers.

The request id comes from the proxy's `X-Request-ID` (when it looks like one) or is made
here; it is answered in the response's `X-Request-ID` and put on every log line written
while the request runs, and on the lines of the tasks it queued (common/tasking.py).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from xianfeng.common.tasking import request_id

__all__ = ["ContextFilter", "JsonFormatter", "TextFormatter", "request_id", "scrub"]

# Mainland mobile numbers (11 digits from 13–19) and resident ID numbers (18 characters).
PHONE = re.compile(r"(?<![0-9])(1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9])")
ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9A-Za-z])")


def scrub(text: str) -> str:
    """Mask phone numbers (139****0003) and ID numbers ([身份证号]) in a log line."""
    return PHONE.sub(r"\1****\2", ID_NUMBER.sub("[身份证号]", text))


class ContextFilter(logging.Filter):
    """Adds the request id to every record (the handler's formatter masks the numbers, so
    the record itself stays as written for other handlers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class TextFormatter(logging.Formatter):
    """Readable lines for development, with personal numbers masked."""

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return scrub(super().format(record))


# Fields a request line carries (ops/middleware.py passes them as `extra`).
# A task's line (ops/apps.py) takes the task's path and id.
FIELDS = (
    "method",
    "route",
    "view",
    "status",
    "duration_ms",
    "user_id",
    "org_id",
    "bytes",
    "task",
    "task_id",
)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and the fields."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}",
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
            "request_id": getattr(record, "request_id", "-"),
        }
        for field in FIELDS:
            if hasattr(record, field):
                line[field] = getattr(record, field)
        if record.exc_info:
            line["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


task_log = logging.getLogger("xianfeng.task")


def log_task_finished(sender: Any, task_result: Any, **kwargs: Any) -> None:
    """One line per finished task (the worker's, under the request id it carried): the
    task, its result and how long it ran."""
    started, finished = task_result.started_at, task_result.finished_at
    ms = round((finished - started).total_seconds() * 1000, 1) if started and finished else None
    path = task_result.task.module_path
    status = str(task_result.status)
    task_log.info(
        "task %s %s %sms",
        path,
        status,
        ms,
        extra={"task": path, "task_id": str(task_result.id), "status": status, "duration_ms": ms},
    )
