"""Background jobs of the notify app (thin: call a service)."""

from __future__ import annotations

from django_tasks import task

from xianfeng.notify.services import deliveries_send


@task()
def send_batch(batch_id: int) -> int:
    """Send a fresh batch's deliveries that are due now (after the commit that wrote it)."""
    return deliveries_send(batch_id=batch_id)


@task()
def send_due_deliveries() -> int:
    """Every minute: what quiet hours held back, digests whose hour has come, retries."""
    return deliveries_send()
