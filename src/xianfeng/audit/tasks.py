"""Background jobs of the audit app: handing domain events to their subscribers."""

from __future__ import annotations

from django_tasks import task

from xianfeng.audit import events


@task()
def dispatch_events(event_ids: list[int]) -> int:
    """Deliver freshly committed events to their subscribers."""
    return events.dispatch(event_ids)


@task()
def sweep_events() -> int:
    """Dispatch events a crash left undelivered and retry failed deliveries that are due."""
    return events.sweep()
