"""远程教育 API: the paired device's heartbeat, day and plans (bearer device token: its own
site only); plans, viewings, sign-in, feedback and menu orders for people (the same
selectors and services as the pages, the same refusals)."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Query, Schema, Status
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer
from pydantic import AfterValidator

from xianfeng.common import screens
from xianfeng.common.apitools import ApiRouter, Id, errors
from xianfeng.common.errors import Refused
from xianfeng.common.types import actor_of
from xianfeng.people.apiauth import bearer_key
from xianfeng.remote import selectors, services
from xianfeng.remote import tv as tv_selectors
from xianfeng.remote.enums import PackState
from xianfeng.remote.models import MenuOrder, ViewingAttendance

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


class BeatKey(HttpBearer):
    """The heartbeat's bearer device token, looked up with the beat itself (one statement
    on PostgreSQL: services.heartbeat_for_key); only a missing token is refused here."""

    openapi_scheme = "bearer"

    def __call__(self, request: HttpRequest) -> Any:
        key = bearer_key(request)
        if not key:
            raise AuthenticationError(401, "缺少设备令牌")
        return key

    def authenticate(self, request: HttpRequest, token: str) -> Any:  # pragma: no cover
        return self(request)


BEAT_AUTH = BeatKey()


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
    try:
        code, result = services.heartbeat_for_key(
            key=request.auth,  # type: ignore[attr-defined]
            at=body.at if body else None,
        )
    except services.DeviceRefused as exc:
        raise AuthenticationError(401, exc.message) from exc
    return {
        "accepted": True,
        "site": code,
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


class TvRosterOut(Schema):
    id: int = Field(..., description="党员 id（点名时上传）")
    name: str
    signed: bool = Field(..., description="是否已签到（扫码或代签）")


class TvViewingOut(Schema):
    id: int
    title: str
    place: str
    starts_at: datetime.datetime
    state: str
    qr: str = Field(..., description="进行中：签到二维码；已结束：反馈二维码（data: URI）")
    qr_label: str
    lessons: list[TvLessonOut]
    roster: list[TvRosterOut] = Field(
        ...,
        description="进行中：可在电视上点名（代签）的本站点党员；已结束、入户终端为空",
    )
    household: list[TvRosterOut] = Field(
        ...,
        description="入户终端、进行中：登记的家庭成员及是否已在本人手机上确认（不能代签）；"
        "其他站点为空",
    )


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


class TvChannelCard(Schema):
    id: int
    title: str
    description: str
    count: int = Field(..., description="本站点可播放的已上线课程数")


class TvChannelLessonOut(TvLessonOut):
    issue_no: int | None = Field(..., description="按期编号的展播：第 N 期")


class TvChannelOut(Schema):
    id: int
    title: str
    description: str
    lessons: list[TvChannelLessonOut] = Field(..., description="可播放的课程，按展播顺序")


class TvScreenItemOut(Schema):
    kind: str = Field(..., description="大屏内容的种类，例如 study.room（现场竞答）")
    id: int
    title: str
    subtitle: str


class TvHouseholdJoinOut(Schema):
    qr: str = Field(..., description="家庭成员扫码加入的二维码（data: URI，每 10 分钟更换）")
    code: str = Field(..., description="站点编码：也可在手机“我家终端”页输入")
    label: str
    hint: str
    empty: bool = Field(..., description="本户还没有登记家庭成员")


class TvHomeOut(Schema):
    site: TvSiteOut
    join: TvHouseholdJoinOut | None = Field(
        ..., description="入户终端：家庭成员申请加入本户的二维码和站点编码；其他站点为空"
    )
    now: datetime.datetime
    menu: TvMenuOut = Field(..., description="本周点菜式学习菜单")
    channels: list[TvChannelCard] = Field(
        ..., description="在期、范围包含本站点所属组织的展播（最多 20 个）"
    )
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


class RollCallIn(Schema):
    viewing: Id
    member: Id = Field(..., description="党员 id（见终端首页 viewings[].roster）")
    at: Annotated[datetime.datetime | None, AfterValidator(_with_offset)] = Field(
        None, description="点名时间（ISO 8601，带时区偏移）；离线暂存后补报时为当时的时间"
    )


class RollCallOut(Schema):
    viewing: int
    member: int
    created: bool = Field(..., description="本次是否新增签到（重复上传为 false，只计一次）")
    attendance: int = Field(..., description="本次收看的签到人数")


@router.post(
    "/tv/roll-calls",
    response={200: RollCallOut, **errors(400, 404)},
    auth=DEVICE_AUTH,
    summary="终端点名（代签；设备令牌；离线暂存的点名恢复网络后补报，重复上传只计一次）",
    url_name="remote_tv_roll_call",
)
def tv_roll_call(request: HttpRequest, body: RollCallIn) -> Any:
    device = request.device  # type: ignore[attr-defined]
    viewing = tv_selectors.tv_viewing(device.site, body.viewing)
    done = services.viewing_tv_roll_call(
        device=device, viewing=viewing, member_id=body.member, at=body.at
    )
    return {
        "viewing": viewing.pk,
        "member": body.member,
        "created": done.created,
        "attendance": done.count,
    }


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


def _viewing(viewing: Any, *, attendance: int | None = None) -> dict[str, Any]:
    return {
        "id": viewing.pk,
        "site": viewing.site.code,
        "title": viewing.title,
        "place": viewing.place,
        "audience": viewing.audience,
        "starts_at": viewing.starts_at,
        "state": viewing.state,
        "plan": viewing.plan_id,
        "attendance": viewing.attendance.count() if attendance is None else attendance,
        "residents": viewing.residents,
    }


@router.get(
    "/viewings/{int:viewing_id}",
    response={200: ViewingOut, **errors(404)},
    summary="一次组织收看（站点管理员、组织管理员和本支部委员可见）",
)
def viewing(request: HttpRequest, viewing_id: Id) -> Any:
    return _viewing(selectors.get_viewing_for_user(actor_of(request), viewing_id))


class ViewingCheckinIn(Schema):
    token: str = Field(..., max_length=200, description="签到二维码中的令牌")


class ViewingCheckinOut(Schema):
    viewing: int
    title: str
    how: str


@router.post(
    "/checkin",
    response={200: ViewingCheckinOut, **errors(400)},
    summary="扫码签到（二维码每 30 秒更新）",
)
def checkin(request: HttpRequest, body: ViewingCheckinIn) -> Any:
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


class MenuOrderIn(Schema):
    audience: str = Field("all", description="我属于的人群（老年人 elderly、农村妇女 women …）")


@router.post(
    "/menu/offers/{int:offer_id}/order",
    response={200: MenuOfferOut, **errors(400, 404)},
    summary="点单或修改点单（截止前）",
)
def order(request: HttpRequest, offer_id: Id, body: MenuOrderIn) -> Any:
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


@router.get(
    "/tv/channels/{int:showcase_id}",
    response={200: TvChannelOut, **errors(404)},
    auth=DEVICE_AUTH,
    summary="一个展播的课程，供终端连续播放（设备令牌；范围不含本站点的展播 404）",
)
def tv_channel(request: HttpRequest, showcase_id: Id) -> Any:
    device = request.device  # type: ignore[attr-defined]
    return tv_selectors.tv_channel(device.site, showcase_id)


# --- offline packs (离线包): the same services and selectors as the pack pages ---------------

BINARY = {"type": "string", "format": "binary"}


class PackOut(Schema):
    id: int
    site: str = Field(..., description="站点编码")
    plan: int | None = Field(..., description="收看计划（按计划生成时）")
    week: datetime.date | None = Field(..., description="菜单周的周一（按菜单生成时）")
    state: str = Field(..., description="queued 排队中 / building 生成中 / ready 可下载 / failed")
    progress: int = Field(..., description="进度（%）")
    failure_reason: str
    size: int = Field(..., description="压缩包大小（字节），生成前为 0")
    created_at: datetime.datetime
    ready_at: datetime.datetime | None
    download: str | None = Field(..., description="可下载时：下载地址（本接口，需登录或令牌）")


class PackSlotOut(Schema):
    number: int
    lesson: str = Field(..., description="课件标题")
    starts_at: datetime.datetime | None = Field(..., description="菜单安排的收看时间")
    code: str = Field(..., description="签到表上的录入码")
    viewing: int | None = Field(..., description="录入后成为的组织收看")
    recorded_at: datetime.datetime | None
    attendance: int = Field(..., description="已录入的签到人数")
    residents: int = Field(..., description="已录入的群众人数")


class PackDetailOut(PackOut):
    slots: list[PackSlotOut]


def _pack(request: HttpRequest, pack: Any) -> dict[str, Any]:
    ready = pack.state == PackState.READY and bool(pack.file.name)
    return {
        "id": pack.pk,
        "site": pack.site.code,
        "plan": pack.plan_id,
        "week": pack.week,
        "state": pack.state,
        "progress": pack.progress,
        "failure_reason": pack.failure_reason,
        "size": pack.size,
        "created_at": pack.created_at,
        "ready_at": pack.ready_at,
        "download": reverse("api:remote_offline_download", args=[pack.pk]) if ready else None,
    }


def _pack_detail(request: HttpRequest, pack: Any) -> dict[str, Any]:
    slots = list(pack.slots.select_related("lesson", "viewing").order_by("number"))
    counted: dict[int, int] = dict(
        ViewingAttendance.objects.filter(
            viewing_id__in=[s.viewing_id for s in slots if s.viewing_id]
        )
        .values_list("viewing_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {
        **_pack(request, pack),
        "slots": [
            {
                "number": s.number,
                "lesson": s.lesson.title,
                "starts_at": s.starts_at,
                "code": s.code,
                "viewing": s.viewing_id,
                "recorded_at": s.recorded_at,
                "attendance": counted.get(s.viewing_id or 0, 0),
                "residents": s.viewing.residents if s.viewing is not None else 0,
            }
            for s in slots
        ],
    }


@router.get(
    "/sites/{code}/offline-packs",
    response={200: list[PackOut], **errors(404)},
    summary="一个站点的离线包（最近 50 个；站点管理员和计划发布者可见）",
)
def site_packs(request: HttpRequest, code: str) -> Any:
    rows = (
        selectors.offline_packs_visible_to(actor_of(request))
        .filter(site__code=code)
        .select_related("site")
        .order_by("-created_at", "-pk")[:50]
    )
    return [_pack(request, p) for p in rows]


class PackIn(Schema):
    site: str = Field(..., max_length=32, description="站点编码")
    plan: Id | None = Field(None, description="按已发布的收看计划生成（与 week 二选一）")
    week: datetime.date | None = Field(
        None, description="按该站点某周已确定的菜单生成：该周的周一（与 plan 二选一）"
    )


@router.post(
    "/offline-packs",
    response={201: PackOut, **errors(400, 403, 404)},
    summary="申请生成离线包（后台生成，轮询状态）",
)
def pack_request(request: HttpRequest, body: PackIn) -> Any:
    user = actor_of(request)
    if (body.plan is None) == (body.week is None):
        raise Refused("请指定收看计划（plan）或菜单周（week），二者选一", field="plan")
    if body.plan is not None:
        plan = selectors.get_plan_for_user(user, body.plan)
        site = plan.sites.select_related("org").filter(code=body.site).first()
        if site is None:
            raise Http404("该收看计划不包括此站点")
        pack = services.offline_pack_for_plan(actor=user, plan=plan, site=site)
    else:
        assert body.week is not None
        site = selectors.get_managed_site(user, body.site)
        pack = services.offline_pack_for_menu(actor=user, site=site, week=body.week)
    pack = selectors.get_offline_pack_for_user(user, pack.pk)
    return Status(201, _pack(request, pack))


@router.get(
    "/offline-packs/{int:pack_id}",
    response={200: PackDetailOut, **errors(404)},
    summary="离线包的生成状态、下载地址和各场签到表的录入情况",
)
def pack_status(request: HttpRequest, pack_id: Id) -> Any:
    pack = selectors.get_offline_pack_for_user(actor_of(request), pack_id)
    return _pack_detail(request, pack)


@router.post(
    "/offline-packs/{int:pack_id}/retry",
    response={200: PackOut, **errors(400, 403, 404)},
    summary="重新生成（失败后，或课件视频已更换）",
)
def pack_retry(request: HttpRequest, pack_id: Id) -> Any:
    user = actor_of(request)
    pack = selectors.get_offline_pack_for_user(user, pack_id)
    services.offline_pack_retry(actor=user, pack=pack)
    return _pack(request, selectors.get_offline_pack_for_user(user, pack_id))


@router.get(
    "/offline-packs/{int:pack_id}/download",
    url_name="remote_offline_download",
    response={200: None, **errors(404)},
    summary="下载离线包（zip；生成完成前 404）",
    openapi_extra={
        "responses": {
            200: {"description": "zip", "content": {"application/zip": {"schema": BINARY}}}
        }
    },
)
def pack_download(request: HttpRequest, pack_id: Id) -> Any:
    pack = selectors.get_offline_pack_for_user(actor_of(request), pack_id)
    if pack.state != PackState.READY or not pack.file.name:
        raise Http404("离线包尚未生成")
    try:
        handle = pack.file.storage.open(pack.file.name, "rb")
    except OSError as exc:
        raise Http404("文件不存在") from exc
    stamp = timezone.localtime(pack.ready_at or pack.created_at)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"离线包-{pack.site.name}-{stamp:%Y%m%d}.zip",
        content_type="application/zip",
    )


class SheetIn(Schema):
    members: list[Id] = Field(
        default_factory=list, max_length=2000, description="打勾的党员（党员 id，见签到表名单）"
    )
    residents: int = Field(0, ge=0, le=10_000, description="群众人数")
    starts_at: Annotated[datetime.datetime, AfterValidator(_with_offset)] = Field(
        ..., description="实际收看时间（ISO 8601，带时区偏移）"
    )


@router.post(
    "/offline-sheets/{code}",
    response={200: ViewingOut, **errors(400, 403, 404)},
    summary="录入一张已填好的签到表（录入码；重复录入只计一次，可补录姓名、更正群众人数）",
)
def sheet_record(request: HttpRequest, code: str, body: SheetIn) -> Any:
    user = actor_of(request)
    slot = selectors.get_offline_slot_for_entry(user, services.normalize_entry_code(code))
    viewing = services.offline_slot_record(
        actor=user,
        slot=slot,
        member_ids=body.members,
        residents=body.residents,
        starts_at=body.starts_at,
    )
    return _viewing(selectors.get_viewing_for_user(user, viewing.pk))


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
    summary="大屏内容的当前画面（现场竞答：题目、倒计时、作答人数、公布后的答案、排行榜；设备令牌，本站点所属组织的，及其上级组织的只看）",
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


# --- 入户终端 (household TVs): the TV opens and ends, each member confirms on their phone ------


class HouseholdStartIn(Schema):
    lessons: list[Id] = Field(
        ..., min_length=1, max_length=10, description="要播放的课件（本终端所属组织可看的）"
    )


class HouseholdViewingOut(Schema):
    id: int
    title: str
    state: str = Field(..., description="open 播放中 / held 有人确认 / cancelled 无人确认")
    starts_at: datetime.datetime
    confirmed: int = Field(..., description="已在手机上确认收看的家庭成员数")
    qr: str | None = Field(..., description="播放中：家庭成员扫码确认的二维码（data: URI）")


def _household_viewing(request: HttpRequest, viewing: Any) -> dict[str, Any]:
    from xianfeng.common.qr import qr_data_uri
    from xianfeng.remote.enums import ViewingState

    is_open = viewing.state == ViewingState.OPEN
    url = request.build_absolute_uri(
        reverse("remote:checkin", args=[services.viewing_code(viewing)])
    )
    return {
        "id": viewing.pk,
        "title": viewing.title,
        "state": viewing.state,
        "starts_at": viewing.starts_at,
        "confirmed": viewing.attendance.count(),
        "qr": qr_data_uri(url, box_size=6) if is_open else None,
    }


@router.post(
    "/tv/household/viewings",
    response={201: HouseholdViewingOut, **errors(400)},
    auth=DEVICE_AUTH,
    summary="入户终端开始播放（设备令牌）：家庭成员收到通知，各自在手机上确认后才计入",
    url_name="remote_tv_household_start",
)
def tv_household_start(request: HttpRequest, body: HouseholdStartIn) -> Any:
    device = request.device  # type: ignore[attr-defined]
    viewing = services.household_viewing_start(device=device, lesson_ids=body.lessons)
    return Status(201, _household_viewing(request, viewing))


@router.post(
    "/tv/household/viewings/{int:viewing_id}/end",
    response={200: HouseholdViewingOut, **errors(400, 404)},
    auth=DEVICE_AUTH,
    summary="入户终端播放结束（设备令牌；有人确认为已结束，无人确认为已取消；重复调用无变化）",
    url_name="remote_tv_household_end",
)
def tv_household_end(request: HttpRequest, viewing_id: Id) -> Any:
    device = request.device  # type: ignore[attr-defined]
    viewing = tv_selectors.tv_viewing(device.site, viewing_id)
    viewing = services.household_viewing_end(device=device, viewing=viewing)
    return _household_viewing(request, viewing)


class HouseholdSiteOut(Schema):
    code: str
    name: str


class MyHouseholdViewingOut(Schema):
    id: int
    title: str
    starts_at: datetime.datetime
    state: str
    confirmed: bool = Field(..., description="我是否已确认收看")
    lessons: list[str]


class MyHouseholdOut(Schema):
    site: HouseholdSiteOut | None = Field(..., description="我家的入户终端（未登记为 null）")
    playing: list[MyHouseholdViewingOut] = Field(..., description="我家电视上正在播放的")
    confirmed: list[MyHouseholdViewingOut] = Field(
        ..., description="我确认过的入户收看（最近 50 次）"
    )


def _mine(viewing: Any, confirmed: bool) -> dict[str, Any]:
    return {
        "id": viewing.pk,
        "title": viewing.title,
        "starts_at": viewing.starts_at,
        "state": viewing.state,
        "confirmed": confirmed,
        "lessons": [lesson.title for lesson in viewing.lessons.all()],
    }


@router.get(
    "/household", response=MyHouseholdOut, summary="我家的入户终端：正在播放的和我的确认记录"
)
def my_household(request: HttpRequest) -> Any:
    user = actor_of(request)
    mine = selectors.my_household(user)
    playing = (
        list(
            selectors.household_open_viewings(user)
            .prefetch_related("lessons")
            .order_by("-starts_at")
        )
        if mine is not None
        else []
    )
    history = list(
        selectors.household_confirmed_viewings(user)
        .prefetch_related("lessons")
        .order_by("-starts_at")[:50]
    )
    done = {v.pk for v in history} | set(
        selectors.household_confirmed_viewings(user)
        .filter(pk__in=[v.pk for v in playing])
        .values_list("pk", flat=True)
    )
    return {
        "site": {"code": mine.site.code, "name": mine.site.name} if mine is not None else None,
        "playing": [_mine(v, v.pk in done) for v in playing],
        "confirmed": [_mine(v, True) for v in history],
    }


@router.post(
    "/household/viewings/{int:viewing_id}/confirm",
    response={200: MyHouseholdViewingOut, **errors(400, 404)},
    summary="确认我在收看家里电视上播放的课件（只计入本人；别户的 404）",
)
def household_confirm(request: HttpRequest, viewing_id: Id) -> Any:
    user = actor_of(request)
    viewing = selectors.get_household_viewing_for_member(user, viewing_id)
    services.household_confirm(user=user, viewing=viewing)
    return _mine(viewing, True)


# --- 家庭成员申请加入: the member asks, withdraws; the site admin decides (as the pages) ------


class HouseholdJoinIn(Schema):
    token: str = Field(
        "", max_length=200, description="电视上“家庭成员扫码加入”二维码里的加入码（扫码）"
    )
    code: str = Field("", max_length=64, description="电视上显示的站点编码（手动输入）")


class HouseholdJoinOut(Schema):
    id: int
    site: HouseholdSiteOut
    org: str = Field(..., description="入户终端所属党组织")
    state: str = Field(..., description="pending 待审核 / approved / declined / withdrawn 已撤回")
    state_label: str
    via: str = Field(..., description="qr 扫码 / code 输入站点编码")
    created_at: datetime.datetime
    decided_at: datetime.datetime | None = Field(..., description="处理（或撤回）时间")
    reason: str = Field(..., description="站点管理员未同意的理由（可为空）")


class HouseholdJoinPage(Schema):
    results: list[HouseholdJoinOut]
    next_cursor: str | None = Field(
        ..., description="下一页：把它作为 after 再请求一次；null 表示已经到底了"
    )


class HouseholdJoinWaitingOut(HouseholdJoinOut):
    member: int = Field(..., description="申请人（党员 id）")
    name: str = Field(..., description="申请人姓名")
    member_org: str = Field(..., description="申请人所在党组织")


class HouseholdJoinWaitingPage(Schema):
    results: list[HouseholdJoinWaitingOut]
    next_cursor: str | None = Field(
        ..., description="下一页：把它作为 after 再请求一次；null 表示已经到底了"
    )


class HouseholdJoinListQuery(Schema):
    after: str = Field("", max_length=40, description="上一页返回的 next_cursor；不填为第一页")
    page_size: int = Field(20, ge=1, le=50)


class HouseholdJoinDeclineIn(Schema):
    reason: str = Field("", max_length=200, description="未同意的理由（选填，会告知申请人）")


def _join(join: Any) -> dict[str, Any]:
    return {
        "id": join.pk,
        "site": {"code": join.site.code, "name": join.site.name},
        "org": join.site.org.name,
        "state": join.state,
        "state_label": join.get_state_display(),
        "via": join.via,
        "created_at": join.created_at,
        "decided_at": join.decided_at,
        "reason": join.reason,
    }


def _join_waiting(join: Any) -> dict[str, Any]:
    user = join.member.user
    return {
        **_join(join),
        "member": join.member_id,
        "name": user.name or user.username,
        "member_org": join.member.org.name,
    }


@router.post(
    "/household/join",
    response={200: HouseholdJoinOut, **errors(400)},
    summary="申请加入入户终端的家庭（扫码所得加入码 token 或站点编码 code；重复申请同一户不重复）",
)
def household_join(request: HttpRequest, body: HouseholdJoinIn) -> Any:
    from xianfeng.remote.enums import JoinVia

    user = actor_of(request)
    if body.token.strip():
        site, via = services.household_site_for_join_code(body.token.strip()), JoinVia.QR
    elif body.code.strip():
        site, via = services.household_site_for_code(body.code), JoinVia.CODE
    else:
        raise Refused("请扫描电视上的二维码，或输入电视上显示的站点编码", field="code")
    return _join(services.household_join_request(user=user, site=site, via=via))


@router.get(
    "/household/requests",
    response=HouseholdJoinPage,
    summary="我的入户终端加入申请（最新的在前；按 next_cursor 翻页）",
)
def household_requests(request: HttpRequest, params: Query[HouseholdJoinListQuery]) -> Any:
    from xianfeng.common.pagination import keyset_page

    qs = selectors.my_household_requests(actor_of(request))
    page = keyset_page(request, qs, field="created_at", per_page=params.page_size)
    return {"results": [_join(j) for j in page.object_list], "next_cursor": page.next_cursor}


@router.post(
    "/household/requests/{int:request_id}/withdraw",
    response={200: HouseholdJoinOut, **errors(400, 404)},
    summary="撤回我的加入申请（待审核的；已处理的不能撤回；别人的 404）",
)
def household_request_withdraw(request: HttpRequest, request_id: Id) -> Any:
    user = actor_of(request)
    join = selectors.get_my_join_request(user, request_id)
    return _join(services.household_join_withdraw(user=user, request=join))


@router.get(
    "/household-requests",
    response=HouseholdJoinWaitingPage,
    summary="我管理的入户终端待审核的加入申请（站点管理员；最新的在前；按 next_cursor 翻页）",
)
def household_requests_waiting(request: HttpRequest, params: Query[HouseholdJoinListQuery]) -> Any:
    from xianfeng.common.pagination import keyset_page

    qs = selectors.join_requests_waiting_for_manager(actor_of(request))
    page = keyset_page(request, qs, field="created_at", per_page=params.page_size)
    return {
        "results": [_join_waiting(j) for j in page.object_list],
        "next_cursor": page.next_cursor,
    }


def _decide(request: HttpRequest, request_id: int, *, approve: bool, reason: str = "") -> Any:
    user = actor_of(request)
    join = selectors.get_managed_join_request(user, request_id)
    decided = services.household_join_decide(
        actor=user, request=join, approve=approve, reason=reason
    )
    # The selector's member and org stay loaded: the answer costs no query more.
    decided.member = join.member
    decided.site = join.site
    return _join_waiting(decided)


@router.post(
    "/household-requests/{int:request_id}/approve",
    response={200: HouseholdJoinWaitingOut, **errors(400, 404)},
    summary="同意加入申请（申请人登记为该户家庭成员；站点管理员；别的站点的 404）",
)
def household_request_approve(request: HttpRequest, request_id: Id) -> Any:
    return _decide(request, request_id, approve=True)


@router.post(
    "/household-requests/{int:request_id}/decline",
    response={200: HouseholdJoinWaitingOut, **errors(400, 404)},
    summary="拒绝加入申请，可附理由（会告知申请人；站点管理员；别的站点的 404）",
)
def household_request_decline(
    request: HttpRequest, request_id: Id, body: HouseholdJoinDeclineIn
) -> Any:
    return _decide(request, request_id, approve=False, reason=body.reason)


# --- sites and devices for people (the site pages' selectors, services and refusals) ---------

ONLINE_MINUTES = 11  # as the site pages: two missed five-minute beats and a bit


class SiteListQuery(Schema):
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=100)


class SiteOut(Schema):
    code: str = Field(..., description="站点编码")
    name: str
    kind: str = Field(..., description="village / community / household 入户终端 / outdoor …")
    org: str = Field(..., description="所属党组织")
    org_code: str
    address: str
    service_start: datetime.date
    online: bool = Field(..., description="最近 11 分钟内有心跳")
    last_beat_at: datetime.datetime | None = Field(..., description="最近心跳（设备报告的时间）")


class SitePageOut(Schema):
    count: int
    page: int
    pages: int
    results: list[SiteOut]


def _site(site: Any, now: datetime.datetime) -> dict[str, Any]:
    return {
        "code": site.code,
        "name": site.name,
        "kind": site.kind,
        "org": site.org.name,
        "org_code": site.org.code,
        "address": site.address,
        "service_start": site.service_start,
        "online": site.last_beat_at is not None
        and now - site.last_beat_at <= datetime.timedelta(minutes=ONLINE_MINUTES),
        "last_beat_at": site.last_beat_at,
    }


@router.get(
    "/sites",
    response={200: SitePageOut, **errors(403)},
    summary="我能看到的站点（在线状态、最近心跳；站点管理员、组织管理员和支部委员）",
)
def site_list(request: HttpRequest, params: Query[SiteListQuery]) -> Any:
    from django.core.exceptions import PermissionDenied
    from django.core.paginator import Paginator

    from xianfeng.remote import rules

    user = actor_of(request)
    if not rules.sees_sites_anywhere(user):
        raise PermissionDenied("您没有管理远程教育站点的权限")
    qs = selectors.sites_visible_to(user).select_related("org").order_by("code")
    paginator = Paginator(qs, params.page_size)
    page = paginator.get_page(params.page)
    now = timezone.now()
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "results": [_site(s, now) for s in page.object_list],
    }


class DeviceOut(Schema):
    id: int
    label: str
    created_at: datetime.datetime = Field(..., description="配对时间")
    last_seen_at: datetime.datetime | None
    revoked_at: datetime.datetime | None = Field(..., description="撤销时间（未撤销为 null）")


def _device(device: Any) -> dict[str, Any]:
    return {
        "id": device.pk,
        "label": device.label,
        "created_at": device.created_at,
        "last_seen_at": device.last_seen_at,
        "revoked_at": device.revoked_at,
    }


class MonthFiguresOut(Schema):
    month: str = Field(..., description="YYYY-MM（本月）")
    boot_days: int = Field(..., description="开机天数")
    service_days: int = Field(..., description="在役天数")
    rate: float | None = Field(..., description="开机率（%），无在役天数为 null")
    hours: float = Field(..., description="运行小时")
    viewings: int = Field(..., description="组织收看次数")
    min_viewings: int
    min_hours: int
    boot_rate_pct: int


class SuspensionOut(Schema):
    starts_on: datetime.date
    ends_on: datetime.date
    reason: str


class HouseholdEntryOut(Schema):
    id: int
    member: int = Field(..., description="党员 id")
    name: str


class SiteDetailOut(SiteOut):
    equipment: str
    can_manage: bool = Field(..., description="我能否配对、撤销设备，组织收看")
    devices: list[DeviceOut]
    suspensions: list[SuspensionOut]
    household: list[HouseholdEntryOut] | None = Field(
        ..., description="入户终端：登记的家庭成员；其他站点为 null"
    )
    month: MonthFiguresOut


@router.get(
    "/sites/{code}",
    response={200: SiteDetailOut, **errors(404)},
    summary="一个站点：设备（含最近使用、撤销）、停用期、本月开机率和运行小时",
)
def site_detail(request: HttpRequest, code: str) -> Any:
    from xianfeng.remote import bulletin as bulletins
    from xianfeng.remote import rules
    from xianfeng.remote.enums import SiteKind

    user = actor_of(request)
    site = selectors.get_site_for_user(user, code[:32])
    now = timezone.now()
    local = timezone.localtime(now)
    month = bulletins.site_month(site, local.year, local.month, now=now)
    return {
        **_site(site, now),
        "equipment": site.equipment,
        "can_manage": rules.can_manage_site(user, site),
        "devices": [_device(d) for d in selectors.devices_of(site)],
        "suspensions": [
            {"starts_on": s.starts_on, "ends_on": s.ends_on, "reason": s.reason}
            for s in site.suspensions.order_by("starts_on")
        ],
        "household": [
            {"id": h.pk, "member": h.member_id, "name": h.member.user.name}
            for h in selectors.household_of(site)
        ]
        if site.kind == SiteKind.HOUSEHOLD
        else None,
        "month": {
            "month": f"{local.year}-{local.month:02d}",
            "boot_days": month.boot_days,
            "service_days": month.service_days,
            "rate": float(month.rate) if month.rate is not None else None,
            "hours": float(month.hours),
            "viewings": month.viewings,
            "min_viewings": month.target.min_viewings,
            "min_hours": month.target.min_hours,
            "boot_rate_pct": month.target.boot_rate_pct,
        },
    }


@router.post(
    "/devices/{int:device_id}/revoke",
    response={200: DeviceOut, **errors(404)},
    summary="撤销设备令牌（站点管理员；撤销后心跳和终端接口都拒绝它；再次撤销无变化）",
)
def device_revoke(request: HttpRequest, device_id: Id) -> Any:
    user = actor_of(request)
    device = selectors.get_device_for_user(user, device_id)
    services.device_token_revoke(actor=user, device=device)
    device.refresh_from_db()
    return _device(device)


# --- plans: create and publish ---------------------------------------------------------------


class RemotePlanIn(Schema):
    org: str | None = Field(
        None, max_length=64, description="发布组织的组织代码；缺省为我管理的第一个组织"
    )
    title: str = Field(..., max_length=200)
    starts_on: datetime.date
    ends_on: datetime.date
    audience: str = Field("all", max_length=16, description="受众（all、elderly、women …）")
    note: str = Field("", max_length=5000)
    lessons: list[Id] = Field(..., max_length=100, description="课件（微党课 id）")
    sites: list[str] = Field(..., max_length=5000, description="站点编码")


class PlanDetailOut(PlanOut):
    note: str
    lessons: list[int]
    sites: list[str] = Field(..., description="站点编码")
    published_at: datetime.datetime | None


def _plan_detail(plan: Any) -> dict[str, Any]:
    return {
        **_plan(plan),
        "note": plan.note,
        "lessons": sorted(plan.lessons.values_list("pk", flat=True)),
        "sites": sorted(plan.sites.values_list("code", flat=True)),
        "published_at": plan.published_at,
    }


@router.post(
    "/plans",
    response={201: PlanDetailOut, **errors(400, 403, 404)},
    summary="新建收看计划（草稿；县、乡镇组织管理员，本组织之下的站点）",
)
def plan_create(request: HttpRequest, body: RemotePlanIn) -> Any:
    from django.core.exceptions import PermissionDenied

    from xianfeng.lessons.models import Lesson
    from xianfeng.orgs.selectors import get_org_for_user, org_roots_for

    user = actor_of(request)
    if body.org:
        org = get_org_for_user(user, body.org, services.PLAN_ROLES)
    else:
        roots = org_roots_for(user, services.PLAN_ROLES)
        if not roots:
            raise PermissionDenied("只有组织管理员可以发布收看计划")
        org = roots[0]
    codes = sorted(set(body.sites))
    sites = list(
        selectors.sites_visible_to(user)
        .filter(code__in=codes, org__path__startswith=org.path)
        .select_related("org")
    )
    if len(sites) != len(codes):
        raise Refused("所选站点中有不存在或不在本组织之下的", field="sites")
    wanted = sorted(set(body.lessons))
    lessons = list(Lesson.objects.filter(pk__in=wanted))
    if len(lessons) != len(wanted):
        raise Refused("所选课件中有您看不到的或未发布的", field="lessons")
    plan = services.plan_create(
        actor=user,
        org=org,
        title=body.title,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        lessons=lessons,
        sites=sites,
        audience=body.audience,
        note=body.note,
    )
    return Status(201, _plan_detail(selectors.get_plan_for_user(user, plan.pk)))


@router.post(
    "/plans/{int:plan_id}/publish",
    response={200: PlanDetailOut, **errors(400, 403, 404)},
    summary="发布收看计划（通知各站点管理员；已发布的再发布为 400）",
)
def plan_publish(request: HttpRequest, plan_id: Id) -> Any:
    user = actor_of(request)
    plan = selectors.get_plan_for_user(user, plan_id)
    services.plan_publish(actor=user, plan=plan)
    return _plan_detail(selectors.get_plan_for_user(user, plan_id))


# --- viewings: start, 代签, 群众 and discussion, end -------------------------------------------


class ViewingListQuery(Schema):
    site: str | None = Field(None, max_length=32, description="站点编码（缺省为全部可见站点）")


@router.get(
    "/viewings",
    response=list[ViewingOut],
    summary="我能看到的组织收看（最近 100 次；站点管理员、组织管理员和本支部委员）",
)
def viewing_list(request: HttpRequest, params: Query[ViewingListQuery]) -> Any:
    qs = selectors.viewings_visible_to(actor_of(request))
    if params.site:
        qs = qs.filter(site__code=params.site)
    rows = list(
        qs.select_related("site")
        .annotate(n_attendance=Count("attendance"))
        .order_by("-starts_at", "-pk")[:100]
    )
    return [_viewing(v, attendance=v.n_attendance) for v in rows]


class ViewingIn(Schema):
    site: str = Field(..., max_length=32, description="站点编码（我管理的）")
    plan: Id | None = Field(None, description="按已发布的收看计划收看（课件缺省为计划的课件）")
    title: str = Field("", max_length=200, description="收看主题（按计划时缺省为计划名称）")
    lessons: list[Id] = Field(default_factory=list, max_length=50, description="课件")
    place: str = Field("", max_length=200)
    audience: str = Field("all", max_length=16)


@router.post(
    "/viewings",
    response={201: ViewingOut, **errors(400, 403, 404)},
    summary="开始组织收看（站点管理员；签到二维码见 /viewings/{id}/qr）",
)
def viewing_start(request: HttpRequest, body: ViewingIn) -> Any:
    from xianfeng.lessons.selectors import published_lessons_for

    user = actor_of(request)
    site = selectors.get_managed_site(user, body.site)
    plan = selectors.get_plan_for_user(user, body.plan) if body.plan is not None else None
    wanted = sorted(set(body.lessons))
    pool = plan.lessons.all() if plan is not None else published_lessons_for(user)
    lessons = list(pool.filter(pk__in=wanted))
    if len(lessons) != len(wanted):
        raise Refused("所选课件中有您看不到的或不在计划中的", field="lessons")
    viewing = services.viewing_start(
        actor=user,
        site=site,
        plan=plan,
        title=body.title,
        lessons=lessons,
        place=body.place,
        audience=body.audience,
    )
    return Status(201, _viewing(selectors.get_viewing_for_user(user, viewing.pk)))


class ViewingQrOut(Schema):
    url: str = Field(..., description="签到地址（每 30 秒更新）")
    qr: str = Field(..., description="签到二维码（data: URI）")


@router.get(
    "/viewings/{int:viewing_id}/qr",
    response={200: ViewingQrOut, **errors(400, 403, 404)},
    summary="进行中的收看的签到二维码（站点管理员；每 30 秒更新）",
)
def viewing_qr(request: HttpRequest, viewing_id: Id) -> Any:
    from django.core.exceptions import PermissionDenied

    from xianfeng.common.qr import qr_data_uri
    from xianfeng.remote import rules
    from xianfeng.remote.enums import ViewingState

    user = actor_of(request)
    viewing = selectors.get_viewing_for_user(user, viewing_id)
    if not rules.can_manage_site(user, viewing.site):
        raise PermissionDenied("只有本站点的管理员可以组织收看")
    if viewing.state != ViewingState.OPEN:
        raise Refused("本次收看已结束，不能再签到")
    url = request.build_absolute_uri(
        reverse("remote:checkin", args=[services.viewing_code(viewing)])
    )
    return {"url": url, "qr": qr_data_uri(url)}


class ViewingAttendanceOut(Schema):
    user: int
    name: str
    how: str = Field(..., description="qr 扫码 / proxy 代签 / confirm 本人确认（入户终端）")
    is_member: bool
    at: datetime.datetime


@router.get(
    "/viewings/{int:viewing_id}/attendance",
    response={200: list[ViewingAttendanceOut], **errors(404)},
    summary="一次收看的签到名单",
)
def viewing_attendance(request: HttpRequest, viewing_id: Id) -> Any:
    viewing = selectors.get_viewing_for_user(actor_of(request), viewing_id)
    rows = ViewingAttendance.objects.filter(viewing=viewing).select_related("user").order_by("at")
    return [
        {
            "user": a.user_id,
            "name": a.user.name or a.user.username,
            "how": a.how,
            "is_member": a.is_member,
            "at": a.at,
        }
        for a in rows
    ]


class ProxySignIn(Schema):
    member: Id = Field(..., description="党员 id（本站点所属组织的）")


@router.post(
    "/viewings/{int:viewing_id}/proxy-sign",
    response={200: ViewingAttendanceOut, **errors(400, 403, 404)},
    summary="代签：为没有手机的党员签到（站点管理员；记为代签；入户终端不能代签）",
)
def viewing_proxy_sign(request: HttpRequest, viewing_id: Id, body: ProxySignIn) -> Any:
    from django.core.exceptions import PermissionDenied

    from xianfeng.people.models import Member
    from xianfeng.remote import rules

    user = actor_of(request)
    viewing = selectors.get_viewing_for_user(user, viewing_id)
    if not rules.can_manage_site(user, viewing.site):
        raise PermissionDenied("只有本站点的管理员可以代签")
    member = (
        Member.objects.select_related("org", "user")
        .filter(pk=body.member, org__path__startswith=viewing.site.org.path)
        .first()
    )
    if member is None:
        raise Refused("只能为本站点所属组织的党员代签", field="member")
    a = services.viewing_proxy_sign(actor=user, viewing=viewing, member=member)
    return {
        "user": a.user_id,
        "name": member.user.name or member.user.username,
        "how": a.how,
        "is_member": a.is_member,
        "at": a.at,
    }


class ViewingRecordIn(Schema):
    residents: int | None = Field(
        None, ge=0, le=10_000, description="群众人数（未注册、未扫码的非党员居民）"
    )
    discussion: str | None = Field(None, max_length=5000, description="讨论交流摘要")


@router.post(
    "/viewings/{int:viewing_id}/record",
    response={200: ViewingOut, **errors(400, 403, 404)},
    summary="记录群众人数和讨论交流（站点管理员；只改给出的项）",
)
def viewing_record(request: HttpRequest, viewing_id: Id, body: ViewingRecordIn) -> Any:
    user = actor_of(request)
    viewing = selectors.get_viewing_for_user(user, viewing_id)
    services.viewing_record(
        actor=user, viewing=viewing, residents=body.residents, discussion=body.discussion
    )
    return _viewing(selectors.get_viewing_for_user(user, viewing_id))


@router.post(
    "/viewings/{int:viewing_id}/end",
    response={200: ViewingOut, **errors(400, 403, 404)},
    summary="结束收看：签到的人计入集体收看（站点管理员）",
)
def viewing_end(request: HttpRequest, viewing_id: Id) -> Any:
    user = actor_of(request)
    viewing = selectors.get_viewing_for_user(user, viewing_id)
    services.viewing_end(actor=user, viewing=viewing)
    return _viewing(selectors.get_viewing_for_user(user, viewing_id))


@router.post(
    "/viewings/{int:viewing_id}/cancel",
    response={200: ViewingOut, **errors(400, 403, 404)},
    summary="取消收看（站点管理员）",
)
def viewing_cancel(request: HttpRequest, viewing_id: Id) -> Any:
    user = actor_of(request)
    viewing = selectors.get_viewing_for_user(user, viewing_id)
    services.viewing_cancel(actor=user, viewing=viewing)
    return _viewing(selectors.get_viewing_for_user(user, viewing_id))


# --- 开机通报 (read): the bulletin page's figures -------------------------------------------------


class RemoteBulletinQuery(Schema):
    org: str | None = Field(None, max_length=64, description="组织代码；缺省为我管理的第一个组织")
    month: str | None = Field(
        None,
        pattern=r"^(20\d\d|2100)-(0?[1-9]|1[0-2])$",
        description="YYYY-MM（2000-01 至 2100-12）；缺省为本月",
    )


class RemoteBulletinRowOut(Schema):
    boot_days: int = Field(..., description="开机天数")
    service_days: int = Field(..., description="在役天数")
    rate: float | None = Field(..., description="开机率（%）")
    hours: float = Field(..., description="运行小时")
    viewings: int = Field(..., description="组织收看次数")


class BulletinGroupOut(RemoteBulletinRowOut):
    org: str = Field(..., description="组织名称")
    org_code: str
    sites: int = Field(..., description="站点数")
    met: int = Field(..., description="达标站点数")
    silent: int = Field(..., description="连续 3 天以上未开机的站点数")


class BulletinSiteOut(RemoteBulletinRowOut):
    code: str
    name: str
    org: str
    met: bool = Field(..., description="达标")
    silent: bool = Field(..., description="连续 3 天以上未开机")


class BulletinOut(Schema):
    org: str
    org_code: str
    month: str
    total: BulletinGroupOut
    change: float | None = Field(..., description="开机率比上月（百分点）")
    groups: list[BulletinGroupOut] = Field(..., description="下级组织（乡镇），按开机率排名")
    sites: list[BulletinSiteOut] = Field(
        ..., description="站点（只有一个下级或没有下级时列出，与通报页相同），按开机率排名"
    )


def _figures(f: Any) -> dict[str, Any]:
    return {
        "boot_days": f.boot_days,
        "service_days": f.service_days,
        "rate": float(f.rate) if f.rate is not None else None,
        "hours": float(f.hours),
        "viewings": f.viewings,
    }


def _group(g: Any) -> dict[str, Any]:
    return {
        **_figures(g),
        "org": g.org.name,
        "org_code": g.org.code,
        "sites": len(g.sites),
        "met": g.met_count,
        "silent": g.silent_count,
    }


@router.get(
    "/bulletin",
    response={200: BulletinOut, **errors(403, 404)},
    summary="开机通报：本组织的下级组织和站点的开机率、运行小时、组织收看（组织管理员）",
)
def bulletin(request: HttpRequest, params: Query[RemoteBulletinQuery]) -> Any:
    from django.core.exceptions import PermissionDenied

    from xianfeng.orgs.selectors import get_org_for_user, org_roots_for
    from xianfeng.remote import bulletin as bulletins
    from xianfeng.remote.enums import BULLETIN_ROLES

    user = actor_of(request)
    if params.org:
        org = get_org_for_user(user, params.org, BULLETIN_ROLES)
    else:
        roots = org_roots_for(user, BULLETIN_ROLES)
        if not roots:
            raise PermissionDenied("只有组织管理员可以查看开机通报")
        org = roots[0]
    today = timezone.localdate()
    year, month = today.year, today.month
    if params.month:  # the pattern keeps it within 2000-01 … 2100-12
        year, month = (int(x) for x in params.month.split("-"))
    now = timezone.now()
    figures = bulletins.month_bulletin(org, year, month, now=now)
    previous = bulletins.previous_rates(org, year, month, now=now)
    groups = sorted(figures.groups, key=lambda g: (g.rate is None, -(g.rate or 0), g.org.path))
    single_group = len(groups) == 1 and groups[0].org == org
    sites = (
        sorted(figures.sites, key=lambda s: (s.rate is None, -(s.rate or 0), s.site.code))
        if single_group or not groups
        else []
    )
    change = bulletins.change(figures.total.rate, previous.get(org.path))
    return {
        "org": org.name,
        "org_code": org.code,
        "month": f"{year}-{month:02d}",
        "total": _group(figures.total),
        "change": float(change) if change is not None else None,
        "groups": [_group(g) for g in groups],
        "sites": [
            {
                **_figures(s),
                "code": s.site.code,
                "name": s.site.name,
                "org": s.site.org.name,
                "met": s.met,
                "silent": s.silent,
            }
            for s in sites
        ],
    }
