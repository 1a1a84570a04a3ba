"""How a meeting's notices reached people (read through notify)."""

from __future__ import annotations

from xianfeng.meetings.enums import NoticeKind
from xianfeng.meetings.models import Meeting
from xianfeng.notify.selectors import Reach, latest_reach_about

# The notices whose reach the meeting's page shows its managers.
REACH_KINDS = (NoticeKind.PLANNED, NoticeKind.CHANGED, NoticeKind.CANCELLED)


def meeting_notice_reach(meeting: Meeting) -> Reach | None:
    """How the latest notice of the meeting (planned, changed, cancelled) reached people:
    "通知已发送 12 人，其中 3 人未能送达（短信失败 2 人，…）"."""
    return latest_reach_about(meeting, kinds_in=REACH_KINDS)
