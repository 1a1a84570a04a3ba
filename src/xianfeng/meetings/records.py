"""Meetings as evidence records (common/records): a branch's own 三会一课 that the person
may see, through the ledger's selector."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from xianfeng.common import records
from xianfeng.meetings.enums import MeetingKind, MeetingState
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


# A 支部党员大会 that took place (not planned or cancelled): the one that voted on a 发展对象
# (people's 发展党员 pipeline links its 支部大会讨论 step to it).
ASSEMBLY = "meetings.assembly"
_TOOK_PLACE = [MeetingState.HELD, MeetingState.SUBMITTED, MeetingState.APPROVED,
               MeetingState.ARCHIVED]  # fmt: skip


def _assemblies(user: Any, branch: Any) -> Any:
    return _own(user, branch).filter(kind=MeetingKind.ASSEMBLY, state__in=_TOOK_PLACE)


def _assembly_ref(meeting: Meeting) -> records.RecordRef:
    ref = _ref(meeting)
    return records.RecordRef(kind=ASSEMBLY, pk=ref.pk, title=ref.title, url=ref.url, when=ref.when)


def register() -> None:
    records.register(
        records.from_queryset(
            code="meetings.meeting", label="三会一课", app="meetings", own=_own, ref=_ref, url=url
        )
    )
    records.register(
        records.from_queryset(
            code=ASSEMBLY,
            label="支部党员大会",
            app="meetings",
            own=_assemblies,
            ref=_assembly_ref,
            url=url,
            evidence=False,
        )
    )
