"""The JSON API for mobile and mini-program clients: /api/v1/, OpenAPI at openapi.json.

Browsers use their session (with the CSRF token); apps use a bearer token from
POST /api/v1/auth/token. Each app adds its router here.
"""

from __future__ import annotations

from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from ninja import NinjaAPI
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.security import APIKeyCookie, HttpBearer

from xianfeng.common.errors import Refused
from xianfeng.common.text import clean_data


class SessionAuth(APIKeyCookie):
    """The browser's Django session; unsafe methods also need the CSRF token."""

    param_name = "sessionid"

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        return user if user.is_authenticated and user.is_active else None


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from xianfeng.people.services.accounts import api_token_user

        user = api_token_user(token)
        if user is not None:
            request.user = user
        return user


class Utf8JSONRenderer(JSONRenderer):
    """Chinese as UTF-8, not \\u escapes: a third of the bytes on a weak network."""

    json_dumps_params = {"ensure_ascii": False}


class CleanTextParser(Parser):
    """Every string of a JSON body, query string or form field goes through `clean_text`
    (common/text.py) before pydantic sees it: one place for every router mounted here, so a
    lone surrogate or a NUL never reaches a service, the database or a 500."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        return cast(dict[str, Any], clean_data(super().parse_body(request)))

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        parsed = super().parse_querydict(data, list_fields, request)
        return cast(dict[str, Any], clean_data(parsed))


api = NinjaAPI(
    parser=CleanTextParser(),
    renderer=Utf8JSONRenderer(),
    title="先锋 API",
    version="1",
    description="先锋党员教育平台的接口：组织、党员，以及后续的微党课、竞赛、三会一课。",
    auth=[SessionAuth(), TokenAuth()],
    urls_namespace="api",
)


@api.exception_handler(Refused)
def refused(request: HttpRequest, exc: Refused) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message, "field": exc.field}, status=400)


@api.exception_handler(PermissionDenied)
def denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "没有权限"}, status=403)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "找不到"}, status=404)


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


_mount()
