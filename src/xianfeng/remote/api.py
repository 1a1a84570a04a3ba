"""远程教育 API: the paired device's heartbeat (bearer device token) and the sites a person
may see."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Schema
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer
from pydantic import AfterValidator

from xianfeng.common.apitools import ApiRouter, errors
from xianfeng.people.apiauth import bearer_key
from xianfeng.remote import services
from xianfeng.remote import tv as tv_selectors

router = ApiRouter(tags=["远程教育"])


class DeviceAuth(HttpBearer):
    """`Authorization: Bearer <device token>` from pairing or `remote_device_token`; a
    person's token is no device token (401)."""

    openapi_scheme = "bearer"

    def __call__(self, request: HttpRequest) -> Any:
        key = bearer_key(request)
        try:
            device = services.device_for_key(key or "")
        except services.DeviceRefused as exc:
            raise AuthenticationError(401, exc.message) from exc
        request.device = device  # type: ignore[attr-defined]
        return device

    def authenticate(self, request: HttpRequest, token: str) -> Any:  # pragma: no cover
        return self(request)


DEVICE_AUTH = DeviceAuth()


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
    auth=DEVICE_AUTH,
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


class TvHomeOut(Schema):
    site: TvSiteOut
    now: datetime.datetime
    menu: TvMenuOut = Field(..., description="本周点菜式学习菜单")
    plans: list[TvPlanOut] = Field(..., description="本站点今天在期的收看计划")
    viewings: list[TvViewingOut] = Field(..., description="今天和进行中的组织收看")


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
