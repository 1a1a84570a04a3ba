"""How assessment plugs in: the top navigation and the daily recompute."""

from __future__ import annotations

from xianfeng.assessment import demo as assessment_demo
from xianfeng.assessment.selectors import READ_ROLES
from xianfeng.assessment.tasks import compute_indicators
from xianfeng.common import demo, nav, periodic
from xianfeng.notify import kinds as notify_kinds
from xianfeng.orgs.rules import holds_any


def _reads_figures(user: object) -> bool:
    return holds_any(user, READ_ROLES)


def connect() -> None:
    notify_kinds.register(
        "appraisal.voting",
        label="民主评议互评",
        app="assessment",
        group="民主评议",
        description="支部开始民主评议互评时通知参评党员",
    )
    # The figures are reached from the dashboard (看板, dashboards app), which links here.
    # Members reach their ballot from the notice that voting opened (no query on every page).
    nav.register(nav.Entry("assessment:appraisals", "民主评议", order=65, visible=_reads_figures))
    periodic.register("assessment.indicators", compute_indicators, hours=6)
    # After every app's own demo content: the figures are computed from it.
    demo.register("assessment", assessment_demo.seed, order=900)
