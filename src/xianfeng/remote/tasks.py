"""Remote-education jobs (thin: they call the services)."""

from __future__ import annotations

from django_tasks import task

from xianfeng.remote import services


@task()
def prune_pairings() -> int:
    """Forget pairing codes that expired a day ago."""
    return services.pairings_prune()
