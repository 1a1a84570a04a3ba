"""How 流动党员 plugs in: navigation, the member page's action, the quarterly reminder, the
meetings and study away credited to the home branch's figures."""

from __future__ import annotations

from typing import Any

from xianfeng.audit import events
from xianfeng.common import demo, nav, periodic
from xianfeng.orgs.enums import ROSTER_MANAGE_ROLES
from xianfeng.orgs.rules import can_manage_roster, holds_any
from xianfeng.people import member_actions
from xianfeng.people.enums import ON_ROLL


def _managers(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and holds_any(user, ROSTER_MANAGE_ROLES)


def _may_register(user: Any, member: Any) -> bool:
    return member.status in ON_ROLL and not member.is_mobile and can_manage_roster(user, member.org)


def _away(user: Any, member: Any) -> bool:
    return member.is_mobile and can_manage_roster(user, member.org)


def _meetings_attended(batch: list[Any]) -> None:
    """A meeting's sign-ins in one delivery: one lookup for them all."""
    from xianfeng.mobility.services import mobile_meetings_attended

    mobile_meetings_attended(batch)


def _meeting_attended(event: Any) -> None:
    from xianfeng.mobility.services import mobile_meeting_attended

    mobile_meeting_attended(event)


def connect() -> None:
    from xianfeng.meetings import guests as meeting_guests
    from xianfeng.mobility import demo as mobility_demo
    from xianfeng.mobility import indicators
    from xianfeng.mobility.enums import HOSTED_KIND, REMINDER_KIND
    from xianfeng.mobility.selectors import hosted_user_ids
    from xianfeng.mobility.tasks import remind_mobile_contacts
    from xianfeng.notify import kinds
    from xianfeng.notify.enums import Channel

    nav.register(nav.Entry("mobility:index", "流动党员", order=61, visible=_managers))
    member_actions.register(
        member_actions.MemberAction("流动党员外出登记", "mobility:register", _may_register)
    )
    member_actions.register(
        member_actions.MemberAction("流动党员登记", "mobility:for_member", _away)
    )
    indicators.register()
    # The 流动党员 a branch hosts are expected at its meetings while they are with it.
    meeting_guests.register("mobility.hosted", hosted_user_ids)
    # Signing in there is a meeting attended at the place, credited to the home branch.
    events.subscribe(
        "meeting.checked_in",
        name="mobility.meeting_attended",
        handler=_meeting_attended,
        batch=_meetings_attended,
    )
    periodic.register("mobility.remind", remind_mobile_contacts, hours=24)
    kinds.register(
        REMINDER_KIND, label="流动党员联系提醒", app="mobility",
        default_channels={Channel.INAPP, Channel.EMAIL},
        description="本支部的流动党员本季度尚未联系", group="党员",
    )  # fmt: skip
    kinds.register(
        HOSTED_KIND, label="外来流动党员登记", app="mobility",
        default_channels={Channel.INAPP, Channel.EMAIL},
        description="其他支部的党员外出到本组织，或其流动党员登记有变更", group="党员",
    )  # fmt: skip
    demo.register("mobility", mobility_demo.seed, order=48)
