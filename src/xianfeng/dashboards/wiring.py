"""How dashboards plug in: one entry in the top navigation for those who read figures."""

from __future__ import annotations

from xianfeng.assessment.selectors import READ_ROLES
from xianfeng.common import nav
from xianfeng.orgs.rules import holds_any


def _reads_figures(user: object) -> bool:
    return holds_any(user, READ_ROLES)


def connect() -> None:
    nav.register(nav.Entry("dashboards:index", "看板", order=58, visible=_reads_figures))
