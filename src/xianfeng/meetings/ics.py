"""A person's meetings as an iCalendar feed (RFC 5545), for the phone's calendar app."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from xianfeng.meetings.enums import MeetingState
from xianfeng.meetings.models import Meeting

PRODID = "-//xianfeng//meetings//ZH"


def _text(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> list[str]:
    """Lines of at most 75 octets, continued with a leading space (never inside a
    multi-byte character)."""
    out: list[str] = []
    current, size = "", 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += width
    out.append(current)
    return out


def calendar(
    meetings: Iterable[Meeting], *, name: str, url_for: dict[int, str], now: datetime.datetime
) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_text(name)}",
        "X-WR-TIMEZONE:Asia/Shanghai",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
    ]
    stamp = _utc(now)
    for m in meetings:
        cancelled = m.state == MeetingState.CANCELLED
        description = m.org.name + (f"，主讲：{m.speaker_name}" if m.speaker_name else "")
        lines += [
            "BEGIN:VEVENT",
            f"UID:meeting-{m.pk}@xianfeng",
            f"DTSTAMP:{stamp}",
            f"LAST-MODIFIED:{_utc(m.updated_at)}",
            f"DTSTART:{_utc(m.starts_at)}",
            f"DTEND:{_utc(m.ends_at)}",
            f"SUMMARY:{_text(f'{m.get_kind_display()}：{m.topic}')}",
            f"LOCATION:{_text(m.place)}",
            f"DESCRIPTION:{_text(description)}",
            f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        ]
        if m.pk in url_for:
            lines.append(f"URL:{url_for[m.pk]}")
        if not cancelled:
            lines += [
                "BEGIN:VALARM",
                "ACTION:DISPLAY",
                "DESCRIPTION:会议提醒",
                "TRIGGER:-PT1H",
                "END:VALARM",
            ]
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(f"{part}\r\n" for line in lines for part in _fold(line))
