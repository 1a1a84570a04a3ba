"""/metrics for Prometheus and /readyz for load balancers and operators."""

from __future__ import annotations

import hmac
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from xianfeng.ops import metrics


def has_metrics_token(request: HttpRequest) -> bool:
    expected = settings.METRICS_TOKEN
    if not expected:
        return False
    header = request.headers.get("Authorization", "")
    given = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    return hmac.compare_digest(given.encode(), expected.encode())


@require_GET
@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus text format, for `Authorization: Bearer $XF_METRICS_TOKEN` only (404 to
    anyone else, and when no token is set)."""
    if not has_metrics_token(request):
        raise Http404
    return HttpResponse(metrics.render(), content_type="text/plain; version=0.0.4; charset=utf-8")


def _check(name: str, checks: dict[str, Any], fn: Any) -> None:
    started = time.perf_counter()
    try:
        ok, detail = fn()
    except Exception as exc:
        ok, detail = False, f"{type(exc).__name__}"
    checks[name] = {"ok": ok, "detail": detail, "ms": round((time.perf_counter() - started) * 1000)}


def _database() -> tuple[bool, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return True, connection.vendor


def _cache() -> tuple[bool, str]:
    key = "xf:readyz"
    value = str(time.time())
    cache.set(key, value, 30)
    return cache.get(key) == value, settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]


def _workers() -> tuple[bool, str]:
    from xianfeng.common.workers import workers_alive

    if settings.TASKS_MODE == "immediate":
        return True, "inline"
    alive = len(workers_alive())
    return alive > 0, f"{alive} 个任务进程在线"


def _queues() -> tuple[bool, str]:
    stats = metrics.queue_stats(timezone.now())
    worst = max((age for _, age in stats.values()), default=0.0)
    waiting = sum(count for count, _ in stats.values())
    return worst <= settings.READY_QUEUE_MAX_SECONDS, f"{waiting} 个任务等待，最久 {worst:.0f} 秒"


def _disk() -> tuple[bool, str]:
    floor = settings.READY_DISK_MIN_MB * 1024 * 1024
    parts, ok = [], True
    for label, path in metrics.disk_paths().items():
        free = metrics.disk_free(path)
        if free is None:
            continue
        ok = ok and free >= floor
        parts.append(f"{label} 剩余 {free / 1024**3:.1f} GB")
    return ok, "，".join(parts)


def _backup() -> tuple[bool, str]:
    from xianfeng.ops.models import BackupRun, BackupStatus

    last = BackupRun.objects.filter(status=BackupStatus.OK).order_by("-finished_at").first()
    if not settings.BACKUP_DIR:
        shown = f"，最近一次 {timezone.localtime(last.finished_at):%Y-%m-%d %H:%M}" if last else ""
        return True, "未设置自动备份（XF_BACKUP_DIR）" + shown
    if last is None:
        return False, "还没有成功的备份"
    age = timezone.now() - last.finished_at
    return age <= timedelta(hours=26), (
        f"最近一次成功备份 {timezone.localtime(last.finished_at):%Y-%m-%d %H:%M}"
    )


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when the database, cache, workers, queues, disk and backups are fine, else 503.
    Anyone gets the verdict; the details go to superusers and the metrics token."""
    checks: dict[str, Any] = {}
    _check("database", checks, _database)
    if checks["database"]["ok"]:
        for name, fn in (
            ("cache", _cache),
            ("workers", _workers),
            ("queues", _queues),
            ("disk", _disk),
            ("backup", _backup),
        ):
            _check(name, checks, fn)
    ready = all(check["ok"] for check in checks.values())
    body: dict[str, Any] = {"status": "ok" if ready else "fail"}
    user = getattr(request, "user", None)
    if has_metrics_token(request) or (user is not None and user.is_superuser):
        body["checks"] = checks
    else:
        body["failing"] = sorted(name for name, check in checks.items() if not check["ok"])
    return JsonResponse(
        body, status=200 if ready else 503, json_dumps_params={"ensure_ascii": False}
    )
