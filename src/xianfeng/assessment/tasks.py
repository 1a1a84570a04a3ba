"""Thin tasks: the recompute of the fact table, the self-check reminders."""

from __future__ import annotations

from django_tasks import task

from xianfeng.assessment.services.checks import selfchecks_remind
from xianfeng.assessment.services.facts import facts_compute_recent


@task()
def compute_indicators() -> int:
    return sum(c.facts for c in facts_compute_recent())


@task()
def remind_selfchecks() -> int:
    """Tell branches their month's 自查 is due (from the 25th) or overdue (after the 5th)."""
    return selfchecks_remind()
