"""What the contest services share."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from xianfeng.contests.models import (
    Contest,
    Entry,
)
from xianfeng.contests.rules import can_organise
from xianfeng.people.models import User


def _today() -> datetime.date:
    return timezone.localdate()


def _entry_code(contest: Contest) -> str:
    """The next entry code of a contest (call with the contest row locked)."""
    count = Entry.objects.filter(contest=contest).count()
    return f"{contest.pk:03d}-{count + 1:04d}"


def _organiser(actor: User, contest: Contest) -> None:
    if not can_organise(actor, contest):
        raise PermissionDenied("只有主办组织的管理员可以操作")


# --- setting up -------------------------------------------------------------------------
