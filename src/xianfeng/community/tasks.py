"""Background jobs of the community app (thin: call a service)."""

from __future__ import annotations

from django_tasks import task

from xianfeng.community.services import wishes_expire
from xianfeng.community.services.civic import rounds_count_due


@task()
def expire_wishes() -> list[int]:
    """Reopen wishes whose claim ran past its deadline; expire long-unclaimed ones."""
    reopened, expired = wishes_expire()
    return [reopened, expired]


@task()
def count_votes() -> int:
    """Count every 微实事 vote whose window has closed (approves the top projects)."""
    return rounds_count_due()
