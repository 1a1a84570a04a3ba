from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.common.transitions import StateMachine
from xianfeng.orgs.enums import RoleKind


class MeetingKind(models.TextChoices):
    ASSEMBLY = "assembly", _("支部党员大会")
    COMMITTEE = "committee", _("支委会")
    GROUP = "group", _("党小组会")
    LECTURE = "lecture", _("党课")
    THEME_DAY = "theme_day", _("主题党日")
    LIFE = "life", _("组织生活会")
    APPRAISAL = "appraisal", _("民主评议党员")


class Period(models.TextChoices):
    """How often a kind of meeting must be held (a frequency rule)."""

    MONTH = "month", _("每月")
    QUARTER = "quarter", _("每季度")
    HALF = "half", _("每半年")
    YEAR = "year", _("每年")
    NONE = "none", _("不作要求")


MONTHS_PER_PERIOD = {Period.MONTH: 1, Period.QUARTER: 3, Period.HALF: 6, Period.YEAR: 12}

# The defaults of DESIGN.md (三会一课 rules); an org admin overrides them for a subtree.
DEFAULT_PERIODS: dict[str, str] = {
    MeetingKind.ASSEMBLY: Period.QUARTER,
    MeetingKind.COMMITTEE: Period.MONTH,
    MeetingKind.GROUP: Period.MONTH,
    MeetingKind.LECTURE: Period.QUARTER,
    MeetingKind.THEME_DAY: Period.MONTH,
    MeetingKind.LIFE: Period.YEAR,
    MeetingKind.APPRAISAL: Period.YEAR,
}


class Quorum(models.TextChoices):
    NONE = "none", _("无法定人数要求")
    FULL_MEMBERS = "full_members", _("正式党员过半数")
    COMMITTEE = "committee", _("支委过半数")


# 支部党员大会: more than half of the full members with a vote (预备党员 attend without
# one); 支委会: more than half of the committee. The other kinds have no quorum.
QUORUM_OF_KIND: dict[str, str] = {
    MeetingKind.ASSEMBLY: Quorum.FULL_MEMBERS,
    MeetingKind.COMMITTEE: Quorum.COMMITTEE,
}

# The 支部委员会: people holding these roles at the branch itself. A branch with fewer
# than three of them has no committee (党章: 党员七人以上的支部设立支部委员会, 委员
# 一般三至五人), so the 支委会 is not required of it.
COMMITTEE_ROLES = frozenset({RoleKind.SECRETARY, RoleKind.ORGANIZER, RoleKind.PROPAGANDA})
COMMITTEE_MIN = 3


class MeetingState(models.TextChoices):
    PLANNED = "planned", _("已安排")
    HELD = "held", _("已召开")
    SUBMITTED = "submitted", _("记录待审核")
    APPROVED = "approved", _("记录已审核")
    ARCHIVED = "archived", _("已归档")
    CANCELLED = "cancelled", _("已取消")


MEETING_TRANSITIONS: dict[str, set[str]] = {
    MeetingState.PLANNED: {MeetingState.HELD, MeetingState.CANCELLED},
    MeetingState.HELD: {MeetingState.SUBMITTED},
    # B returns minutes to the writer for changes, or approves them.
    MeetingState.SUBMITTED: {MeetingState.APPROVED, MeetingState.HELD},
    MeetingState.APPROVED: {MeetingState.ARCHIVED},
    MeetingState.ARCHIVED: set(),
    MeetingState.CANCELLED: set(),
}
# Events: meeting.held, meeting.submitted, meeting.approved, meeting.archived,
# meeting.cancelled (and meeting.held again when B returns minutes for changes).
MEETING_MACHINE = StateMachine(
    name="meeting", label="会议", states=MeetingState, transitions=MEETING_TRANSITIONS
)

# A meeting counts for compliance once its minutes are approved: a meeting without an
# approved record is no evidence for an inspection of the 台账 (see README).
COUNTED_STATES = frozenset({MeetingState.APPROVED, MeetingState.ARCHIVED})
# Held, minutes not approved yet.
RECORDING_STATES = frozenset({MeetingState.HELD, MeetingState.SUBMITTED})
# Minutes are fixed: changed only through a visible amendment.
LOCKED_STATES = frozenset({MeetingState.APPROVED, MeetingState.ARCHIVED})


class AttendanceStatus(models.TextChoices):
    EXPECTED = "expected", _("未签到")
    PRESENT = "present", _("出席")
    LATE = "late", _("迟到")
    LEAVE = "leave", _("请假")
    ABSENT = "absent", _("缺席")


ATTENDED = frozenset({AttendanceStatus.PRESENT, AttendanceStatus.LATE})
# "Recorded absent": what lets recorder B take over from A.
RECORDED_ABSENT = frozenset({AttendanceStatus.LEAVE, AttendanceStatus.ABSENT})


class AttendanceSource(models.TextChoices):
    PLAN = "plan", _("应到名单")
    QR = "qr", _("扫码签到")
    MANUAL = "manual", _("补录")
    LEAVE = "leave", _("请假批准")


class LeaveStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")


class AttachmentKind(models.TextChoices):
    PHOTO = "photo", _("会议照片")
    SIGNIN_SHEET = "sheet", _("签到表扫描件")


class NoticeKind(models.TextChoices):
    """The kinds of notifications (notify.Notification.kind) the meetings app sends."""

    PLANNED = "meeting.planned", _("会议通知")
    CHANGED = "meeting.changed", _("会议变更")
    CANCELLED = "meeting.cancelled", _("会议取消")
    LEAVE = "meeting.leave", _("请假审批")
    LEAVE_REQUEST = "meeting.leave_request", _("请假申请")
    MINUTES = "meeting.minutes", _("会议记录")
    REMINDER = "meeting.reminder", _("三会一课提醒")
    RECTIFICATION = "meeting.rectification", _("整改提醒")


class ComplianceStatus(models.TextChoices):
    """One required meeting in one period, for one branch."""

    HELD = "held", _("已开")
    PENDING = "pending", _("待审核")
    UNAPPROVED = "unapproved", _("记录未审")
    PLANNED = "planned", _("已安排")
    DUE = "due", _("未开")
    OVERDUE = "overdue", _("逾期")
    FUTURE = "future", _("未到期")
    EXEMPT = "exempt", _("不作要求")


# How bad each status is: a month's cell shows the worst of its obligations.
SEVERITY: dict[str, int] = {
    ComplianceStatus.EXEMPT: 0,
    ComplianceStatus.FUTURE: 1,
    ComplianceStatus.HELD: 2,
    ComplianceStatus.PLANNED: 3,
    ComplianceStatus.PENDING: 4,
    ComplianceStatus.DUE: 5,
    ComplianceStatus.UNAPPROVED: 6,
    ComplianceStatus.OVERDUE: 7,
}
STATUS_BY_SEVERITY = {v: k for k, v in SEVERITY.items()}
# Not met once the period has ended.
FAILED = frozenset({ComplianceStatus.OVERDUE, ComplianceStatus.UNAPPROVED})

# Sign-in opens this long before the start; later than LATE_AFTER past it is 迟到.
CHECKIN_OPENS_BEFORE = datetime.timedelta(minutes=30)
LATE_AFTER = datetime.timedelta(minutes=5)
# The QR code changes every STEP seconds; a code is accepted in its own step and the
# next one (time to scan and tap), so at most 60 s after it was shown.
QR_STEP_SECONDS = 30
QR_ACCEPTED_STEPS = 2
# Reminders to secretaries this many days before a period ends.
REMIND_DAYS_BEFORE = 7

# What an amendment may change, with the labels shown next to it.
AMENDABLE_FIELDS: dict[str, str] = {
    "topic": "会议主题",
    "place": "会议地点",
    "agenda": "会议议程",
    "discussion": "讨论情况",
    "resolutions": "会议决议",
    "film": "观看影片",
    "practice": "实践活动",
}

PHOTO_MAX_SIDE = 1600
SHEET_MAX_SIDE = 2400
THUMB_MAX_SIDE = 480
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
ATTACHMENTS_PER_MEETING = 30


# --- 组织生活会: 对照检查材料, 批评与自我批评, 整改清单 --------------------------------------


class RectificationState(models.TextChoices):
    OPEN = "open", _("整改中")
    CLOSED = "closed", _("已销号")


# Only the branch secretary closes (销号) an item; a closed item stays closed: a problem
# found again is a new item of the next meeting.
RECTIFICATION_MACHINE = StateMachine(
    name="rectification",
    label="整改事项",
    states=RectificationState,
    transitions={RectificationState.OPEN: {RectificationState.CLOSED}},
)

# Materials and evidence: documents or pictures, told by their first bytes.
LIFE_FILE_MAX_BYTES = 20 * 1024 * 1024
LIFE_FILE_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
}
LIFE_CONTENT_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
}
UPDATES_PER_RECTIFICATION = 50
RECTIFICATIONS_PER_MEETING = 100
