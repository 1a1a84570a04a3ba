"""Who sees a live: its audience's members and officers, the speaker, the officers over its
org (a miss is a 404)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from xianfeng.lessons.rules import LESSON_MANAGE_ROLES
from xianfeng.live.enums import LiveState
from xianfeng.live.models import LiveLesson
from xianfeng.orgs import paths
from xianfeng.orgs.enums import RECORD_ROLES
from xianfeng.orgs.models import subtree_q
from xianfeng.orgs.selectors import role_root_paths, roles_of, scope_q
from xianfeng.people.models import Member
from xianfeng.people.selectors import member_of


def lives_visible_to(user: Any) -> QuerySet[LiveLesson]:
    if not getattr(user, "is_authenticated", False):
        return LiveLesson.objects.none()
    if user.is_superuser:
        return LiveLesson.objects.all()
    reach: set[str] = set()
    member = member_of(user)
    if member is not None:
        reach.update(paths.ancestor_paths(member.org.path))
    for role in roles_of(user):
        if role.kind in RECORD_ROLES:
            reach.update(paths.ancestor_paths(role.org.path))
    return LiveLesson.objects.filter(
        Q(audience__path__in=sorted(reach))
        | subtree_q(role_root_paths(user, RECORD_ROLES), field="audience__path")
        | scope_q(user, LESSON_MANAGE_ROLES, field="org__path")
        | Q(speaker_id=user.pk)
    )


def get_live_for_user(user: Any, pk: int) -> LiveLesson:
    live = lives_visible_to(user).select_related("org", "audience", "speaker").filter(pk=pk).first()
    if live is None:
        raise Http404("找不到该直播")
    return live


def live_index(user: Any) -> dict[str, list[LiveLesson]]:
    """The lives of the person's list: on air, coming (soonest first), recent ended."""
    base = lives_visible_to(user).select_related("org", "speaker")
    return {
        "on_air": list(base.filter(state=LiveState.LIVE).order_by("-started_at")[:20]),
        "coming": list(base.filter(state=LiveState.SCHEDULED).order_by("scheduled_at")[:20]),
        "ended": list(base.filter(state=LiveState.ENDED).order_by("-ended_at")[:20]),
    }


def speaker_choices(user: Any) -> QuerySet[Member]:
    """Members an officer may name as a live's speaker: those in the subtrees they run."""
    return (
        Member.objects.filter(scope_q(user, LESSON_MANAGE_ROLES, field="org__path"))
        .filter(user__is_active=True)
        .select_related("user", "org")
        .order_by("user__name", "pk")
    )
