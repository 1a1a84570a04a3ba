"""Notifications for mobile clients: the person's list, marking read, the e-mail address."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Query, Schema, Status

from xianfeng.common.apitools import ApiRouter, Id, errors
from xianfeng.notify import selectors, services

router = ApiRouter(tags=["通知"])

LIST_LIMIT = 100


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    created_at: datetime.datetime
    read: bool


class ListQuery(Schema):
    unread: bool = False


class ReadIn(Schema):
    ids: list[Id] | None = Field(None, max_length=1000)


class PrefsOut(Schema):
    email: str
    email_enabled: bool


class PrefsIn(Schema):
    email: str = ""


@router.get("/", response=list[NotificationOut], summary="我的通知（最新 100 条）")
def notification_list(request: HttpRequest, params: Query[ListQuery]) -> list[dict[str, Any]]:
    qs = (
        selectors.unread_for(request.user)
        if params.unread
        else selectors.notifications_for(request.user)
    )
    return [
        {
            "id": n.pk,
            "kind": n.kind,
            "title": n.title,
            "body": n.body,
            "url": n.url,
            "created_at": n.created_at,
            "read": n.read_at is not None,
        }
        for n in qs[:LIST_LIMIT]
    ]


@router.post("/read", response={204: None}, summary="标记通知已读（不给 ids 为全部）")
def notifications_read(request: HttpRequest, body: ReadIn) -> Status[None]:
    services.notifications_mark_read(user=request.user, ids=body.ids)
    return Status(204, None)


@router.get("/prefs", response=PrefsOut, summary="接收通知的邮箱")
def prefs_get(request: HttpRequest) -> dict[str, Any]:
    return {
        "email": selectors.prefs_of(request.user).email,
        "email_enabled": getattr(settings, "EMAIL_ENABLED", False),
    }


@router.put(
    "/prefs", response={204: None, **errors(400)}, summary="设置接收通知的邮箱（空：不发邮件）"
)
def prefs_put(request: HttpRequest, body: PrefsIn) -> Status[None]:
    services.prefs_update(user=request.user, email=body.email)
    return Status(204, None)
