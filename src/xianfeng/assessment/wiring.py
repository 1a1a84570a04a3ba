"""How assessment plugs in: the top navigation and the daily recompute."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from xianfeng.assessment import demo as assessment_demo
from xianfeng.assessment.enums import BULLETIN_KIND, SELFCHECK_DUE_KIND, SELFCHECK_RETURNED_KIND
from xianfeng.assessment.selectors import READ_ROLES, confirmed_grades_of_member
from xianfeng.assessment.tasks import compute_indicators, remind_selfchecks
from xianfeng.common import demo, nav, periodic, related
from xianfeng.notify import kinds as notify_kinds
from xianfeng.orgs.rules import holds_any


def _reads_figures(user: object) -> bool:
    return holds_any(user, READ_ROLES)


def grades_on_record(user: Any, member_id: int) -> list[related.Link]:
    """民主评议 results on the member's page in the people app (which has already checked who
    may see the member; the selector checks again who may see the grades)."""
    return [
        related.Link(
            label="民主评议",
            title=f"{row.appraisal.year} 年度 {row.get_grade_display()}",
            url=reverse("assessment:appraisal", args=[row.appraisal_id]),
            note=row.appraisal.org.name,
        )
        for row in confirmed_grades_of_member(user, member_id)
    ]


def connect() -> None:
    related.register("people.member", grades_on_record)
    notify_kinds.register(
        "appraisal.voting",
        label="民主评议互评",
        app="assessment",
        group="民主评议",
        description="支部开始民主评议互评时通知参评党员",
    )
    notify_kinds.register(
        SELFCHECK_DUE_KIND,
        label="月度自查提醒",
        app="assessment",
        group="量化考评",
        description="本月自查临近截止或逾期未提交时提醒支部书记",
    )
    notify_kinds.register(
        SELFCHECK_RETURNED_KIND,
        label="自查被退回",
        app="assessment",
        group="量化考评",
        description="上级党委退回本支部的月度自查时通知支部书记（附退回理由）",
    )
    notify_kinds.register(
        BULLETIN_KIND,
        label="考评通报",
        app="assessment",
        group="量化考评",
        description="上级党委发布季度通报或年度考评结果时通知",
    )
    # The figures are reached from the dashboard (看板, dashboards app), which links here.
    # Members reach their ballot from the notice that voting opened (no query on every page).
    nav.register(nav.Entry("assessment:appraisals", "民主评议", order=65, visible=_reads_figures))
    nav.register(nav.Entry("assessment:checks", "考评", order=64, visible=_reads_figures))
    periodic.register("assessment.indicators", compute_indicators, hours=6)
    periodic.register("assessment.selfcheck_remind", remind_selfchecks, hours=12)
    # After every app's own demo content: the figures are computed from it.
    demo.register("assessment", assessment_demo.seed, order=900)
