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


def find(user: Any, branch: Any, pk: int) -> records.RecordRef | None:
    meeting = _own(user, branch).filter(pk=pk).first()
    return _ref(meeting) if meeting is not None else None


def choices(user: Any, branch: Any, limit: int) -> list[records.RecordRef]:
    return [_ref(m) for m in _own(user, branch).order_by("-starts_at", "-pk")[:limit]]


def register() -> None:
    records.register(
        records.RecordKind(
            code="meetings.meeting",
            label="三会一课",
            app="meetings",
            find=find,
            choices=choices,
            url=url,
        )
    )
