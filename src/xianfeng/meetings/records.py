"""Meetings as evidence records (common/records): a branch's own 三会一课 that the person
may see, through the ledger's selector."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from xianfeng.common import records
from xianfeng.meetings.models import Meeting
from xianfeng.meetings.selectors import meetings_visible_to


def url(pk: int) -> str:
    return reverse("meetings:detail", kwargs={"pk": pk})


def _ref(meeting: Meeting) -> records.RecordRef:
    return records.RecordRef(
        kind="meetings.meeting",
        pk=meeting.pk,
        title=f"{meeting.starts_at:%Y-%m-%d} {meeting}"[:100],
        url=url(meeting.pk),
        when=meeting.starts_at,
    )


def _own(user: Any, branch: Any) -> Any:
    return meetings_visible_to(user).filter(branch=branch)


def register() -> None:
    records.register(
        records.from_queryset(
            code="meetings.meeting", label="三会一课", app="meetings", own=_own, ref=_ref, url=url
        )
    )
