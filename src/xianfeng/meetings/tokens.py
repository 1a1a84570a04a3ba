"""The meetings' signed tokens, built on common/tokens.py: the rotating sign-in QR code
(a new code every 30 s, accepted during its step and the next: ≤ 60 s) and the private
calendar feed address (a version number revokes every older address)."""

from __future__ import annotations

import datetime

from xianfeng.common.tokens import ParsedCode, RotatingCode, VersionedRef, new_key
from xianfeng.meetings.enums import QR_ACCEPTED_STEPS, QR_STEP_SECONDS

CHECKIN = RotatingCode(
    salt="xianfeng.meetings.checkin", step_seconds=QR_STEP_SECONDS, grace=QR_ACCEPTED_STEPS - 1
)
CALENDAR = VersionedRef(salt="xianfeng.meetings.calendar")

# The names the meetings app uses.
ParsedToken = ParsedCode
new_checkin_key = new_key


def step_at(moment: datetime.datetime) -> int:
    return CHECKIN.step_at(moment)


def step_starts(step: int) -> datetime.datetime:
    return CHECKIN.step_starts(step)


def checkin_token(meeting_id: int, checkin_key: str, step: int) -> str:
    return CHECKIN.make(meeting_id, checkin_key, step)


def parse_checkin_token(token: str) -> ParsedCode | None:
    return CHECKIN.parse(token)


def checkin_signature_ok(parsed: ParsedCode, checkin_key: str) -> bool:
    return CHECKIN.signature_ok(parsed, checkin_key)


def calendar_token(user_id: int, version: int) -> str:
    return CALENDAR.make(user_id, version)


def parse_calendar_token(token: str) -> tuple[int, int] | None:
    return CALENDAR.parse(token)
