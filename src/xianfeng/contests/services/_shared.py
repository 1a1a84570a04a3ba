"""What the contest services share."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.utils import timezone

from xianfeng.contests.models import (
    Contest,
)
from xianfeng.contests.rules import can_organise
from xianfeng.people.models import User


def _today() -> datetime.date:
    return timezone.localdate()


def _organiser(actor: User, contest: Contest) -> None:
    if not can_organise(actor, contest):
        raise PermissionDenied("只有主办组织的管理员可以操作")


# --- setting up -------------------------------------------------------------------------
