"""Demo 党员活跃率: who used 先锋 in each of the last three months (people.MonthlyUse), so
the indicator has figures before anyone signs in; about seven in ten members a month, more
in the persona's branch."""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from xianfeng.common.indicators import Month
from xianfeng.people.models import Member, MonthlyUse

MONTHS = 3


def seed() -> str:
    rng = random.Random(14)
    today = timezone.localdate()
    zone = timezone.get_default_timezone()
    now = timezone.now()
    members = list(
        Member.objects.filter(left_on__isnull=True, user__is_active=True).values_list(
            "user_id", "user__username"
        )
    )
    month = Month.of(today)
    rows = []
    for _ in range(MONTHS):
        last = month.until(today)
        for user_id, username in members:
            if rng.random() > (0.95 if username in ("secretary", "member") else 0.7):
                continue
            day = month.first + datetime.timedelta(days=rng.randrange(last.day))
            at = datetime.datetime.combine(day, datetime.time(rng.randrange(7, 22)), tzinfo=zone)
            at = min(at, now)  # today's, not later than now
            via = MonthlyUse.Via.APP if rng.random() < 0.6 else MonthlyUse.Via.WEB
            rows.append(MonthlyUse(user_id=user_id, month=month.first, via=via, first_at=at))
        month = month.previous()
    MonthlyUse.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    return f"党员活跃：近 {MONTHS} 个月 {len(rows)} 条使用记录"
