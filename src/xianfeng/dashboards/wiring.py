"""How dashboards plug in: one entry in the top navigation for those who read figures."""

from __future__ import annotations

from xianfeng.assessment.selectors import READ_ROLES
from xianfeng.common import nav, periodic
from xianfeng.orgs.rules import holds_any


def _reads_figures(user: object) -> bool:
    return holds_any(user, READ_ROLES)


def connect() -> None:
    from xianfeng.dashboards.tasks import warm_boards

    nav.register(nav.Entry("dashboards:index", "看板", order=58, visible=_reads_figures))
    # Cheap when every board is in the cache (one read); after a recompute it renders them.
    periodic.register("dashboards.warm", warm_boards, minutes=10)
