"""Who may do what with meetings. A role at an org reaches its subtree.

- 书记 and 组织委员 plan meetings for their branch (and its party groups), edit the
  expected attendees, record attendance afterwards (补录) and archive approved minutes.
- Only the 书记 decides leave requests.
- 书记, 组织委员, 宣传委员 and 组织管理员 read the ledger (minutes, compliance, exports)
  of their subtree; upper committees therefore see every branch below them.
- Recorder A writes the minutes; recorder B approves them. When A is recorded absent
  (absent or on approved leave), B writes in A's place and the host (主持人) approves
  instead, so minutes are never approved by the person who wrote them.
- Frequency rules are set by 组织管理员 for their subtree.
"""

from __future__ import annotations

from typing import Any

from xianfeng.meetings.enums import (
    LOCKED_STATES,
    RECORDED_ABSENT,
    MeetingState,
)
from xianfeng.meetings.models import Meeting
from xianfeng.orgs.enums import RoleKind
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import has_role_over

PLAN_ROLES = frozenset({RoleKind.SECRETARY, RoleKind.ORGANIZER})
LEAVE_ROLES = frozenset({RoleKind.SECRETARY})
LEDGER_ROLES = frozenset(
    {RoleKind.SECRETARY, RoleKind.ORGANIZER, RoleKind.PROPAGANDA, RoleKind.ADMIN}
)
RULE_ROLES = frozenset({RoleKind.ADMIN})


def _uid(user: Any) -> int | None:
    return user.pk if getattr(user, "is_authenticated", False) else None


def can_plan(user: Any, org: Org) -> bool:
    return has_role_over(user, org, PLAN_ROLES)


def can_read_ledger(user: Any, org: Org) -> bool:
    return has_role_over(user, org, LEDGER_ROLES)


def can_set_rules(user: Any, org: Org) -> bool:
    return has_role_over(user, org, RULE_ROLES)


def is_recorder(user: Any, meeting: Meeting) -> bool:
    uid = _uid(user)
    return uid is not None and uid in (meeting.recorder_a_id, meeting.recorder_b_id)


def is_officer(user: Any, meeting: Meeting) -> bool:
    """Host or one of the recorders."""
    uid = _uid(user)
    return uid is not None and uid in (
        meeting.host_id,
        meeting.recorder_a_id,
        meeting.recorder_b_id,
    )


def can_manage(user: Any, meeting: Meeting) -> bool:
    return can_plan(user, meeting.org)


def can_decide_leave(user: Any, meeting: Meeting) -> bool:
    return has_role_over(user, meeting.org, LEAVE_ROLES)


def can_show_qr(user: Any, meeting: Meeting) -> bool:
    return can_manage(user, meeting) or is_officer(user, meeting)


def can_record_attendance(user: Any, meeting: Meeting) -> bool:
    """补录: the planners, and the recorders who keep the record."""
    return can_manage(user, meeting) or is_recorder(user, meeting)


def can_read_minutes(user: Any, meeting: Meeting) -> bool:
    return can_read_ledger(user, meeting.org) or is_officer(user, meeting)


def a_is_absent(meeting: Meeting, a_status: str | None) -> bool:
    """Recorder A was recorded absent (absent, or on approved leave)."""
    return a_status in RECORDED_ABSENT


def minutes_writer_id(meeting: Meeting, a_status: str | None) -> int:
    """Who writes the minutes: A, or B standing in when A is recorded absent."""
    return meeting.recorder_b_id if a_is_absent(meeting, a_status) else meeting.recorder_a_id


def minutes_approver_id(meeting: Meeting, written_by_id: int | None) -> int:
    """Who approves: B; when B wrote them in A's place, the host takes B's part."""
    if written_by_id is not None and written_by_id == meeting.recorder_b_id:
        return meeting.host_id
    return meeting.recorder_b_id


def can_write_minutes(user: Any, meeting: Meeting, a_status: str | None) -> bool:
    if meeting.state not in (MeetingState.PLANNED, MeetingState.HELD):
        return False
    return _uid(user) == minutes_writer_id(meeting, a_status)


def can_amend(user: Any, meeting: Meeting) -> bool:
    return meeting.state in LOCKED_STATES and (
        can_manage(user, meeting) or is_recorder(user, meeting)
    )


# --- 组织生活会 ----------------------------------------------------------------------------------
# Materials, criticism notes and the 整改清单 are read by the branch's own members, its
# officers (host, recorders) and the ledger readers above it; never by another branch.
# 批评与自我批评 is recorded by the recorders or the secretary; 整改 items are drawn up by
# the planners (书记, 组织委员) or the recorders; the owner and the planners report
# progress; only the 书记 closes an item (销号).
CLOSE_ROLES = frozenset({RoleKind.SECRETARY})


def can_record_criticism(user: Any, meeting: Meeting) -> bool:
    return is_recorder(user, meeting) or has_role_over(user, meeting.org, CLOSE_ROLES)


def can_list_rectification(user: Any, meeting: Meeting) -> bool:
    return is_recorder(user, meeting) or can_manage(user, meeting)


def can_report_progress(user: Any, item: Any) -> bool:
    """The owner, or a planner of the item's branch."""
    return _uid(user) == item.owner_id or has_role_over(user, item.branch, PLAN_ROLES)


def can_close_rectification(user: Any, item: Any) -> bool:
    return has_role_over(user, item.branch, CLOSE_ROLES)
