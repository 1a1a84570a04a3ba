"""The records behind contests' indicators for an org and a month (common/record_lists.py):
the entries sent and the awards given."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from xianfeng.common.indicators import Month
from xianfeng.common.record_lists import Builder, Cell, RecordList, records_view
from xianfeng.contests.models import Award, Entry
from xianfeng.orgs.enums import RECORD_ROLES
from xianfeng.orgs.selectors import get_org_for_user


def _contest(pk: int, title: str) -> Cell:
    return Cell(title, reverse("contests:detail", args=[pk]))


def entries(org: Any, month: Month) -> RecordList:
    start, end = month.bounds()
    rows: list[Any] = [
        (timezone.localtime(at).strftime("%m-%d"), code, lesson, _contest(cid, contest), where)
        for at, code, lesson, cid, contest, where in Entry.objects.filter(
            created_at__gte=start,
            created_at__lt=end,
            org__path__gte=org.path,
            org__path__lt=org.upper_path,
        )
        .order_by("created_at", "id")
        .values_list(
            "created_at", "code", "lesson__title", "contest_id", "contest__title", "org__name"
        )
    ]
    return RecordList("参赛作品", ["报名日期", "作品编号", "作品", "竞赛", "报送组织"], rows)


def awards(org: Any, month: Month) -> RecordList:
    start, end = month.bounds()
    inside = Q(entry__org__path__gte=org.path, entry__org__path__lt=org.upper_path) | Q(
        entry__isnull=True, org__path__gte=org.path, org__path__lt=org.upper_path
    )
    rows: list[Any] = [
        (
            timezone.localtime(at).strftime("%m-%d"),
            label,
            lesson or "优秀组织奖",
            _contest(cid, contest),
            entry_org or award_org or "",
        )
        for at, label, lesson, cid, contest, entry_org, award_org in Award.objects.filter(
            inside, created_at__gte=start, created_at__lt=end
        )
        .order_by("created_at", "id")
        .values_list(
            "created_at",
            "label",
            "entry__lesson__title",
            "contest_id",
            "contest__title",
            "entry__org__name",
            "org__name",
        )
    ]
    return RecordList("获奖", ["颁发日期", "奖项", "作品", "竞赛", "获奖组织"], rows)


BUILDERS: dict[str, Builder] = {"entries": entries, "awards": awards}

view = records_view(BUILDERS, lambda user, code: get_org_for_user(user, code, RECORD_ROLES))


def url(what: str) -> Any:
    def records(org: Any, month: Month) -> str:
        return reverse("contests:records", args=[org.code, str(month), what])

    return records
