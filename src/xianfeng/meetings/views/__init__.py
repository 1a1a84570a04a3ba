"""The meetings pages, by concern: planning and the meeting page, attendance (sign-in,
leave, QR), minutes (AB record, amendments, attachments, PDF), compliance (overview, heat
map, ledger, rules) and the person's own settings and calendar feed."""

from __future__ import annotations

from xianfeng.meetings.views.attendance import (
    checkin,
    leave,
    leave_decide,
    qr,
    record,
)
from xianfeng.meetings.views.compliance import (
    branch,
    ledger,
    overview,
    rules_page,
)
from xianfeng.meetings.views.minutes import (
    amend,
    attachment,
    attachment_add,
    attachment_delete,
    minutes,
    minutes_action,
    minutes_pdf,
)
from xianfeng.meetings.views.personal import (
    calendar_feed,
    settings_page,
)
from xianfeng.meetings.views.planning import (
    attendees,
    cancel,
    detail,
    edit,
    held,
    index,
    meeting_list,
    plan,
)

__all__ = [
    "amend",
    "attachment",
    "attachment_add",
    "attachment_delete",
    "attendees",
    "branch",
    "calendar_feed",
    "cancel",
    "checkin",
    "detail",
    "edit",
    "held",
    "index",
    "leave",
    "leave_decide",
    "ledger",
    "meeting_list",
    "minutes",
    "minutes_action",
    "minutes_pdf",
    "overview",
    "plan",
    "qr",
    "record",
    "rules_page",
    "settings_page",
]
