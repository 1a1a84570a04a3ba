"""Thin tasks: the daily recompute of the fact table."""

from __future__ import annotations

from django_tasks import task

from xianfeng.assessment.services.facts import facts_compute_recent


@task()
def compute_indicators() -> int:
    return sum(c.facts for c in facts_compute_recent())
