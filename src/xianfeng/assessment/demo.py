"""Demo figures: the last twelve months computed from whatever the other apps seeded."""

from __future__ import annotations

from django.utils import timezone

from xianfeng.assessment.services import facts_compute
from xianfeng.common.indicators import Month


def seed() -> str:
    month = Month.of(timezone.localdate())
    facts = 0
    for _ in range(12):
        facts += facts_compute(month=month).facts
        month = month.previous()
    return f"指标：近 12 个月 {facts} 条"
