"""Background jobs of contests."""

from __future__ import annotations

from django_tasks import task

from xianfeng.contests.enums import Recurrence
from xianfeng.contests.models import Contest
from xianfeng.contests.services import contest_open_next_month


@task()
def open_monthly_contests() -> int:
    """Open this month's 评比 for every monthly template (once per month each)."""

    opened = 0
    for template in Contest.objects.filter(recurrence=Recurrence.MONTHLY, template__isnull=True):
        if contest_open_next_month(template=template) is not None:
            opened += 1
    return opened
