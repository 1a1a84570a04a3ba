"""The year-round practice in the API: 点课 (requests and seconds), 轮番主讲 rotas, 展播
channels (the list, the curator's order) and 巡讲 tours, and a lesson's speakers. Each
operation calls the same selector as its page, so it answers the same 404 for the same
refusal (another town's member, anyone not signed in)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Query, Schema

from xianfeng.common.apitools import Id, errors
from xianfeng.common.images import private_image_response
from xianfeng.common.types import actor_of
from xianfeng.lessons.api._shared import router
from xianfeng.lessons.practice import channels, services, speakers
from xianfeng.lessons.practice.enums import RequestState
from xianfeng.lessons.practice.selectors import (
    get_request_for_user,
    get_rota_for_user,
    request_list,
    rota_slots,
    rotas_visible_to,
)
from xianfeng.lessons.practice.tours import get_tour_for_user, tour_stops, tours_visible_to
from xianfeng.lessons.selectors import (
    get_lesson_for_user,
    showcase_cover_for,
    showcase_released_q,
    showcases_visible_to,
)

# --- 点课 ----------------------------------------------------------------------------------


class RequestOut(Schema):
    id: int
    topic: str
    reason: str
    org: str
    state: str
    vote_count: int
    seconded: bool
    requested_by: str
    taken_by: str | None
    lesson_id: int | None
    created_at: datetime.datetime


class RequestQuery(Schema):
    state: RequestState = RequestState.OPEN


class SecondOut(Schema):
    counted: bool
    vote_count: int


def _request(r: Any) -> dict[str, Any]:
    return {
        "id": r.pk,
        "topic": r.topic,
        "reason": r.reason,
        "org": r.org.name,
        "state": r.state,
        "vote_count": r.vote_count,
        "seconded": bool(getattr(r, "seconded", False)),
        "requested_by": r.requested_by.name,
        "taken_by": r.taken_by.name if r.taken_by else None,
        "lesson_id": r.lesson_id,
        "created_at": r.created_at,
    }


@router.get("/requests", response=list[RequestOut], summary="点课：本人所在组织及上级的点课")
def requests(request: HttpRequest, query: Query[RequestQuery]) -> list[dict[str, Any]]:
    return [_request(r) for r in request_list(request.user, state=query.state)[:100]]


@router.get(
    "/requests/{int:request_id}", response={200: RequestOut, **errors(404)}, summary="一条点课"
)
def request_detail(request: HttpRequest, request_id: Id) -> dict[str, Any]:
    return _request(get_request_for_user(request.user, request_id))


@router.post(
    "/requests/{int:request_id}/second",
    response={200: SecondOut, **errors(400, 404)},
    summary="附议一条点课（每人一次，重复提交不重复计数）",
)
def request_second(request: HttpRequest, request_id: Id) -> dict[str, Any]:
    found = get_request_for_user(request.user, request_id)
    counted = services.lesson_request_second(actor=actor_of(request), request=found)
    found.refresh_from_db(fields=["vote_count"])
    return {"counted": counted, "vote_count": found.vote_count}


# --- 轮番主讲 ---------------------------------------------------------------------------------


class SlotOut(Schema):
    id: int
    speaker: str
    category: str
    starts_on: datetime.date
    ends_on: datetime.date
    topic: str
    status: str
    lecture_title: str | None


class RotaOut(Schema):
    id: int
    org: str
    year: int
    title: str


class RotaDetailOut(RotaOut):
    slots: list[SlotOut]


def _slot(s: Any, today: datetime.date) -> dict[str, Any]:
    return {
        "id": s.pk,
        "speaker": s.speaker.user.name,
        "category": s.category,
        "starts_on": s.starts_on,
        "ends_on": s.ends_on,
        "topic": s.topic,
        "status": s.status_on(today),
        "lecture_title": s.lecture.title if s.lecture else None,
    }


def _rota(rota: Any) -> dict[str, Any]:
    return {"id": rota.pk, "org": rota.org.name, "year": rota.year, "title": rota.title}


@router.get("/rotas", response=list[RotaOut], summary="轮番主讲安排（本支部及所管辖的）")
def rotas(request: HttpRequest) -> list[dict[str, Any]]:
    return [_rota(r) for r in rotas_visible_to(request.user).select_related("org")[:100]]


@router.get(
    "/rotas/{int:rota_id}", response={200: RotaDetailOut, **errors(404)}, summary="一份轮番主讲安排"
)
def rota(request: HttpRequest, rota_id: Id) -> dict[str, Any]:
    found = get_rota_for_user(request.user, rota_id)
    today = timezone.localdate()
    return {
        **_rota(found),
        "slots": [_slot(s, today) for s in rota_slots(found)],
    }


# --- 展播 ------------------------------------------------------------------------------------


class ShowcaseChannelOut(Schema):
    id: int
    title: str
    description: str
    org: str
    numbered: bool
    lesson_count: int
    starts_on: datetime.date | None
    ends_on: datetime.date | None
    cover_url: str | None
    cover_thumb_url: str | None


class ShowcaseOrderIn(Schema):
    lesson_ids: list[int]


class OrderOut(Schema):
    lesson_ids: list[int]


@router.get("/showcases", response=list[ShowcaseChannelOut], summary="展播频道（本人现在能看到的）")
def showcases(request: HttpRequest) -> list[dict[str, Any]]:
    found = (
        showcases_visible_to(request.user)
        .select_related("org")
        .annotate(n=Count("items", filter=showcase_released_q("items__")))
        .order_by("-created_at", "-id")[:100]
    )
    return [
        {
            "id": s.pk,
            "title": s.title,
            "description": s.description,
            "org": s.org.name,
            "numbered": s.numbered,
            "lesson_count": s.n,
            "starts_on": s.starts_on,
            "ends_on": s.ends_on,
            **_cover_urls(s),
        }
        for s in found
    ]


def _cover_urls(show: Any) -> dict[str, str | None]:
    if not show.cover:
        return {"cover_url": None, "cover_thumb_url": None}
    url = reverse("api:showcase_cover", args=[show.pk])
    return {"cover_url": url, "cover_thumb_url": f"{url}?size=thumb"}


@router.get(
    "/showcases/{int:showcase_id}/cover",
    url_name="showcase_cover",
    response={200: None, **errors(404)},
    summary="展播封面（size=thumb 为 360 像素缩略图；与展播同样的可见范围）",
    openapi_extra={
        "responses": {
            200: {
                "description": "JPEG",
                "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def showcase_cover(request: HttpRequest, showcase_id: Id, size: str = "") -> FileResponse:
    field = showcase_cover_for(request.user, showcase_id, thumb=size == "thumb")
    return private_image_response(field)


@router.put(
    "/showcases/{int:showcase_id}/order",
    response={200: OrderOut, **errors(403, 404)},
    summary="调整展播顺序（本组织的书记、宣传委员或管理员）",
)
def showcase_order(request: HttpRequest, showcase_id: Id, body: ShowcaseOrderIn) -> dict[str, Any]:
    show = showcases_visible_to(request.user).select_related("org").filter(pk=showcase_id).first()
    if show is None:
        raise Http404("找不到该展播")
    order = channels.showcase_reorder(
        actor=actor_of(request), showcase=show, lesson_ids=body.lesson_ids[:500]
    )
    return {"lesson_ids": order}


# --- 巡讲 ------------------------------------------------------------------------------------


class StopOut(Schema):
    id: int
    held_on: datetime.date
    venue: str
    host_org: str
    audience_size: int | None
    held: bool
    rating_count: int
    rating_average: float | None


class TourOut(Schema):
    id: int
    title: str
    org: str
    speaker: str
    lesson_id: int | None


class TourDetailOut(TourOut):
    stops: list[StopOut]


def _stop(s: Any) -> dict[str, Any]:
    return {
        "id": s.pk,
        "held_on": s.held_on,
        "venue": s.venue,
        "host_org": s.host_org.name,
        "audience_size": s.audience_size,
        "held": s.held_at is not None,
        "rating_count": s.rating_count,
        "rating_average": s.rating_average,
    }


def _tour(t: Any) -> dict[str, Any]:
    return {
        "id": t.pk,
        "title": t.title,
        "org": t.org.name,
        "speaker": t.speaker.user.name,
        "lesson_id": t.lesson_id,
    }


@router.get("/tours", response=list[TourOut], summary="巡讲（主办、承办的组织和主讲人可见）")
def tours(request: HttpRequest) -> list[dict[str, Any]]:
    found = tours_visible_to(request.user).select_related("org", "speaker__user")[:100]
    return [_tour(t) for t in found]


@router.get(
    "/tours/{int:tour_id}", response={200: TourDetailOut, **errors(404)}, summary="一次巡讲"
)
def tour(request: HttpRequest, tour_id: Id) -> dict[str, Any]:
    found = get_tour_for_user(request.user, tour_id)
    return {
        **_tour(found),
        "stops": [_stop(s) for s in tour_stops(found)],
    }


# --- 主讲人 ----------------------------------------------------------------------------------


class CoSpeakerOut(Schema):
    member_id: int
    name: str
    org: str
    category: str


class SpeakersOut(Schema):
    speaker: str
    category: str
    co_speakers: list[CoSpeakerOut]


@router.get(
    "/{int:lesson_id}/speakers",
    response={200: SpeakersOut, **errors(404)},
    summary="微党课的主讲人与联合主讲人（1+1）",
)
def lesson_speakers(request: HttpRequest, lesson_id: Id) -> dict[str, Any]:
    return _speakers(get_lesson_for_user(request.user, lesson_id))


def _speakers(lesson: Any) -> dict[str, Any]:
    return {
        "speaker": lesson.speaker_name,
        "category": lesson.speaker_category,
        "co_speakers": [
            {
                "member_id": s.member_id,
                "name": s.member.user.name,
                "org": s.member.org.name,
                "category": s.category,
            }
            for s in speakers.lesson_co_speakers(lesson)
        ],
    }
