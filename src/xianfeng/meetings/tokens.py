"""Signed tokens: the rotating sign-in QR code, and the private calendar feed address.

A QR token is "<meeting id>-<time step>-<HMAC>", the HMAC keyed with the site's secret and
the meeting's own random key, over the meeting id and the 30-second step. Nothing is
stored per code: a code is valid while its step is the current one or the one before.

A calendar token is "<user id>-<version>-<HMAC>"; resetting the address bumps the version,
so every older address stops working at once.
"""

from __future__ import annotations

import datetime
import hmac
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.utils.crypto import salted_hmac

from xianfeng.common.parse import ascii_int
from xianfeng.meetings.enums import QR_STEP_SECONDS

SIG_CHARS = 24


def new_checkin_key() -> str:
    return secrets.token_hex(32)


def step_at(moment: datetime.datetime) -> int:
    return int(moment.timestamp()) // QR_STEP_SECONDS


def step_starts(step: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(step * QR_STEP_SECONDS, tz=datetime.UTC)


def _sign(salt: str, value: str, key: str = "") -> str:
    return salted_hmac(
        salt, value, secret=f"{settings.SECRET_KEY}:{key}", algorithm="sha256"
    ).hexdigest()[:SIG_CHARS]


def checkin_token(meeting_id: int, checkin_key: str, step: int) -> str:
    sig = _sign("xianfeng.meetings.checkin", f"{meeting_id}:{step}", checkin_key)
    return f"{meeting_id}-{step}-{sig}"


@dataclass(frozen=True)
class ParsedToken:
    meeting_id: int
    step: int
    sig: str


def parse_checkin_token(token: str) -> ParsedToken | None:
    parts = token.strip().split("-")
    if len(parts) != 3:
        return None
    meeting_id, step = ascii_int(parts[0]), ascii_int(parts[1])
    if meeting_id is None or step is None or len(parts[2]) != SIG_CHARS:
        return None
    return ParsedToken(meeting_id, step, parts[2])


def checkin_signature_ok(parsed: ParsedToken, checkin_key: str) -> bool:
    expected = checkin_token(parsed.meeting_id, checkin_key, parsed.step).rsplit("-", 1)[1]
    return hmac.compare_digest(expected, parsed.sig)


def calendar_token(user_id: int, version: int) -> str:
    return f"{user_id}-{version}-{_sign('xianfeng.meetings.calendar', f'{user_id}:{version}')}"


def parse_calendar_token(token: str) -> tuple[int, int] | None:
    """(user id, version) when the signature is right; None otherwise."""
    parts = token.split("-")
    if len(parts) != 3:
        return None
    user_id, version = ascii_int(parts[0]), ascii_int(parts[1])
    if user_id is None or version is None:
        return None
    if not hmac.compare_digest(calendar_token(user_id, version), token):
        return None
    return user_id, version
