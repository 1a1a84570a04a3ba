"""What every API router shares: the id type, the one error body, the statuses an
operation can answer because of the framework (401, 403, 422), and the JSON parser.

    router = ApiRouter(tags=["微党课"])

    @router.get("/{int:lesson_id}", response={200: LessonDetail, **errors(404)})
    def detail(request, lesson_id: Id): ...

An operation names the statuses its own logic answers (`errors(400, 403, 404, 409)`: a
Refused, a PermissionDenied, a selector's miss); ApiRouter adds what the framework answers:
401 unless the operation needs no login, 403 for unsafe methods (a session without its
CSRF token), 422 when it reads parameters or a body, 400 when that body is JSON (it may
not parse). Every one of them has the body
`{"detail": "中文说明", "field": "host_id" | null}`.
"""

from __future__ import annotations

import datetime
import inspect
from collections.abc import Callable
from typing import Annotated, Any, get_args, get_origin, get_type_hints

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.constants import NOT_SET
from ninja.params.models import Body, Param
from ninja.parser import Parser
from pydantic import AfterValidator, BaseModel
from pydantic import Field as PydanticField

from xianfeng.common.parse import MAX_ID, YEAR_MAX, YEAR_MIN, json_object, loads_json

# Any id in a path, a query or a body: a positive bigint. Larger numbers would overflow
# the database driver, so they are refused (422) before any query.
Id = Annotated[int, PydanticField(ge=1, le=MAX_ID)]
Year = Annotated[int, PydanticField(ge=YEAR_MIN, le=YEAR_MAX)]
# Page numbers and sizes: bounded so that no arithmetic on them can overflow.
PageNumber = Annotated[int, PydanticField(ge=1, le=1_000_000)]
FiniteFloat = Annotated[float, PydanticField(allow_inf_nan=False)]


def _wall_clock(value: datetime.time) -> datetime.time:
    if value.tzinfo is not None:
        raise ValueError("请填写不带时区的时刻，例如 22:00")
    return value


# A time of day on the county's wall clock (quiet hours, a weekly viewing slot). A time
# with a zone ("08:50Z") means nothing here and no database can store it: 422.
ClockTime = Annotated[datetime.time, AfterValidator(_wall_clock)]


def _plausible(value: datetime.datetime) -> datetime.datetime:
    # Far from now a time overflows when moved to UTC for the database (a 500, not a 400).
    if not YEAR_MIN <= value.year <= YEAR_MAX:
        raise ValueError(f"时间应在 {YEAR_MIN} 年到 {YEAR_MAX} 年之间")
    return value


# A date and time in a body (an activity's start, a vote's close): within the years any
# record here can have, else 422 with the Chinese reason.
Moment = Annotated[datetime.datetime, AfterValidator(_plausible)]


def aware(value: datetime.datetime) -> datetime.datetime:
    """A time without an offset is Beijing time, as the page's form reads it."""
    return timezone.make_aware(value) if timezone.is_naive(value) else value


class ErrorOut(Schema):
    """Every 4xx answer of the API."""

    detail: str = Field(..., description="中文说明")
    field: str | None = Field(None, description="出错的字段（若有）")


ERROR_DESCRIPTIONS = {
    400: "请求被拒绝（业务规则或无法读取的请求）",
    401: "未登录，或令牌无效、已过期",
    403: "没有权限（会话请求缺少 CSRF 令牌时也是 403）",
    404: "找不到，或不在您的权限范围内",
    409: "与当前状态冲突",
    422: "参数或请求体不符合接口定义",
    429: "请求过于频繁",
}


def errors(*codes: int) -> dict[int, type[ErrorOut]]:
    """Response declarations for the error statuses an operation's own logic answers."""
    return dict.fromkeys(codes, ErrorOut)


def allows_anonymous(auth: Any) -> bool:
    callbacks = auth if isinstance(auth, list | tuple) else [auth]
    return auth is None or any(getattr(cb, "allows_anonymous", False) for cb in callbacks)


def _reads_input(view_func: Callable[..., Any], path: str) -> bool:
    params = [p for p in inspect.signature(view_func).parameters if p != "request"]
    return bool(params) or "{" in path


def _reads_json_body(view_func: Callable[..., Any]) -> bool:
    """Whether ninja parses a JSON body for the view (a Schema parameter not marked as a
    query, path, form or file one): an unreadable body is then a 400."""
    hints = get_type_hints(view_func, include_extras=True)
    for name, hint in hints.items():
        if name in ("request", "return"):
            continue
        if get_origin(hint) is Annotated:
            base, *extras = get_args(hint)
            markers = [m for m in extras if isinstance(m, Param)]
            if markers:
                if isinstance(markers[0], Body):
                    return True
                continue
            hint = base
        if isinstance(hint, type) and issubclass(hint, BaseModel):
            return True
    return False


class ApiRouter(Router):
    """A router whose operations declare the framework's error statuses themselves."""

    def add_api_operation(
        self,
        path: str,
        methods: list[str],
        view_func: Callable[..., Any],
        *,
        response: Any = NOT_SET,
        auth: Any = NOT_SET,
        openapi_extra: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        if response is NOT_SET:
            response = {200: None}
        elif not isinstance(response, dict):
            response = {200: response}
        else:
            response = dict(response)
        framework: list[int] = []
        if auth is not None:  # auth=None: no login at all (the token endpoint)
            framework.append(401)  # also a public operation given a bad token
            if any(m.upper() not in ("GET", "HEAD", "OPTIONS") for m in methods):
                framework.append(403)
        if _reads_input(view_func, path):
            framework.append(422)
        if _reads_json_body(view_func):
            framework.append(400)
        for code in framework:
            response.setdefault(code, ErrorOut)
        extra = dict(openapi_extra or {})
        if auth is not NOT_SET and auth is not None and allows_anonymous(auth):
            # Optional login: the empty requirement says "or no credentials at all".
            extra.setdefault("security", [{}])
        for code in response:
            if code in ERROR_DESCRIPTIONS:
                extra.setdefault("responses", {}).setdefault(
                    code, {"description": ERROR_DESCRIPTIONS[code]}
                )
        super().add_api_operation(
            path,
            methods,
            view_func,
            response=response,
            auth=auth,
            openapi_extra=extra or None,
            **kwargs,
        )


class SafeParser(Parser):
    """Request bodies through common.parse: bounded nesting, finite numbers, and a Chinese
    message for anything unreadable (api.py turns it into a 400)."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = loads_json(request.body)
        return data  # type: ignore[no-any-return]


__all__ = [
    "ApiRouter",
    "ErrorOut",
    "FiniteFloat",
    "Id",
    "Moment",
    "PageNumber",
    "SafeParser",
    "Year",
    "aware",
    "errors",
    "json_object",
]
