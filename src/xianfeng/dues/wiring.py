"""How 党费 plugs in: navigation, the member page's action, the indicator, demo data."""

from __future__ import annotations

from typing import Any

from xianfeng.common import demo, nav
from xianfeng.orgs.enums import ROSTER_MANAGE_ROLES
from xianfeng.orgs.rules import can_manage_roster, holds_any
from xianfeng.people import member_actions
from xianfeng.people.selectors import member_of


def _sees_dues(user: Any) -> bool:
    # Role holders first: the nav has their roles loaded; a member's record is loaded by
    # the 三会一课 entry already.
    return bool(getattr(user, "is_authenticated", False)) and (
        holds_any(user, ROSTER_MANAGE_ROLES) or member_of(user) is not None
    )


def _collects_for(user: Any, member: Any) -> bool:
    return can_manage_roster(user, member.org)


def connect() -> None:
    from xianfeng.dues import demo as dues_demo
    from xianfeng.dues import indicators

    nav.register(nav.Entry("dues:index", "党费", order=55, visible=_sees_dues))
    member_actions.register(member_actions.MemberAction("党费", "dues:member", _collects_for))
    indicators.register()
    demo.register("dues", dues_demo.seed, order=47)
