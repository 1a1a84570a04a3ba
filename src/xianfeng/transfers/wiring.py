"""How transfers plug in: navigation, the overdue reminder, its notice kinds."""

from __future__ import annotations

from typing import Any

from xianfeng.common import demo, nav, periodic
from xianfeng.orgs.enums import ROSTER_MANAGE_ROLES
from xianfeng.orgs.rules import can_manage_roster, holds_any
from xianfeng.people import member_actions
from xianfeng.people.enums import ON_ROLL


def _managers(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and holds_any(user, ROSTER_MANAGE_ROLES)


def _may_transfer(user: Any, member: Any) -> bool:
    return member.status in ON_ROLL and can_manage_roster(user, member.org)


def connect() -> None:
    from xianfeng.notify import kinds
    from xianfeng.notify.enums import Channel
    from xianfeng.transfers.enums import NOTICE_KIND, REMINDER_KIND
    from xianfeng.transfers.tasks import remind_overdue_transfers

    member_actions.register(
        member_actions.MemberAction("办理组织关系转接", "transfers:start", _may_transfer)
    )
    nav.register(nav.Entry("transfers:index", "转接", order=60, visible=_managers))
    from xianfeng.transfers import demo as transfers_demo

    demo.register("transfers", transfers_demo.seed, order=45)
    periodic.register("transfers.remind", remind_overdue_transfers, hours=12)
    kinds.register(NOTICE_KIND, label="组织关系转接", app="transfers",
                   default_channels={Channel.INAPP, Channel.EMAIL})  # fmt: skip
    kinds.register(REMINDER_KIND, label="组织关系转接催办", app="transfers",
                   default_channels={Channel.INAPP, Channel.EMAIL})  # fmt: skip
