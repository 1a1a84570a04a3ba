"""A subscriber of comment.created that, while the file `<var>/stall` exists, says so (the
file `<var>/stalled-<event id>` holds the pid of the process inside the job) and waits:
the test SIGKILLs the worker there, in the middle of the event's delivery, after the real
subscribers of the same event have had their turn (it is registered last)."""

from __future__ import annotations

import os
import time

from django.apps import AppConfig
from django.conf import settings


def stall(event) -> None:  # type: ignore[no-untyped-def]
    gate = settings.VAR_DIR / "stall"
    if not gate.exists():
        return
    (settings.VAR_DIR / f"stalled-{event.id}").write_text(str(os.getpid()))
    deadline = time.monotonic() + 120
    while gate.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


class StallConfig(AppConfig):
    name = "tests.ops.stallapp"
    label = "ops_stall"

    def ready(self) -> None:
        from xianfeng.audit import events

        events.subscribe("comment.created", name="zz.stall", handler=stall)
