"""Remote-education jobs (thin: they call the services)."""

from __future__ import annotations

from django_tasks import task

from xianfeng.remote import services


@task()
def prune_pairings() -> int:
    """Forget pairing codes that expired a day ago."""
    return services.pairings_prune()


@task()
def notify_silent_sites() -> int:
    """Tell the admins of sites silent for 3 days (once per silence)."""
    return services.silent_sites_notify()


@task(queue_name="media")
def build_offline_pack(*, pack_id: int) -> str:
    """Make an offline pack's zip (remuxing its lessons' renditions); a failure is recorded
    on the pack, not raised."""
    return services.offline_pack_build(pack_id=pack_id)


@task()
def close_stale_household_viewings() -> int:
    """Close household viewings a TV never ended (switched off at the wall)."""
    return services.household_close_stale()
