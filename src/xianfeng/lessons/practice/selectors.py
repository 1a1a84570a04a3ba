"""Reads of 点课 and rotas that decide who sees what (a miss is a 404)."""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, Exists, OuterRef, Q, QuerySet, Value
from django.http import Http404

from xianfeng.lessons.practice.enums import RequestState
from xianfeng.lessons.practice.models import (
    LessonRequest,
    LessonRequestVote,
    RotaSlot,
    SpeakerRota,
)
from xianfeng.lessons.practice.rules import PRACTICE_ROLES
from xianfeng.orgs import paths
from xianfeng.orgs.enums import RoleKind
from xianfeng.orgs.models import Role, subtree_q
from xianfeng.orgs.selectors import role_root_paths
from xianfeng.people.selectors import member_of


def _member_reach_q(user: Any, field: str) -> Q:
    """Rows whose org is the person's own org or one above it (what a member takes part
    in), or inside a subtree where they hold an officer's role."""
    if getattr(user, "is_superuser", False):
        return Q()
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    query = Q(pk__in=[])
    member = member_of(user)
    if member is not None:
        query |= Q(**{f"{field}__in": paths.ancestor_paths(member.org.path)})
    roots = role_root_paths(user, PRACTICE_ROLES)
    if roots:
        query |= subtree_q(roots, field=field)
    return query


def requests_visible_to(user: Any) -> QuerySet[LessonRequest]:
    return LessonRequest.objects.filter(_member_reach_q(user, "org__path"))


def with_my_vote(user: Any, qs: QuerySet[LessonRequest]) -> QuerySet[LessonRequest]:
    """`seconded`: whether the person has seconded each request (one query for a list)."""
    if not getattr(user, "is_authenticated", False):
        return qs.annotate(seconded=Value(False, output_field=BooleanField()))
    return qs.annotate(
        seconded=Exists(LessonRequestVote.objects.filter(request=OuterRef("pk"), user_id=user.pk))
    )


def request_list(user: Any, *, state: str = RequestState.OPEN) -> QuerySet[LessonRequest]:
    """Requests in one state, most seconded first."""
    qs = requests_visible_to(user).filter(state=state)
    return with_my_vote(user, qs).select_related("org", "requested_by", "taken_by", "lesson")


def get_request_for_user(user: Any, pk: int) -> LessonRequest:
    found = (
        with_my_vote(user, requests_visible_to(user))
        .select_related("org", "requested_by", "taken_by", "lesson")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise Http404("找不到该点课")
    return found


def rotas_visible_to(user: Any) -> QuerySet[SpeakerRota]:
    """A branch's rotas: its members and the officers over it see them."""
    return SpeakerRota.objects.filter(_member_reach_q(user, "org__path"))


def get_rota_for_user(user: Any, pk: int) -> SpeakerRota:
    rota = rotas_visible_to(user).select_related("org").filter(pk=pk).first()
    if rota is None:
        raise Http404("找不到该轮番主讲安排")
    return rota


def rota_slots(rota: SpeakerRota) -> list[RotaSlot]:
    return list(
        RotaSlot.objects.filter(rota=rota)
        .select_related("speaker__user", "lecture", "swap_with__speaker__user")
        .order_by("starts_on", "id")
    )


def get_slot_for_user(user: Any, pk: int) -> RotaSlot:
    slot = (
        RotaSlot.objects.filter(rota__in=rotas_visible_to(user))
        .select_related("rota__org", "speaker__user", "lecture", "swap_with__speaker__user")
        .filter(pk=pk)
        .first()
    )
    if slot is None:
        raise Http404("找不到该主讲轮次")
    return slot


def my_slots(user: Any) -> QuerySet[RotaSlot]:
    """The person's own turns, soonest first."""
    if not getattr(user, "is_authenticated", False):
        return RotaSlot.objects.none()
    return (
        RotaSlot.objects.filter(speaker__user_id=user.pk)
        .select_related("rota__org", "lecture")
        .order_by("starts_on", "id")
    )


def secretaries_without_a_turn(rota: SpeakerRota) -> list[Any]:
    """领导班子讲党课: the branch's 书记 (a role at the rota's own org) who have no turn in
    any of the branch's rotas for the rota's year; the organiser is warned of them. One
    query."""
    turn = RotaSlot.objects.filter(
        rota__org_id=rota.org_id, rota__year=rota.year, speaker__user_id=OuterRef("user_id")
    )
    return [
        role.user
        for role in Role.objects.filter(org_id=rota.org_id, kind=RoleKind.SECRETARY)
        .annotate(has_turn=Exists(turn))
        .filter(has_turn=False, user__is_active=True)
        .select_related("user")
        .order_by("user__name", "user_id")
    ]
