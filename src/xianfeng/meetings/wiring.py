"""How the meetings app plugs into the others: the home page and the periodic jobs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from xianfeng.common import demo, home, nav, periodic
from xianfeng.common.home import Panel
from xianfeng.meetings import demo as meetings_demo
from xianfeng.meetings import earning, selectors
from xianfeng.meetings import indicators as meetings_indicators
from xianfeng.meetings import records as meetings_records
from xianfeng.meetings.selectors.compliance import meetings_to_hold
from xianfeng.meetings.tasks import send_compliance_reminders, send_rectification_reminders


def home_panels(request: HttpRequest) -> list[Any]:

    user: Any = request.user
    if not user.is_authenticated:
        return []
    panels = []
    # Notices about meetings are in notify's one notifications panel.
    upcoming = list(selectors.my_meetings(user)[:3])
    if upcoming:
        panels.append(Panel("meetings/panel_mine.html", {"meetings": upcoming}, order=8))
    # The secretary's "due this period": each item one tap from its action.
    leaves = list(selectors.leave_requests_to_decide(user).select_related("meeting", "user")[:5])
    to_approve = list(selectors.meetings_to_approve(user)[:5])
    to_write = list(selectors.meetings_to_write(user)[:5])
    to_hold = meetings_to_hold(user, today=timezone.localdate())
    if leaves or to_approve or to_write or to_hold:
        panels.append(
            Panel(
                "meetings/panel_tasks.html",
                {
                    "leaves": leaves,
                    "to_approve": to_approve,
                    "to_write": to_write,
                    "to_hold": to_hold,
                },
                order=9,
            )
        )
    return panels


def connect() -> None:

    meetings_indicators.register()
    meetings_records.register()  # evidence for assessment's self-checks
    earning.connect()
    home.register(home_panels)
    from xianfeng.people.selectors import is_resident

    # 群众 have no 三会一课 (their meetings page would only say so).
    nav.register(
        nav.Entry("meetings:index", "三会一课", order=30, visible=lambda u: not is_resident(u))
    )
    demo.register("meetings", meetings_demo.seed, order=40)
    periodic.register("meetings.remind", send_compliance_reminders, hours=6)
    periodic.register("meetings.rectification_remind", send_rectification_reminders, hours=6)
    register_notice_kinds()


def register_notice_kinds() -> None:
    """The notices meetings sends (NoticeKind), with the channels each gets by default;
    each person narrows them, within what their org allows."""
    from xianfeng.meetings.enums import NoticeKind
    from xianfeng.notify import kinds
    from xianfeng.notify.enums import Channel

    everywhere: set[str] = set(Channel.values)
    personal: set[str] = {Channel.INAPP, Channel.EMAIL, Channel.WECHAT}
    groups: set[str] = {Channel.INAPP, Channel.EMAIL, Channel.WECOM, Channel.DINGTALK}
    defaults: dict[str, set[str]] = {
        NoticeKind.PLANNED: everywhere,
        NoticeKind.CHANGED: everywhere,
        NoticeKind.CANCELLED: everywhere,
        NoticeKind.LEAVE: personal,
        NoticeKind.LEAVE_REQUEST: personal,
        NoticeKind.MINUTES: personal,
        NoticeKind.REMINDER: groups,
        NoticeKind.RECTIFICATION: personal,
    }
    for kind, channels in defaults.items():
        label = str(NoticeKind(kind).label)
        kinds.register(kind, label=label, app="meetings", default_channels=channels)
