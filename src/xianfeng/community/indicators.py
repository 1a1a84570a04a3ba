"""What the community measures for assessment and dashboards (common/indicators.py):
wishes fulfilled, service hours, civic projects done, each counted in the month it
happened at the org where it belongs (rolled up the tree by assessment)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce

from xianfeng.common import indicators
from xianfeng.common.indicators import Indicator, Month, Reading
from xianfeng.community.enums import ProjectState, SignupState, WishState
from xianfeng.community.models import CivicProject, Signup, Wish
from xianfeng.community.record_lists import url as records_url

GROUP = "五微社区"


def wishes_fulfilled(month: Month) -> Iterable[Reading]:
    """Wishes whose fulfilment the wisher confirmed in the month, at the wish's community."""
    start, end = month.bounds()
    rows = (
        Wish.objects.filter(
            state=WishState.FULFILLED, confirmed_at__gte=start, confirmed_at__lt=end
        )
        .values("org_id")
        .annotate(n=Count("id"))
        .values_list("org_id", "n")
    )
    return [Reading(org, n) for org, n in rows]


def service_hours(month: Month) -> Iterable[Reading]:
    """Service hours credited for activities held in the month: a member's at their own
    branch (双报道: wherever they served), a resident's at the org that ran it."""
    start, end = month.bounds()
    rows = (
        Signup.objects.filter(
            state=SignupState.CONFIRMED,
            hours__gt=0,
            activity__starts_at__gte=start,
            activity__starts_at__lt=end,
        )
        .annotate(at=Coalesce(F("home_branch_id"), F("activity__org_id")))
        .values("at")
        .annotate(h=Sum("hours"))
        .values_list("at", "h")
    )
    return [Reading(org, float(hours)) for org, hours in rows]


def projects_done(month: Month) -> Iterable[Reading]:
    """Civic projects finished in the month, at their community."""
    start, end = month.bounds()
    rows = (
        CivicProject.objects.filter(state=ProjectState.DONE, done_at__gte=start, done_at__lt=end)
        .values("org_id")
        .annotate(n=Count("id"))
        .values_list("org_id", "n")
    )
    return [Reading(org, n) for org, n in rows]


def register() -> None:
    indicators.register(
        Indicator(
            code="community.wishes_fulfilled",
            name="微心愿实现数",
            unit="个",
            app="community",
            group=GROUP,
            compute=wishes_fulfilled,
            records=records_url("wishes"),
            description="本月经心愿人（或代录人）确认实现的微心愿个数，计在心愿所在村社区",
        )
    )
    indicators.register(
        Indicator(
            code="community.service_hours",
            name="志愿服务时长",
            unit="小时",
            app="community",
            group=GROUP,
            compute=service_hours,
            records=records_url("hours"),
            description="本月举行的微行动中记入的服务时长：党员计在本人所在支部（含双报道），"
            "群众计在发布活动的组织",
        )
    )
    indicators.register(
        Indicator(
            code="community.projects_done",
            name="微实事完成数",
            unit="个",
            app="community",
            group=GROUP,
            compute=projects_done,
            records=records_url("projects"),
            description="本月完成（进展记为“已完成”）的民生微实事个数，计在项目所在村社区",
        )
    )
