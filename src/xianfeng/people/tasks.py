"""Background jobs of the people app (thin: call a service)."""

from __future__ import annotations

from django_tasks import task

from xianfeng.people.services.housekeeping import (
    api_tokens_prune,
    password_links_prune,
    roster_previews_prune,
)


@task()
def prune_people_data() -> dict[str, int]:
    """Delete roster previews never committed (they hold ID numbers), expired tokens and
    long-expired set-password links."""
    return {
        "previews": roster_previews_prune(),
        "tokens": api_tokens_prune(),
        "password_links": password_links_prune(),
    }


@task()
def remind_probation_ending() -> int:
    """Remind branches of probation years ending within 30 days (once per end date)."""
    from xianfeng.people.services.history import probation_reminders_send

    return probation_reminders_send()


@task()
def remind_pipeline_due() -> int:
    """Remind branches of overdue 发展党员 steps (talks, quarterly 考察 notes), once each."""
    from xianfeng.people.services.pipeline import pipeline_reminders_send

    return pipeline_reminders_send()
