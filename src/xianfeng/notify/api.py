"""Notifications for mobile clients: the person's inbox (paginated, unread and kind
filters), the unread count, marking read, their channel preferences, and the reach of
what they sent."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from ninja import Field, Query, Schema, Status

from xianfeng.common.apitools import ApiRouter, ClockTime, Id, PageNumber, errors
from xianfeng.notify import selectors, services
from xianfeng.notify.services.prefs import KEEP

router = ApiRouter(tags=["通知"])


class NotificationOut(Schema):
    id: int
    kind: str
    priority: str
    title: str
    body: str
    url: str
    created_at: datetime.datetime
    read: bool


class PageOut(Schema):
    count: int
    page: int
    pages: int
    results: list[NotificationOut]


class NotificationListQuery(Schema):
    unread: bool = False
    kind: str = Field("", max_length=64)  # a kind ("meeting.planned") or a prefix ("meeting.")
    page: PageNumber = 1
    page_size: PageNumber = 20


class UnreadOut(Schema):
    unread: int


class ReadIn(Schema):
    ids: list[Id] | None = Field(None, max_length=1000)


class NotificationChannelOut(Schema):
    channel: str
    label: str
    ready: bool
    why: str


class KindOut(Schema):
    kind: str
    label: str
    group: str
    urgent: bool
    channels: list[str]


class PrefsOut(Schema):
    email: str
    phone: str
    wechat_bound: bool
    quiet_start: datetime.time | None
    quiet_end: datetime.time | None
    digest: bool
    digest_hour: int
    channels: list[NotificationChannelOut]
    kinds: list[KindOut]


class PrefsIn(Schema):
    """Fields left out stay as they are."""

    email: str | None = None
    quiet_start: ClockTime | None = None
    quiet_end: ClockTime | None = None
    digest: bool | None = None
    digest_hour: int | None = None
    wechat_openid: str | None = None
    channels: dict[str, list[str]] | None = None


class UnreachedOut(Schema):
    name: str
    channel: str
    error: str


class ReachOut(Schema):
    id: int
    title: str
    summary: str
    total: int
    read: int
    reached: int
    pending: int
    unreached: int
    failed_by_channel: dict[str, int]
    people: list[UnreachedOut]


def _row(n: Any) -> dict[str, Any]:
    return {
        "id": n.pk,
        "kind": n.kind,
        "priority": n.priority,
        "title": n.title,
        "body": n.body,
        "url": n.url,
        "created_at": n.created_at,
        "read": n.read_at is not None,
    }


@router.get("/", response=PageOut, summary="我的通知（最新在前，可只看未读或某一类）")
def notification_list(request: HttpRequest, params: Query[NotificationListQuery]) -> dict[str, Any]:
    qs = selectors.inbox_for(request.user, unread=params.unread, kind=params.kind[:40])
    paginator = Paginator(qs, max(1, min(params.page_size, 100)))
    page = paginator.get_page(params.page)
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "results": [_row(n) for n in page.object_list],
    }


@router.get("/unread-count", response=UnreadOut, summary="未读通知数")
def unread_count(request: HttpRequest) -> dict[str, int]:
    return {"unread": selectors.unread_count(request.user)}


@router.post("/read", response={204: None}, summary="标记通知已读（不给 ids 为全部）")
def notifications_read(request: HttpRequest, body: ReadIn) -> Status[None]:
    services.notifications_mark_read(user=request.user, ids=body.ids)
    return Status(204, None)


def _prefs(request: HttpRequest) -> dict[str, Any]:
    user: Any = request.user
    view = selectors.settings_view(user)
    prefs = view.prefs
    return {
        "email": user.email,
        "phone": user.masked_phone,
        "wechat_bound": bool(prefs.wechat_openid),
        "quiet_start": prefs.quiet_start,
        "quiet_end": prefs.quiet_end,
        "digest": prefs.digest,
        "digest_hour": prefs.digest_hour,
        "channels": [
            {"channel": c.channel, "label": c.label, "ready": c.ready, "why": c.why}
            for c in view.channels
        ],
        "kinds": [
            {
                "kind": row.kind.key,
                "label": row.kind.label,
                "group": group,
                "urgent": row.kind.urgent,
                "channels": ["inapp", *sorted(row.chosen)],
            }
            for group, rows in view.groups
            for row in rows
        ],
    }


@router.get("/prefs", response=PrefsOut, summary="我的通知设置：接收方式、免打扰、每日汇总")
def prefs_get(request: HttpRequest) -> dict[str, Any]:
    return _prefs(request)


@router.put(
    "/prefs",
    response={200: PrefsOut, **errors(400)},
    summary="修改通知设置（未给出的项保持不变）",
)
def prefs_put(request: HttpRequest, body: PrefsIn) -> dict[str, Any]:
    given = body.model_fields_set
    services.prefs_update(
        user=request.user,
        channels=body.channels,
        quiet_start=body.quiet_start if "quiet_start" in given else KEEP,
        quiet_end=body.quiet_end if "quiet_end" in given else KEEP,
        digest=body.digest,
        digest_hour=body.digest_hour,
        wechat_openid=body.wechat_openid,
        email=body.email,
    )
    return _prefs(request)


@router.get(
    "/sent/{int:batch_id}", response={200: ReachOut, **errors(404)}, summary="我发出的通知送达情况"
)
def reach(request: HttpRequest, batch_id: Id) -> dict[str, Any]:
    batch = selectors.get_batch_for_user(request.user, batch_id)
    found = selectors.batch_reach(batch)
    return {
        "id": batch.pk,
        "title": batch.title,
        "summary": found.summary,
        "total": found.total,
        "read": found.read,
        "reached": found.reached,
        "pending": found.pending,
        "unreached": found.unreached,
        "failed_by_channel": found.failed_by_channel,
        "people": [{"name": p.name, "channel": p.channel, "error": p.error} for p in found.people],
    }
