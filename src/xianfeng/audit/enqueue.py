"""Queue a task after the commit without turning a queue outage into a lost write (in
the bottom layer, so the event bus itself can use it).

The write has committed when the task is queued; if the queue (Redis with XF_TASKS=rq) is
down, raising would answer 500 for a saved comment and invite a duplicate. Instead the
failure is logged at ERROR, counted (ops metrics read `failed_enqueues`), and the caller's
`on_failure` may say so on the row (a video shows a retry button). Work that a periodic
sweep finds on its own (undispatched events, due notification deliveries) needs nothing
more: the sweep runs it once the queue is back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from django.db import transaction

log = logging.getLogger(__name__)
_lock = threading.Lock()
failed_enqueues: dict[str, int] = {}
# Called with the task's name on each failure (ops counts them for /metrics).
listeners: list[Callable[[str], None]] = []


def enqueue_on_commit(
    task: Any, *, on_failure: Callable[[Exception], None] | None = None, **kwargs: Any
) -> None:
    name = getattr(task, "module_path", None) or getattr(task, "name", None) or repr(task)

    def run() -> None:
        try:
            task.enqueue(**kwargs)
        except Exception as exc:
            with _lock:
                failed_enqueues[name] = failed_enqueues.get(name, 0) + 1
            for listener in listeners:
                listener(name)
            log.error("could not queue task %s %s: %s: %s", name, kwargs, type(exc).__name__, exc)
            if on_failure is not None:
                try:
                    on_failure(exc)
                except Exception:
                    log.exception("recording the failed enqueue of %s failed", name)

    transaction.on_commit(run)
