"""Who may do what with 点课, rotas and the coverage page."""

from __future__ import annotations

from typing import Any

from xianfeng.lessons.practice.models import LessonRequest, RotaSlot, SpeakerRota
from xianfeng.orgs.enums import RECORD_ROLES
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import has_role_over

# 书记, 组织委员, 宣传委员 and 组织管理员 run the branch's practice: rotas, closing requests,
# the coverage page of their subtree.
PRACTICE_ROLES = RECORD_ROLES


def can_run_practice(user: Any, org: Org) -> bool:
    return has_role_over(user, org, PRACTICE_ROLES)


def can_close_request(user: Any, request: LessonRequest) -> bool:
    return request.requested_by_id == getattr(user, "pk", None) or can_run_practice(
        user, request.org
    )


def can_give_request(user: Any, request: LessonRequest) -> bool:
    """The person who took it, or an officer over its org."""
    return request.taken_by_id == getattr(user, "pk", None) or can_run_practice(user, request.org)


def can_edit_rota(user: Any, rota: SpeakerRota) -> bool:
    return can_run_practice(user, rota.org)


def is_slot_speaker(user: Any, slot: RotaSlot) -> bool:
    return slot.speaker.user_id == getattr(user, "pk", None)
