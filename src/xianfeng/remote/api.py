"""远程教育 API: the paired device's heartbeat, day and plans (bearer device token: its own
site only); plans, viewings, sign-in, feedback and menu orders for people (the same
selectors and services as the pages, the same refusals)."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Schema
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer
from pydantic import AfterValidator

from xianfeng.common import screens
from xianfeng.common.apitools import ApiRouter, Id, errors
from xianfeng.common.types import actor_of
from xianfeng.people.apiauth import bearer_key
from xianfeng.remote import selectors, services
from xianfeng.remote import tv as tv_selectors
from xianfeng.remote.models import MenuOrder

router = ApiRouter(tags=["远程教育"])


class DeviceAuth(HttpBearer):
    """`Authorization: Bearer <device token>` from pairing or `remote_device_token`; a
    person's token is no device token (401)."""

    openapi_scheme = "bearer"

    def __init__(self, *, touch: bool = True) -> None:
        super().__init__()
        self.touch = touch

    def __call__(self, request: HttpRequest) -> Any:
        key = bearer_key(request)
        try:
            device = services.device_for_key(key or "", touch=self.touch)
        except services.DeviceRefused as exc:
            raise AuthenticationError(401, exc.message) from exc
        request.device = device  # type: ignore[attr-defined]
        return device

    def authenticate(self, request: HttpRequest, token: str) -> Any:  # pragma: no cover
        return self(request)


DEVICE_AUTH = DeviceAuth()
# The heartbeat writes the device's last-seen time in its own statement.
BEAT_AUTH = DeviceAuth(touch=False)


def _with_offset(value: datetime.datetime | None) -> datetime.datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValueError("时间须带时区偏移，例如 2026-12-01T19:05:00+08:00")
    return value


class BeatIn(Schema):
    at: Annotated[datetime.datetime | None, AfterValidator(_with_offset)] = Field(
        None, description="心跳时间（ISO 8601，带时区偏移）；缺省为服务器当前时间"
    )


class BeatOut(Schema):
    accepted: bool
    site: str = Field(..., description="站点编码")
    day: datetime.date = Field(..., description="计入的日期（本地时间）")
    slot: int = Field(..., description="当日第几个 5 分钟时段（0–287）")
    slots_today: int = Field(..., description="当日已有心跳的时段数")


@router.post(
    "/heartbeat",
    response={200: BeatOut, **errors(400)},
    auth=BEAT_AUTH,
    summary="终端心跳（设备令牌）",
    url_name="remote_heartbeat",
)
def heartbeat(request: HttpRequest, body: BeatIn | None = None) -> Any:
    device = request.device  # type: ignore[attr-defined]
    result = services.heartbeat_record(device=device, at=body.at if body else None)
    return {
        "accepted": True,
        "site": device.site.code,
        "day": result.day,
        "slot": result.slot,
        "slots_today": result.slots_today,
    }


class TvLessonOut(Schema):
    id: int
    title: str
    duration: float | None
    hls: str = Field(..., description="HLS 播放地址（签名，限时）")
    mp4: str
    poster: str


class TvViewingOut(Schema):
    id: int
    title: str
    place: str
    starts_at: datetime.datetime
    state: str
    qr: str = Field(..., description="进行中：签到二维码；已结束：反馈二维码（data: URI）")
    qr_label: str
    lessons: list[TvLessonOut]


class TvPlanOut(Schema):
    id: int
    title: str
    ends_on: datetime.date
    lessons: list[TvLessonOut]


class TvSiteOut(Schema):
    code: str
    name: str
    kind: str


class TvMenuItemOut(Schema):
    title: str
    pitch: str
    starts_at: datetime.datetime | None = Field(..., description="已排入菜单的收看时间（本地时间）")
    lesson: TvLessonOut


class TvMenuOut(Schema):
    week: datetime.date = Field(..., description="本周周一")
    fixed: bool = Field(..., description="站点管理员是否已确定本周菜单")
    items: list[TvMenuItemOut]
    qr: str | None = Field(..., description="未确定菜单时：手机扫码点单的二维码（data: URI）")


class TvScreenItemOut(Schema):
    kind: str = Field(..., description="大屏内容的种类，例如 study.room（现场竞答）")
    id: int
    title: str
    subtitle: str


class TvHomeOut(Schema):
    site: TvSiteOut
    now: datetime.datetime
    menu: TvMenuOut = Field(..., description="本周点菜式学习菜单")
    plans: list[TvPlanOut] = Field(..., description="本站点今天在期的收看计划")
    viewings: list[TvViewingOut] = Field(..., description="今天和进行中的组织收看")
    screens: list[TvScreenItemOut] = Field(
        ..., description="本站点所属组织可在大屏上主持的内容（如进行中的现场竞答）"
    )


@router.get(
    "/tv",
    response=TvHomeOut,
    auth=DEVICE_AUTH,
    summary="终端首页：本站点今天的收看与课件（设备令牌）",
    url_name="remote_tv_home",
)
def tv_home(request: HttpRequest) -> Any:
    device = request.device  # type: ignore[attr-defined]
    return tv_selectors.tv_home(device.site, absolute=request.build_absolute_uri)


# --- the loop and the menu for people (session or personal token) ---------------------------


class PlanOut(Schema):
    id: int
    title: str
    org: str = Field(..., description="发布组织")
    starts_on: datetime.date
    ends_on: datetime.date
    audience: str
    state: str
    previous: int | None = Field(..., description="上一期计划")


def _plan(plan: Any) -> dict[str, Any]:
    return {
        "id": plan.pk,
        "title": plan.title,
        "org": plan.org.name,
        "starts_on": plan.starts_on,
        "ends_on": plan.ends_on,
        "audience": plan.audience,
        "state": plan.state,
        "previous": plan.previous_id,
    }


@router.get("/plans", response=list[PlanOut], summary="我能看到的收看计划（最近 100 个）")
def plans(request: HttpRequest) -> Any:
    rows = (
        selectors.plans_visible_to(actor_of(request))
        .select_related("org")
        .order_by("-starts_on", "-pk")[:100]
    )
    return [_plan(p) for p in rows]


@router.get("/plans/{int:plan_id}", response={200: PlanOut, **errors(404)}, summary="一个收看计划")
def plan(request: HttpRequest, plan_id: Id) -> Any:
    return _plan(selectors.get_plan_for_user(actor_of(request), plan_id))


class ViewingOut(Schema):
    id: int
    site: str = Field(..., description="站点编码")
    title: str
    place: str
    audience: str
    starts_at: datetime.datetime
    state: str
    plan: int | None
    attendance: int = Field(..., description="签到人数")
    residents: int = Field(..., description="另计的群众人数")


def _viewing(viewing: Any) -> dict[str, Any]:
    return {
        "id": viewing.pk,
        "site": viewing.site.code,
        "title": viewing.title,
        "place": viewing.place,
        "audience": viewing.audience,
        "starts_at": viewing.starts_at,
        "state": viewing.state,
        "plan": viewing.plan_id,
        "attendance": viewing.attendance.count(),
        "residents": viewing.residents,
    }


@router.get(
    "/viewings/{int:viewing_id}",
    response={200: ViewingOut, **errors(404)},
    summary="一次组织收看（站点管理员、组织管理员和本支部委员可见）",
)
def viewing(request: HttpRequest, viewing_id: Id) -> Any:
    return _viewing(selectors.get_viewing_for_user(actor_of(request), viewing_id))


class CheckinIn(Schema):
    token: str = Field(..., max_length=200, description="签到二维码中的令牌")


class CheckinOut(Schema):
    viewing: int
    title: str
    how: str


@router.post(
    "/checkin",
    response={200: CheckinOut, **errors(400)},
    summary="扫码签到（二维码每 30 秒更新）",
)
def checkin(request: HttpRequest, body: CheckinIn) -> Any:
    attendance = services.viewing_checkin(user=actor_of(request), token=body.token)
    return {
        "viewing": attendance.viewing_id,
        "title": attendance.viewing.title,
        "how": attendance.how,
    }


class FeedbackIn(Schema):
    rating: int = Field(..., ge=1, le=5)
    comment: str = Field("", max_length=2000)
    wanted: str = Field("", description="想看的内容（课件类别代码，可空）")


class FeedbackOut(Schema):
    viewing: int
    rating: int
    comment: str
    wanted: str


@router.post(
    "/viewings/{int:viewing_id}/feedback",
    response={200: FeedbackOut, **errors(400, 404)},
    summary="对参加过的收看评分和提意见（再次提交即修改）",
)
def feedback(request: HttpRequest, viewing_id: Id, body: FeedbackIn) -> Any:
    user = actor_of(request)
    attended = selectors.get_attended_viewing(user, viewing_id)
    given = services.feedback_give(
        user=user, viewing=attended, rating=body.rating, comment=body.comment, wanted=body.wanted
    )
    return {
        "viewing": attended.pk,
        "rating": given.rating,
        "comment": given.comment,
        "wanted": given.wanted,
    }


class MenuQuery(Schema):
    week: datetime.date | None = Field(None, description="该周任一天；缺省为本周")


class MenuOfferOut(Schema):
    id: int
    week: datetime.date
    title: str
    pitch: str
    lesson: int
    by: str = Field(..., description="发布的站点或组织")
    deadline: datetime.datetime
    open: bool = Field(..., description="是否仍可点单")
    my_order: str | None = Field(..., description="我点单时选的人群（未点为 null）")


def _offers_out(user: Any, offers: list[Any]) -> list[dict[str, Any]]:
    mine = dict(
        MenuOrder.objects.filter(user=user, offer__in=[o.pk for o in offers]).values_list(
            "offer_id", "audience"
        )
    )
    now = timezone.now()
    return [
        {
            "id": o.pk,
            "week": o.week,
            "title": o.lesson.title,
            "pitch": o.pitch,
            "lesson": o.lesson_id,
            "by": o.site.name if o.site is not None else o.org.name,
            "deadline": o.deadline,
            "open": now < o.deadline,
            "my_order": mine.get(o.pk),
        }
        for o in offers
    ]


@router.get("/menu", response=list[MenuOfferOut], summary="本社区某周的点单课件和我的点单")
def menu(request: HttpRequest, params: Query[MenuQuery]) -> Any:
    user = actor_of(request)
    week = services.week_of(params.week or timezone.localdate())
    offers = list(
        selectors.menu_offers_for_person(user, week)
        .select_related("lesson", "site", "org")
        .order_by("deadline", "pk")
    )
    return _offers_out(user, offers)


class OrderIn(Schema):
    audience: str = Field("all", description="我属于的人群（老年人 elderly、农村妇女 women …）")


@router.post(
    "/menu/offers/{int:offer_id}/order",
    response={200: MenuOfferOut, **errors(400, 404)},
    summary="点单或修改点单（截止前）",
)
def order(request: HttpRequest, offer_id: Id, body: OrderIn) -> Any:
    user = actor_of(request)
    offer = selectors.get_menu_offer_for_person(user, offer_id)
    services.menu_order_set(user=user, offer=offer, audience=body.audience)
    return _offers_out(user, [offer])[0]


@router.delete(
    "/menu/offers/{int:offer_id}/order",
    response={200: MenuOfferOut, **errors(400, 404)},
    summary="取消点单（截止前）",
)
def order_cancel(request: HttpRequest, offer_id: Id) -> Any:
    user = actor_of(request)
    offer = selectors.get_menu_offer_for_person(user, offer_id)
    services.menu_order_cancel(user=user, offer=offer)
    return _offers_out(user, [offer])[0]


# --- what the TV may read beyond its day ------------------------------------------------------


@router.get(
    "/tv/plans/{int:plan_id}",
    response={200: TvPlanOut, **errors(404)},
    auth=DEVICE_AUTH,
    summary="本站点的一个已发布收看计划及其课件（设备令牌；别的站点的计划 404）",
)
def tv_plan(request: HttpRequest, plan_id: Id) -> Any:
    device = request.device  # type: ignore[attr-defined]
    return tv_selectors.tv_plan(device.site, plan_id)


# --- shows on the big screen (common/screens.py: a 现场竞答 run with the remote) -----------

ScreenKind = Annotated[str, Field(pattern=r"^[a-z]+\.[a-z]+$", max_length=40)]


class TvScreenStepIn(Schema):
    step: str = Field(
        ..., max_length=40, description="按确定键时屏幕上显示的步骤（状态.题号，如 asking.2）"
    )


@router.get(
    "/tv/screens/{kind}/{int:item_id}",
    response={200: dict[str, Any], **errors(404)},
    auth=DEVICE_AUTH,
    summary="大屏内容的当前画面（现场竞答：题目、倒计时、作答人数、公布后的答案、排行榜；设备令牌，仅本站点所属组织的）",
    url_name="remote_tv_screen",
)
def tv_screen(request: HttpRequest, kind: ScreenKind, item_id: Id) -> Any:
    device = request.device  # type: ignore[attr-defined]
    return screens.show(kind).state(device.site.org, item_id)


@router.post(
    "/tv/screens/{kind}/{int:item_id}/advance",
    response={200: dict[str, Any], **errors(400, 404)},
    auth=DEVICE_AUTH,
    summary="遥控器确定键：出题、公布答案、下一题或结束（同一步按两次只走一步）",
    url_name="remote_tv_screen_advance",
)
def tv_screen_advance(
    request: HttpRequest, kind: ScreenKind, item_id: Id, body: TvScreenStepIn
) -> Any:
    device = request.device  # type: ignore[attr-defined]
    label = f"{device.site.name}（{device.label}）"
    return screens.show(kind).advance(device.site.org, item_id, body.step, label)
