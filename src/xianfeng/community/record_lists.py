"""The records behind the community's indicators for an org and a month
(common/record_lists.py): wishes fulfilled, service hours credited, projects done."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from xianfeng.common.indicators import Month
from xianfeng.common.record_lists import Builder, Cell, RecordList, records_view
from xianfeng.community.enums import ProjectState, SignupState, WishState
from xianfeng.community.models import CivicProject, Signup, Wish
from xianfeng.orgs.enums import RECORD_ROLES
from xianfeng.orgs.selectors import get_org_for_user


def _day(at: Any) -> str:
    return timezone.localtime(at).strftime("%m-%d")


def wishes(org: Any, month: Month) -> RecordList:
    start, end = month.bounds()
    rows: list[Any] = [
        (_day(at), Cell(title, reverse("community:wish", args=[pk])), name, where)
        for pk, at, title, name, where in Wish.objects.filter(
            state=WishState.FULFILLED,
            confirmed_at__gte=start,
            confirmed_at__lt=end,
            org__path__gte=org.path,
            org__path__lt=org.upper_path,
        )
        .order_by("confirmed_at", "id")
        .values_list("pk", "confirmed_at", "title", "public_name", "org__name")
    ]
    return RecordList("实现的微心愿", ["确认日期", "心愿", "心愿人", "村社区"], rows)


def hours(org: Any, month: Month) -> RecordList:
    """Each credited signup, where the indicator counts it: a member at their own branch,
    a resident at the org that ran the activity."""
    start, end = month.bounds()
    inside = Q(at_path__gte=org.path, at_path__lt=org.upper_path)
    rows: list[Any] = [
        (
            _day(at),
            Cell(title, reverse("community:activity", args=[activity_id])),
            name,
            where,
            f"{h}",
        )
        for at, activity_id, title, name, where, h in Signup.objects.filter(
            state=SignupState.CONFIRMED,
            hours__gt=0,
            activity__starts_at__gte=start,
            activity__starts_at__lt=end,
        )
        .annotate(
            at_path=Coalesce(F("home_branch__path"), F("activity__org__path")),
            at_name=Coalesce(F("home_branch__name"), F("activity__org__name")),
        )
        .filter(inside)
        .order_by("activity__starts_at", "id")
        .values_list(
            "activity__starts_at",
            "activity_id",
            "activity__title",
            "user__name",
            "at_name",
            "hours",
        )
    ]
    return RecordList("志愿服务时长", ["活动日期", "微行动", "参加人", "计入组织", "小时"], rows)


def projects(org: Any, month: Month) -> RecordList:
    start, end = month.bounds()
    rows: list[Any] = [
        (_day(at), Cell(title, reverse("community:project", args=[pk])), where)
        for pk, at, title, where in CivicProject.objects.filter(
            state=ProjectState.DONE,
            done_at__gte=start,
            done_at__lt=end,
            org__path__gte=org.path,
            org__path__lt=org.upper_path,
        )
        .order_by("done_at", "id")
        .values_list("pk", "done_at", "title", "org__name")
    ]
    return RecordList("完成的微实事", ["完成日期", "项目", "村社区"], rows)


BUILDERS: dict[str, Builder] = {"wishes": wishes, "hours": hours, "projects": projects}

view = records_view(BUILDERS, lambda user, code: get_org_for_user(user, code, RECORD_ROLES))


def url(what: str) -> Any:
    def records(org: Any, month: Month) -> str:
        return reverse("community:records", args=[org.code, str(month), what])

    return records
