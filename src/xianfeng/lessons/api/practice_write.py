"""Writes of the year-round practice in the API: asking for, seconding, taking, giving and
closing a 点课; creating and editing a rota and its turns; a lesson's co-speakers and their
order; tours, their stops, and the audience's opinions from a stop's QR code.

Each operation loads its object through the page's selector (a miss, another town's
object: 404), checks the same rule as the page (a member without it: 403) and calls the
same service. Creates are safe to send twice (a double tap): the second answers the first
one's row."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Schema, Status

from xianfeng.common.apitools import Id, Year, errors
from xianfeng.common.errors import Refused
from xianfeng.common.types import actor_of
from xianfeng.lessons.api._shared import router
from xianfeng.lessons.api.practice import (
    CoSpeakerOut,
    RequestOut,
    RotaDetailOut,
    SecondOut,
    SlotOut,
    SpeakersOut,
    StopOut,
    TourDetailOut,
    _request,
    _slot,
    _speakers,
    _stop,
    rota,
    tour,
)
from xianfeng.lessons.practice import services, speakers
from xianfeng.lessons.practice import tours as tour_services
from xianfeng.lessons.practice.enums import SpeakerCategory
from xianfeng.lessons.practice.models import RotaSlot, TourStop
from xianfeng.lessons.practice.rules import PRACTICE_ROLES, can_edit_rota, can_run_practice
from xianfeng.lessons.practice.selectors import (
    get_request_for_user,
    get_rota_for_user,
    get_slot_for_user,
)
from xianfeng.lessons.selectors import get_lesson_for_user, published_lessons_for
from xianfeng.orgs import paths
from xianfeng.orgs.models import Org
from xianfeng.orgs.selectors import orgs_managed_by, role_root_paths
from xianfeng.people.models import Member
from xianfeng.people.selectors import member_of, members_visible_to

__all__ = ["CoSpeakerOut"]

ROTA_DENIED = "只有本支部的书记、委员或上级管理员可以安排轮番主讲"
TOUR_DENIED = "只有组织的书记、委员或管理员可以安排巡讲"
SPEAKERS_DENIED = "只有创建人（发布前）或本组织的书记、宣传委员、管理员可以设置主讲人"

Done = TypeVar("Done")
Answer = TypeVar("Answer")


def _write(
    http: HttpRequest,
    service: Callable[..., Done],
    answer: Callable[[Done], Answer],
    /,
    **arguments: Any,
) -> Answer:
    """The block every write shares: the page's service run as the request's person on the
    object the endpoint loaded through the page's selector (the service validates, takes
    its own lock, so a double tap answers the first row, and audits), then the answer
    built from what the service returns, read again after the write."""
    return answer(service(actor=actor_of(http), **arguments))


def _org_in_reach(user: Any, code: str) -> Org:
    """An org the person runs, or one above their own org or their role's org (a 403
    from the rule then says why not); 404 for any other, so another town's codes cannot
    be probed."""
    org = orgs_managed_by(user, PRACTICE_ROLES).filter(code=code).first()
    if org is not None:
        return org
    member = member_of(user)
    bases = list(role_root_paths(user, PRACTICE_ROLES))
    if member is not None:
        bases.append(member.org.path)
    above = {p for base in bases for p in paths.ancestor_paths(base)}
    org = Org.objects.filter(code=code, path__in=above).first() if above else None
    if org is None:
        raise Http404("找不到该组织")
    return org


# --- 点课 ----------------------------------------------------------------------------------


class RequestIn(Schema):
    topic: str = Field(..., max_length=200, description="想听的课（一句话）")
    reason: str = Field("", max_length=2000, description="为什么想听")
    org: str = Field("", max_length=32, description="向哪个组织点课（组织代码）；空：本人所在组织")


class GiveIn(Schema):
    lesson_id: Id = Field(..., description="开讲的微党课（已发布）")


def _request_now(request: HttpRequest, request_id: int) -> dict[str, Any]:
    return _request(get_request_for_user(request.user, request_id))


@router.post(
    "/requests",
    response={201: RequestOut, **errors(400, 403)},
    summary="点课：向本人所在组织或上级组织点一个课题（重复提交得到同一条）",
)
def request_create(request: HttpRequest, body: RequestIn) -> Status[dict[str, Any]]:
    orgs = services.request_orgs(request.user)
    if not orgs:
        raise PermissionDenied("只有党员可以点课")
    org = orgs[0]
    if body.org:
        found = next((o for o in orgs if o.code == body.org), None)
        if found is None:
            raise Refused("只能向本人所在组织或上级组织点课", field="org")
        org = found
    return Status(
        201,
        _write(
            request,
            services.lesson_request_create,
            lambda created: _request_now(request, created.pk),
            org=org,
            topic=body.topic,
            reason=body.reason,
        ),
    )


@router.delete(
    "/requests/{int:request_id}/second",
    response={200: SecondOut, **errors(404)},
    summary="撤回附议",
)
def request_unsecond(request: HttpRequest, request_id: Id) -> dict[str, Any]:
    found = get_request_for_user(request.user, request_id)

    def answer(counted: bool) -> dict[str, Any]:
        found.refresh_from_db(fields=["vote_count"])
        return {"counted": counted, "vote_count": found.vote_count}

    return _write(request, services.lesson_request_unsecond, answer, request=found)


@router.post(
    "/requests/{int:request_id}/take",
    response={200: RequestOut, **errors(400, 404)},
    summary="认领（接受）一条点课：由本人来讲",
)
def request_take(request: HttpRequest, request_id: Id) -> dict[str, Any]:
    found = get_request_for_user(request.user, request_id)
    return _write(
        request,
        services.lesson_request_take,
        lambda _: _request_now(request, request_id),
        request=found,
    )


@router.post(
    "/requests/{int:request_id}/release",
    response={200: RequestOut, **errors(400, 403, 404)},
    summary="退回认领（认领人或书记），点课重新征集",
)
def request_release(request: HttpRequest, request_id: Id) -> dict[str, Any]:
    found = get_request_for_user(request.user, request_id)
    return _write(
        request,
        services.lesson_request_release,
        lambda _: _request_now(request, request_id),
        request=found,
    )


@router.post(
    "/requests/{int:request_id}/give",
    response={200: RequestOut, **errors(400, 403, 404)},
    summary="开讲：关联已发布的微党课，通知点课人和附议的同志",
)
def request_give(request: HttpRequest, request_id: Id, body: GiveIn) -> dict[str, Any]:
    found = get_request_for_user(request.user, request_id)
    lesson = published_lessons_for(request.user).filter(pk=body.lesson_id).first()
    if lesson is None:
        raise Refused("请选择一节已发布的微党课", field="lesson_id")
    return _write(
        request,
        services.lesson_request_give,
        lambda _: _request_now(request, request_id),
        request=found,
        lesson=lesson,
    )


@router.post(
    "/requests/{int:request_id}/close",
    response={200: RequestOut, **errors(400, 403, 404)},
    summary="关闭（谢绝）一条点课（点课人或书记）",
)
def request_close(request: HttpRequest, request_id: Id) -> dict[str, Any]:
    found = get_request_for_user(request.user, request_id)
    return _write(
        request,
        services.lesson_request_close,
        lambda _: _request_now(request, request_id),
        request=found,
    )


# --- 轮番主讲 ---------------------------------------------------------------------------------


class RotaIn(Schema):
    org: str = Field(..., max_length=32, description="党支部代码")
    year: Year
    title: str = Field("轮番主讲", max_length=60)


class RotaPatch(Schema):
    title: str = Field(..., max_length=60)


class SlotIn(Schema):
    speaker_id: Id = Field(..., description="主讲人（本支部党员的编号）")
    starts_on: datetime.date
    ends_on: datetime.date
    category: SpeakerCategory = SpeakerCategory.MEMBER
    topic: str = Field("", max_length=200)


class SlotPatch(Schema):
    starts_on: datetime.date | None = None
    ends_on: datetime.date | None = None
    category: SpeakerCategory | None = None
    topic: str | None = Field(None, max_length=200)


class SwapIn(Schema):
    other_id: Id = Field(..., description="希望对调的另一轮次")


@router.post(
    "/rotas",
    response={201: RotaDetailOut, **errors(400, 403, 404)},
    summary="新建轮番主讲安排（党支部、年度；同名的安排只有一份）",
)
def rota_create(request: HttpRequest, body: RotaIn) -> Status[dict[str, Any]]:
    org = _org_in_reach(request.user, body.org)
    return Status(
        201,
        _write(
            request,
            services.rota_create,
            lambda created: rota(request, created.pk),
            org=org,
            year=body.year,
            title=body.title,
        ),
    )


@router.patch(
    "/rotas/{int:rota_id}",
    response={200: RotaDetailOut, **errors(400, 403, 404)},
    summary="修改轮番主讲安排的名称",
)
def rota_update(request: HttpRequest, rota_id: Id, body: RotaPatch) -> dict[str, Any]:
    found = get_rota_for_user(request.user, rota_id)
    return _write(
        request,
        services.rota_rename,
        lambda _: rota(request, rota_id),
        rota=found,
        title=body.title,
    )


def _editable_rota(request: HttpRequest, rota_id: int) -> Any:
    found = get_rota_for_user(request.user, rota_id)
    if not can_edit_rota(request.user, found):
        raise PermissionDenied(ROTA_DENIED)
    return found


def _slot_of(request: HttpRequest, rota_id: int, slot_id: int) -> RotaSlot:
    slot = get_slot_for_user(request.user, slot_id)
    if slot.rota_id != rota_id:
        raise Http404("找不到该主讲轮次")
    return slot


def _slot_now(slot_id: int) -> dict[str, Any]:
    slot = RotaSlot.objects.select_related("speaker__user", "lecture").get(pk=slot_id)
    return _slot(slot, timezone.localdate())


@router.post(
    "/rotas/{int:rota_id}/slots",
    response={201: SlotOut, **errors(400, 403, 404)},
    summary="加一个主讲轮次（重复提交得到同一轮次）",
)
def rota_slot_add(request: HttpRequest, rota_id: Id, body: SlotIn) -> Status[dict[str, Any]]:
    found = _editable_rota(request, rota_id)
    speaker = Member.objects.filter(org=found.org, pk=body.speaker_id).first()
    if speaker is None:
        raise Refused("主讲人应为本支部党员", field="speaker_id")
    return Status(
        201,
        _write(
            request,
            services.rota_slot_add,
            lambda slot: _slot_now(slot.pk),
            rota=found,
            speaker=speaker,
            starts_on=body.starts_on,
            ends_on=body.ends_on,
            category=body.category,
            topic=body.topic,
        ),
    )


@router.patch(
    "/rotas/{int:rota_id}/slots/{int:slot_id}",
    response={200: SlotOut, **errors(400, 403, 404)},
    summary="修改主讲轮次的日期、类别或题目",
)
def rota_slot_update(
    request: HttpRequest, rota_id: Id, slot_id: Id, body: SlotPatch
) -> dict[str, Any]:
    slot = _slot_of(request, rota_id, slot_id)
    return _write(
        request,
        services.rota_slot_update,
        lambda _: _slot_now(slot.pk),
        slot=slot,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        category=body.category,
        topic=body.topic,
    )


@router.delete(
    "/rotas/{int:rota_id}/slots/{int:slot_id}",
    response={204: None, **errors(400, 403, 404)},
    summary="删除一个尚未讲过的主讲轮次",
)
def rota_slot_remove(request: HttpRequest, rota_id: Id, slot_id: Id) -> Status[None]:
    slot = _slot_of(request, rota_id, slot_id)
    return _write(request, services.rota_slot_remove, lambda _: Status(204, None), slot=slot)


@router.post(
    "/rotas/{int:rota_id}/slots/{int:slot_id}/swap",
    response={200: SlotOut, **errors(400, 403, 404)},
    summary="申请与同一安排中的另一轮次对调（本轮主讲人）",
)
def rota_slot_swap(request: HttpRequest, rota_id: Id, slot_id: Id, body: SwapIn) -> dict[str, Any]:
    slot = _slot_of(request, rota_id, slot_id)
    other = _slot_of(request, rota_id, body.other_id)
    return _write(
        request, services.rota_swap_propose, lambda _: _slot_now(slot.pk), slot=slot, other=other
    )


@router.post(
    "/rotas/{int:rota_id}/slots/{int:slot_id}/swap/accept",
    response={200: SlotOut, **errors(400, 403, 404)},
    summary="同意对调（被邀请的主讲人）",
)
def rota_slot_swap_accept(request: HttpRequest, rota_id: Id, slot_id: Id) -> dict[str, Any]:
    slot = _slot_of(request, rota_id, slot_id)
    return _write(request, services.rota_swap_accept, lambda _: _slot_now(slot.pk), slot=slot)


# --- 主讲人 ----------------------------------------------------------------------------------


class CoSpeakerIn(Schema):
    member_id: Id
    category: SpeakerCategory = SpeakerCategory.MEMBER


class CategoryIn(Schema):
    category: SpeakerCategory


class SpeakerOrderIn(Schema):
    member_ids: list[Id] = Field(..., max_length=speakers.MAX_CO_SPEAKERS)


def _speakers_editable(request: HttpRequest, lesson_id: int) -> Any:
    lesson = get_lesson_for_user(request.user, lesson_id)
    if not speakers.can_edit_speakers(request.user, lesson):
        raise PermissionDenied(SPEAKERS_DENIED)
    return lesson


@router.post(
    "/{int:lesson_id}/speakers",
    response={200: SpeakersOut, **errors(400, 403, 404)},
    summary="添加联合主讲人（本镇党员；再次添加只改类别）",
)
def lesson_speaker_add(request: HttpRequest, lesson_id: Id, body: CoSpeakerIn) -> dict[str, Any]:
    lesson = _speakers_editable(request, lesson_id)
    scope = speakers.co_speaker_scope(lesson)
    member = (
        speakers.co_speaker_candidates(lesson, scope, "", exclude_taken=False)
        .filter(pk=body.member_id)
        .first()
    )
    if member is None:
        raise Refused(f"联合主讲人应为{scope.name}的党员", field="member_id")
    return _write(
        request,
        speakers.lesson_speaker_add,
        lambda _: _speakers(lesson),
        lesson=lesson,
        member=member,
        category=body.category,
    )


@router.delete(
    "/{int:lesson_id}/speakers/{int:member_id}",
    response={200: SpeakersOut, **errors(403, 404)},
    summary="移除联合主讲人",
)
def lesson_speaker_remove(request: HttpRequest, lesson_id: Id, member_id: Id) -> dict[str, Any]:
    lesson = _speakers_editable(request, lesson_id)

    def answer(removed: bool) -> dict[str, Any]:
        if not removed:
            raise Http404("这位党员不是本课的联合主讲人")
        return _speakers(lesson)

    return _write(
        request, speakers.lesson_speaker_remove, answer, lesson=lesson, member_id=member_id
    )


@router.put(
    "/{int:lesson_id}/speakers/order",
    response={200: SpeakersOut, **errors(400, 403, 404)},
    summary="调整联合主讲人的顺序（完整的党员编号列表）",
)
def lesson_speakers_order(
    request: HttpRequest, lesson_id: Id, body: SpeakerOrderIn
) -> dict[str, Any]:
    lesson = _speakers_editable(request, lesson_id)
    return _write(
        request,
        speakers.lesson_speakers_reorder,
        lambda _: _speakers(lesson),
        lesson=lesson,
        member_ids=body.member_ids,
    )


@router.put(
    "/{int:lesson_id}/speakers/category",
    response={200: SpeakersOut, **errors(400, 403, 404)},
    summary="设置主讲人类别",
)
def lesson_speaker_category(
    request: HttpRequest, lesson_id: Id, body: CategoryIn
) -> dict[str, Any]:
    lesson = _speakers_editable(request, lesson_id)
    return _write(
        request,
        speakers.lesson_speaker_category,
        lambda _: _speakers(lesson),
        lesson=lesson,
        category=body.category,
    )


# --- 巡讲 ------------------------------------------------------------------------------------


class TourIn(Schema):
    org: str = Field(..., max_length=32, description="主办组织代码")
    title: str = Field(..., max_length=80)
    speaker_id: Id = Field(..., description="主讲人（党员编号）")
    lesson_id: Id | None = Field(None, description="所讲微党课（已发布，可不填）")


class StopIn(Schema):
    held_on: datetime.date
    venue: str = Field(..., max_length=100)
    host_org: str = Field(..., max_length=32, description="承办组织代码")


class HeldIn(Schema):
    audience_size: int = Field(..., ge=1, le=100000)


class OpinionIn(Schema):
    rating: int = Field(..., ge=1, le=5)
    opinion: str = Field("", max_length=tour_services.OPINION_MAX_CHARS)


class OpinionOut(Schema):
    created: bool = Field(..., description="false：本人已评价过这一场（以第一次为准）")
    rating: int
    opinion: str
    status: str = Field(..., description="visible；held：含敏感词，待审核后才给主讲人看")


class OpinionRow(Schema):
    rating: int
    opinion: str
    created_at: datetime.datetime


@router.post(
    "/tours",
    response={201: TourDetailOut, **errors(400, 403, 404)},
    summary="新建巡讲（重复提交得到同一次巡讲）",
)
def tour_create(request: HttpRequest, body: TourIn) -> Status[dict[str, Any]]:
    org = _org_in_reach(request.user, body.org)
    if not can_run_practice(request.user, org):
        raise PermissionDenied(TOUR_DENIED)
    speaker = members_visible_to(request.user).filter(pk=body.speaker_id).first()
    if speaker is None:
        raise Refused("找不到该党员", field="speaker_id")
    lesson = None
    if body.lesson_id is not None:
        lesson = published_lessons_for(request.user).filter(pk=body.lesson_id).first()
        if lesson is None:
            raise Refused("找不到该微党课", field="lesson_id")
    return Status(
        201,
        _write(
            request,
            tour_services.tour_create,
            lambda created: tour(request, created.pk),
            org=org,
            title=body.title,
            speaker=speaker,
            lesson=lesson,
        ),
    )


def _stop_of(request: HttpRequest, tour_id: int, stop_id: int) -> TourStop:
    found = tour_services.get_tour_for_user(request.user, tour_id)
    stop = next((s for s in tour_services.tour_stops(found) if s.pk == stop_id), None)
    if stop is None:
        raise Http404("找不到该巡讲场次")
    stop.tour = found
    return stop


@router.post(
    "/tours/{int:tour_id}/stops",
    response={201: StopOut, **errors(400, 403, 404)},
    summary="加一个巡讲场次（同一天同一地点只有一场）",
)
def tour_stop_add(request: HttpRequest, tour_id: Id, body: StopIn) -> Status[dict[str, Any]]:
    found = tour_services.get_tour_for_user(request.user, tour_id)
    if not can_run_practice(request.user, found.org):
        raise PermissionDenied("只有主办组织可以安排巡讲场次")
    host = orgs_managed_by(request.user, PRACTICE_ROLES).filter(code=body.host_org).first()
    if host is None:
        raise Refused("找不到该承办组织", field="host_org")
    return Status(
        201,
        _write(
            request,
            tour_services.tour_stop_add,
            lambda stop: _stop(TourStop.objects.select_related("host_org").get(pk=stop.pk)),
            tour=found,
            held_on=body.held_on,
            venue=body.venue,
            host_org=host,
        ),
    )


@router.post(
    "/tours/{int:tour_id}/stops/{int:stop_id}/held",
    response={200: StopOut, **errors(400, 403, 404)},
    summary="确认场次已举办并记录听众人数（计入主讲人的讲课记录）",
)
def tour_stop_held(request: HttpRequest, tour_id: Id, stop_id: Id, body: HeldIn) -> dict[str, Any]:
    stop = _stop_of(request, tour_id, stop_id)
    return _write(
        request, tour_services.tour_stop_held, _stop, stop=stop, audience_size=body.audience_size
    )


@router.get(
    "/tours/{int:tour_id}/stops/{int:stop_id}/opinions",
    response={200: list[OpinionRow], **errors(403, 404)},
    summary="一个场次听众的评价（主讲人和主办组织可见）",
)
def tour_stop_opinions(request: HttpRequest, tour_id: Id, stop_id: Id) -> list[dict[str, Any]]:
    stop = _stop_of(request, tour_id, stop_id)
    if not tour_services.may_read_feedback(request.user, stop.tour):
        raise PermissionDenied("只有主讲人和主办组织可以查看听众评价")
    rows = tour_services.stop_feedback(stop.tour).get(stop.pk, [])
    return [{"rating": f.rating, "opinion": f.opinion, "created_at": f.created_at} for f in rows]


@router.post(
    "/tours/feedback/{key}",
    response={200: OpinionOut, **errors(400, 404)},
    summary="听众评价一个巡讲场次（扫场次二维码得到 key；每人一次）",
)
def tour_feedback(request: HttpRequest, key: str, body: OpinionIn) -> dict[str, Any]:
    if len(key) > 24:
        raise Http404("找不到该巡讲场次")
    stop = tour_services.get_stop_by_key(key)
    fb, created = tour_services.tour_feedback_give(
        stop=stop, voter_key="", rating=body.rating, opinion=body.opinion, user=request.user
    )
    return {"created": created, "rating": fb.rating, "opinion": fb.opinion, "status": fb.status}
