"""The JSON API for mobile and mini-program clients: /api/v1/, OpenAPI at openapi.json,
docs at docs (Swagger UI from our own static files).

Browsers use their session (with the CSRF token); apps use a bearer token from
POST /api/v1/auth/token and need no CSRF token (people/apiauth.py). Each app adds its
router here. Every error answer has one body, `{"detail": "中文说明", "field": … | null}`
(common/apitools.py declares it on every operation).
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.datastructures import MultiValueDict
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import DocsBase
from ninja.renderers import JSONRenderer

from xianfeng.common.apitools import SafeParser
from xianfeng.common.errors import BadInput, Refused
from xianfeng.common.text import clean_data
from xianfeng.common.validation import validation_message
from xianfeng.people.apiauth import API_AUTH, TOKEN_REFUSED


class Utf8JSONRenderer(JSONRenderer):
    """Chinese as UTF-8, not \\u escapes: a third of the bytes on a weak network."""

    json_dumps_params = {"ensure_ascii": False}


class CleanTextParser(SafeParser):
    """Bodies read safely (SafeParser: bounded nesting, finite numbers, a Chinese message
    for anything unreadable), then every string of a JSON body, query string or form field
    through `clean_text` (common/text.py) before pydantic sees it: one place for every
    router mounted here, so a lone surrogate or a NUL never reaches a service, the database
    or a 500."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        return cast(dict[str, Any], clean_data(super().parse_body(request)))

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        parsed = super().parse_querydict(data, list_fields, request)
        return cast(dict[str, Any], clean_data(parsed))


class LocalSwagger(DocsBase):
    """Swagger UI from /static/vendor/ (npm swagger-ui-dist), started by an external
    script that reads the schema address from a data- attribute: the strict CSP holds."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        return render(
            request,
            "common/api_docs.html",
            {"openapi_url": self.get_openapi_url(api, kwargs), "title": api.title},
        )


api = NinjaAPI(
    parser=CleanTextParser(),
    renderer=Utf8JSONRenderer(),
    title="先锋 API",
    version="1",
    description=(
        "先锋党员教育平台的接口：组织、党员、微党课、竞赛评比、三会一课与通知。\n\n"
        "客户端用 `POST /api/v1/auth/token` 换取令牌，之后每个请求带上 "
        "`Authorization: Bearer <令牌>`（带令牌的请求不需要 CSRF 令牌）；"
        "`DELETE /api/v1/auth/token` 注销。浏览器中的页面使用登录会话，写操作须带 "
        "`X-CSRFToken`。视频用 tus 协议上传到 `/media-api/uploads/`，同样可带令牌。\n\n"
        '所有错误的响应体为 `{"detail": "中文说明", "field": "出错的字段或 null"}`。'
    ),
    auth=API_AUTH,
    urls_namespace="api",
    docs=LocalSwagger(),
)


def _error(
    request: HttpRequest, status: int, detail: str, field: str | None = None
) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "field": field}, status=status)


@api.exception_handler(Refused)
def refused(request: HttpRequest, exc: Refused) -> HttpResponse:
    return _error(request, 400, exc.message, exc.field)


@api.exception_handler(BadRequest)
def bad_request(request: HttpRequest, exc: BadRequest) -> HttpResponse:
    if isinstance(exc, BadInput):
        return _error(request, 400, exc.message, exc.field)
    return _error(request, 400, "无法处理的请求")


@api.exception_handler(PermissionDenied)
def denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, str(exc) or "没有权限")


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, str(exc) or "找不到")


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    detail, field = validation_message(exc.errors)
    return _error(request, 422, detail, field)


# ninja's own HttpErrors carry English text; these are the ones it raises.
HTTP_ERROR_TEXT = {
    "CSRF check Failed": (
        "CSRF 校验失败：请刷新页面后重试（使用令牌的客户端请发送 Authorization: Bearer 头）"
    ),
    "Unauthorized": "请先登录，或在 Authorization 头中提供有效的令牌",
    "Forbidden": "没有权限",
    "Too many requests.": "请求过于频繁，请稍后再试",
}


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, BadInput):  # the body parser's refusal
        return _error(request, 400, cause.message, cause.field)
    if exc.status_code == 400 and exc.message.startswith("Cannot parse request body"):
        return _error(request, 400, "请求体不是合法的 JSON")
    if isinstance(exc, AuthenticationError) and exc.message == TOKEN_REFUSED:
        return _error(request, 401, TOKEN_REFUSED)
    return _error(request, exc.status_code, HTTP_ERROR_TEXT.get(exc.message, exc.message))


def _mount() -> None:
    from xianfeng.orgs.api import router as orgs_router
    from xianfeng.people.api import auth_router, members_router

    api.add_router("/auth", auth_router)
    api.add_router("/orgs", orgs_router)
    api.add_router("/members", members_router)
    from xianfeng.lessons.api import router as lessons_router

    api.add_router("/lessons", lessons_router)
    from xianfeng.contests.api import router as contests_router

    api.add_router("/contests", contests_router)
    from xianfeng.meetings.api import router as meetings_router

    api.add_router("/meetings", meetings_router)
    from xianfeng.notify.api import router as notify_router

    api.add_router("/notifications", notify_router)
    from xianfeng.remote.api import router as remote_router

    api.add_router("/remote", remote_router)
    from xianfeng.community.api import five_router
    from xianfeng.community.api import router as wishes_router

    api.add_router("/wishes", wishes_router)
    api.add_router("/community", five_router)
    from xianfeng.study.api import router as study_router

    api.add_router("/study", study_router)
    from xianfeng.assessment.api import router as assessment_router

    api.add_router("/assessment", assessment_router)
    from xianfeng.live.api import router as live_router

    api.add_router("/live", live_router)


_mount()
