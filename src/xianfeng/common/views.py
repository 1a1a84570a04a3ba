from __future__ import annotations

import sys

from django.contrib.auth.decorators import login_required
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from xianfeng.common.errors import BadInput
from xianfeng.common.home import panels_for
from xianfeng.common.pagecache import per_person
from xianfeng.common.workers import workers_alive


@login_required
@per_person
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "common/home.html", {"panels": panels_for(request)})


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers and at least one task worker beat recently."""
    status: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        status["database"] = "ok"
    except Exception as exc:
        status["database"] = f"error: {type(exc).__name__}"
        return JsonResponse(status, status=503)
    from django.conf import settings

    if settings.TASKS_MODE == "immediate":
        status["worker"] = "inline"
    else:
        alive = workers_alive()
        status["worker"] = f"ok ({len(alive)})" if alive else "no worker heartbeat"
    healthy = all(v.startswith(("ok", "inline")) for v in status.values())
    return JsonResponse(status, status=200 if healthy else 503)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A Chinese page for an expired form instead of Django's English one."""
    return render(request, "403_csrf.html", status=403)


def _api_error(status: int, detail: str) -> JsonResponse:
    return JsonResponse(
        {"detail": detail, "field": None}, status=status, json_dumps_params={"ensure_ascii": False}
    )


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400: our BadInput's Chinese message (a malformed number or body); other bad requests
    (Django's SuspiciousOperation) say nothing specific, as Django's own handler does."""
    message = exception.message if isinstance(exception, BadInput) else "无法处理的请求"
    if request.path.startswith("/api/"):
        return _api_error(400, message)
    return render(request, "400.html", {"message": message}, status=400)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404: the JSON error body under /api/ (an address no operation has), else the page."""
    if request.path.startswith("/api/"):
        return _api_error(404, "找不到该接口")
    return render(request, "404.html", status=404)


# What a database outage (a PostgreSQL restart, a dropped connection) answers: the write in
# flight may or may not have committed, so the person is told to check before repeating.
DATABASE_DOWN = "暂时无法连接数据库，这次操作可能没有完成；请稍后刷新确认，再重新提交"
DATABASE_RETRY_SECONDS = 5


def server_error(request: HttpRequest) -> HttpResponse:
    """500, or 503 with Retry-After while the database cannot be reached (the next request
    reconnects by itself: CONN_HEALTH_CHECKS). Rendered without a request context: the
    context processors would ask the database again."""
    exc = sys.exc_info()[1]
    if isinstance(exc, OperationalError | InterfaceError):
        if request.path.startswith("/api/"):
            response: HttpResponse = _api_error(503, DATABASE_DOWN)
        else:
            body = loader.render_to_string("503.html", {"message": DATABASE_DOWN})
            response = HttpResponse(body, status=503)
        response["Retry-After"] = str(DATABASE_RETRY_SECONDS)
        return response
    if request.path.startswith("/api/"):
        return _api_error(500, "服务器出错了，我们已经记录了这个问题，请稍后再试")
    return HttpResponse(loader.render_to_string("500.html"), status=500)
