"""The person's private calendar feed address."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Schema

from xianfeng.common.apitools import errors
from xianfeng.common.errors import Refused
from xianfeng.common.types import actor_of
from xianfeng.meetings import selectors, services
from xianfeng.meetings.api._shared import (
    router,
)
from xianfeng.meetings.tokens import calendar_token


class CalendarOut(Schema):
    enabled: bool
    url: str | None


class CalendarIn(Schema):
    action: str = Field(..., max_length=10, description="enable、reset 或 disable")


def _calendar(request: HttpRequest) -> dict[str, Any]:
    prefs = selectors.prefs_of(request.user)
    url = None
    if prefs.calendar_enabled:
        token = calendar_token(prefs.user_id, prefs.calendar_version)
        url = request.build_absolute_uri(reverse("meetings:calendar", args=[token]))
    return {"enabled": prefs.calendar_enabled, "url": url}


@router.get("/calendar", response=CalendarOut, summary="我的日历订阅地址")
def calendar_get(request: HttpRequest) -> dict[str, Any]:
    return _calendar(request)


@router.post(
    "/calendar",
    response={200: CalendarOut, **errors(400)},
    summary="启用、更换或停用日历订阅地址",
)
def calendar_post(request: HttpRequest, body: CalendarIn) -> dict[str, Any]:
    if body.action == "enable":
        services.calendar_enable(user=actor_of(request))
    elif body.action == "reset":
        services.calendar_reset(user=actor_of(request))
    elif body.action == "disable":
        services.calendar_reset(user=actor_of(request), enabled=False)
    else:
        raise Refused("action 应为 enable、reset 或 disable", field="action")
    return _calendar(request)


# --- meetings --------------------------------------------------------------------------------
