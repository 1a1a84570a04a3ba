"""Computing the fact table from every app's indicators (common/indicators.py)."""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from xianfeng.assessment.models import Fact
from xianfeng.assessment.selectors import FACTS_VERSION_KEY
from xianfeng.common import indicators
from xianfeng.common.indicators import Indicator, Month
from xianfeng.orgs import paths
from xianfeng.orgs.models import Org

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Computed:
    """What a recompute did, for the command and the periodic job's log."""

    month: Month
    indicators: int
    facts: int
    removed: int


def _chosen(codes: Iterable[str] | None) -> list[Indicator]:
    if not codes:
        return indicators.registered()
    chosen = []
    for code in codes:
        try:
            chosen.append(indicators.get(code))
        except KeyError:
            raise ValueError(f"没有这个指标：{code}") from None
    return chosen


def facts_compute(
    *, month: Month, codes: Iterable[str] | None = None, now: datetime.datetime | None = None
) -> Computed:
    """Compute each indicator for the month and store it for every org with records in its
    subtree: numerators and denominators added up the tree. Safe to run twice and at the
    same time as another run: rows are upserted, and rows of orgs that no longer have
    anything (a record deleted, a member moved) are removed after the new ones are in."""
    now = now or timezone.now()
    chosen = _chosen(codes)
    ancestry = {pk: paths.ids_in(path) for pk, path in Org.objects.values_list("id", "path")}
    stored = removed = 0
    with indicators.computing():  # reads several indicators share are made once
        for indicator in chosen:
            done, gone = _store(indicator, month, ancestry, now)
            stored += done
            removed += gone
    # Pages that cache what they read from the fact table key it by this version.
    cache.set(FACTS_VERSION_KEY, now.isoformat(), None)
    log.info("indicators %s: %d facts, %d removed", month, stored, removed)
    return Computed(month=month, indicators=len(chosen), facts=stored, removed=removed)


def _store(
    indicator: Indicator, month: Month, ancestry: dict[int, list[int]], now: datetime.datetime
) -> tuple[int, int]:
    """One indicator's month: its readings rolled up the tree, upserted, and the rows of
    orgs left with nothing removed. Returns (stored, removed)."""
    own: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    total: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for reading in indicator.compute(month):
        line = ancestry.get(reading.org_id)
        if line is None:
            continue  # an org deleted while computing
        # A count has no denominator: 0, so that sums stay meaningful.
        den = reading.denominator if indicator.ratio else 0.0
        own[reading.org_id][0] += reading.numerator
        own[reading.org_id][1] += den
        for org_id in line:
            total[org_id][0] += reading.numerator
            total[org_id][1] += den
    rows = [
        Fact(
            org_id=org_id,
            indicator=indicator.code,
            month=month.first,
            numerator=num,
            denominator=den,
            own_numerator=own[org_id][0] if org_id in own else 0.0,
            own_denominator=own[org_id][1] if org_id in own else 0.0,
            value=indicator.value(num, den),
            computed_at=now,
        )
        for org_id, (num, den) in total.items()
    ]
    with transaction.atomic():
        Fact.objects.bulk_create(
            rows,
            batch_size=5000,  # capped by Django at the backend's parameter limit
            update_conflicts=True,
            unique_fields=["indicator", "month", "org"],
            update_fields=[
                "numerator",
                "denominator",
                "own_numerator",
                "own_denominator",
                "value",
                "computed_at",
            ],
        )
        gone, _ = Fact.objects.filter(
            indicator=indicator.code, month=month.first, computed_at__lt=now
        ).delete()
    return len(rows), gone


def facts_compute_recent(now: datetime.datetime | None = None) -> list[Computed]:
    """The periodic job: this month so far, and last month during the first week of a
    month (late minutes and approvals still change it)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    months = [Month.of(today)]
    if today.day <= 7:
        months.append(months[0].previous())
    return [facts_compute(month=m, now=now) for m in months]
