"""Writes of the meetings app (三会一课). Every function is keyword-only with its actor,
validates, runs in a transaction, audits, and notifies."""

from xianfeng.meetings.services.attendance import (
    attendance_record,
    checkin,
    checkin_many,
    checkin_meeting,
    checkin_scan,
    leave_decide,
    leave_request,
)
from xianfeng.meetings.services.compliance import reminders_send, rule_set, rules_set
from xianfeng.meetings.services.minutes import (
    AMENDABLE,
    MinutesData,
    attachment_add,
    attachment_delete,
    meeting_amend,
    meeting_archive,
    minutes_approve,
    minutes_return,
    minutes_save,
    minutes_submit,
)
from xianfeng.meetings.services.notices import (
    calendar_enable,
    calendar_reset,
    meeting_notify,
)
from xianfeng.meetings.services.planning import (
    MeetingData,
    attendees_change,
    meeting_cancel,
    meeting_guests_refresh,
    meeting_mark_held,
    meeting_plan,
    meeting_update,
)

__all__ = [
    "AMENDABLE",
    "MeetingData",
    "MinutesData",
    "attachment_add",
    "attachment_delete",
    "attendance_record",
    "attendees_change",
    "calendar_enable",
    "calendar_reset",
    "checkin",
    "checkin_many",
    "checkin_meeting",
    "checkin_scan",
    "leave_decide",
    "leave_request",
    "meeting_amend",
    "meeting_archive",
    "meeting_cancel",
    "meeting_guests_refresh",
    "meeting_mark_held",
    "meeting_notify",
    "meeting_plan",
    "meeting_update",
    "minutes_approve",
    "minutes_return",
    "minutes_save",
    "minutes_submit",
    "reminders_send",
    "rule_set",
    "rules_set",
]
