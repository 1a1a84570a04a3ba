"""How the study app plugs into the others: the points ledger receives the claims of every
app's rules (common/points.py), the navigation and demo data."""

from __future__ import annotations

from typing import Any

from xianfeng.common import nav
from xianfeng.common import points as registry


def _sink(rule: registry.Rule, event: Any, claim: registry.Claim) -> object:
    from xianfeng.study.services.points import points_award

    return points_award(rule=rule, event=event, claim=claim)


def connect() -> None:
    registry.install_sink(_sink)
    nav.register(nav.Entry("study:points", "学习", order=20))
