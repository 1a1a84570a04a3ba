"""微心愿大数据: wishes of an org's subtree by category, village and month, how long they
wait to be claimed and to be fulfilled, the share fulfilled; and the export for the
organisation department. Neither ever holds a wisher's name, phone or address."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.http import HttpResponse
from django.utils import timezone

from xianfeng.common.xlsx import XlsxWriter
from xianfeng.community.enums import PUBLIC_STATES, WishCategory, WishState
from xianfeng.community.models import Wish
from xianfeng.orgs.models import Org, subtree_q

# Durations are averaged over the most recent claims (enough for a county, bounded for a
# province).
DURATION_SAMPLE = 20_000
_FULFILLED = Q(state=WishState.FULFILLED)


@dataclass(frozen=True)
class Row:
    label: str
    total: int
    fulfilled: int

    @property
    def share(self) -> int:
        return self.fulfilled * 100 // self.total if self.total else 0


@dataclass(frozen=True)
class Analysis:
    org: Org
    total: int
    fulfilled: int
    by_category: list[Row]
    by_village: list[Row]
    by_month: list[Row]
    days_to_claim: float | None
    days_to_fulfil: float | None

    @property
    def share(self) -> int:
        return self.fulfilled * 100 // self.total if self.total else 0


def _rows(org: Org) -> QuerySet[Wish]:
    """The subtree's reviewed wishes (pending, refused and withdrawn ones are not the
    public record)."""
    return Wish.objects.filter(subtree_q([org.path], field="org__path"), state__in=PUBLIC_STATES)


def _mean_days(
    pairs: list[tuple[datetime.datetime | None, datetime.datetime | None]],
) -> float | None:
    spans = [(b - a).total_seconds() / 86400 for a, b in pairs if a is not None and b is not None]
    return round(sum(spans) / len(spans), 1) if spans else None


def wish_analysis(org: Org) -> Analysis:
    rows = _rows(org)
    by_category_raw = {
        r["category"]: r
        for r in rows.values("category").annotate(
            total=Count("pk"), done=Count("pk", filter=_FULFILLED)
        )
    }
    by_category = [
        Row(str(label), by_category_raw[value]["total"], by_category_raw[value]["done"])
        for value, label in WishCategory.choices
        if value in by_category_raw
    ]
    by_village = [
        Row(r["org__name"], r["total"], r["done"])
        for r in rows.values("org__name")
        .annotate(total=Count("pk"), done=Count("pk", filter=_FULFILLED))
        .order_by("-total", "org__name")[:30]
    ]
    tz = timezone.get_current_timezone()
    by_month = [
        Row(f"{r['month']:%Y-%m}", r["total"], r["done"])
        for r in rows.annotate(month=TruncMonth("created_at", tzinfo=tz))
        .values("month")
        .annotate(total=Count("pk"), done=Count("pk", filter=_FULFILLED))
        .order_by("month")
        if r["month"] is not None
    ]
    claims = list(
        rows.filter(claimed_at__isnull=False)
        .order_by("-claimed_at")
        .values_list("published_at", "claimed_at", "confirmed_at")[:DURATION_SAMPLE]
    )
    total = sum(r.total for r in by_category)
    fulfilled = sum(r.fulfilled for r in by_category)
    return Analysis(
        org=org,
        total=total,
        fulfilled=fulfilled,
        by_category=by_category,
        by_village=by_village,
        by_month=by_month,
        days_to_claim=_mean_days([(p, c) for p, c, _ in claims]),
        days_to_fulfil=_mean_days([(c, f) for _, c, f in claims]),
    )


def _local(value: datetime.datetime | None) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


def wishes_export(org: Org) -> HttpResponse:
    """The subtree's reviewed wishes as .xlsx, with the analysis on a second sheet. The
    public name only: the wisher's contact stays with the branch."""
    book = XlsxWriter()
    sheet = book.sheet(
        "微心愿",
        [
            "编号", "村社区", "类别", "心愿", "估计价值（元）", "公开称呼", "状态", "所属活动",
            "提交时间", "公开时间", "认领方", "认领时间", "确认实现时间",
        ],
        widths=[8, 22, 10, 30, 12, 10, 8, 20, 17, 17, 22, 17, 17],
        preamble=[f"{org.name} 微心愿明细（导出于 {_local(timezone.now())}）"],
        wrap=[4],
    )  # fmt: skip
    rows = (
        _rows(org)
        .select_related("org", "campaign", "claimer", "claimer_org")
        .order_by("created_at", "pk")
    )
    for wish in rows.iterator(chunk_size=2000):
        claimer: Any = wish.claimer_org.name if wish.claimer_org else (wish.claimer or "")
        sheet.append(
            [
                wish.pk,
                wish.org.name,
                wish.get_category_display(),
                wish.title,
                wish.value_yuan,
                wish.public_name,
                wish.get_state_display(),
                wish.campaign.title if wish.campaign else "",
                _local(wish.created_at),
                _local(wish.published_at),
                str(claimer),
                _local(wish.claimed_at),
                _local(wish.confirmed_at),
            ]
        )
    result = wish_analysis(org)
    summary = book.sheet("统计", ["分组", "项目", "心愿数", "已实现", "实现率（%）"])
    for group, items in (
        ("类别", result.by_category),
        ("村社区", result.by_village),
        ("月份", result.by_month),
    ):
        for row in items:
            summary.append([group, row.label, row.total, row.fulfilled, row.share])
    summary.append(["合计", org.name, result.total, result.fulfilled, result.share])
    summary.append(["平均认领用时（天）", "", result.days_to_claim or "", "", ""])
    summary.append(["平均实现用时（天）", "", result.days_to_fulfil or "", "", ""])
    return book.response(f"{org.name}-微心愿.xlsx", ascii_filename=f"wishes-{org.code}.xlsx")
