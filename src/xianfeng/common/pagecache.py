"""Whole pages kept per person for a short while, and thrown away by any write.

The home page and the lesson page are what a member opens most, and each is a dozen
queries and a large template for HTML that is the same as a second ago for that person.
A page rendered for a GET is kept in this process (a least-recently-used memo) under a key
that holds everything the HTML can depend on:

- who asks (the user id, or 0 for a visitor) and everything they send that a page reads:
  the full path with its query, the Host, the language and the whole Cookie header (the
  session, the CSRF secret the page's tokens are masked from, the 大字 device setting);
- two versions read *before* the page is rendered: one that any write to the database
  changes (whichever process makes it: the web workers, the task worker, a management
  command), and one of the person's own, changed by each of their POSTs (a watch report
  writes only the progress table, which the global version ignores so that thousands of
  players do not throw everyone's pages away every second);
- and a lifetime (settings.PAGE_CACHE_SECONDS) for what changes with the clock alone
  (a countdown, "due this week", a scheduled article appearing).

A write is seen where every write passes, in the database connection (an execute
wrapper): any INSERT, UPDATE or DELETE, whether made by a service, a queryset `update()`,
a bulk insert or raw SQL, except to the tables listed in IGNORED_TABLES. The version is
changed at once and again when the transaction commits, so a page rendered in between
from what was not yet committed is never asked for again.

A page is not kept when anything about the request or response is one-off: a message to
show, a session holding more than the login (a 点赞 intent waiting for the login, a
scanned meeting code), no CSRF cookie yet, htmx fragments, a response that sets a cookie or
changed the session, any status but 200.

Versions live in files on the embedded default (a stat() each, shared by every process on
the machine) and in Redis when settings.REDIS_URL is set (several machines).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.text import compress_string
from django.utils.translation import get_language

from xianfeng.common.memo import MISSING, VersionedMemo

# Writes that change nothing a kept page shows to anyone but the writer (whose own POST
# changes their version), or nothing a page shows at all.
IGNORED_TABLES = frozenset(
    {
        "django_session",
        "django_tasks_database_dbtaskresult",
        "common_workerbeat",
        "common_periodicrun",
        "lessons_watchprogress",
        "live_livewatch",
        "audit_eventdelivery",
        "notify_delivery",
        "remote_devicetoken",
        "remote_siteday",
        "people_monthlyuse",  # once per person a month; read only by the indicator's job
        str(settings.CACHES["default"].get("LOCATION", "")),
    }
)
# Counters that every first start of a lesson bumps: a page may show them up to its
# lifetime late rather than thousands of starts throwing every kept page away.
IGNORED_UPDATES = (
    'UPDATE "lessons_lesson" SET "view_count" = ',
    'UPDATE "remote_site" SET "last_beat_at" = ',
)
# A statement that starts with this comment says it changes nothing a page shows (a
# terminal's heartbeat: thousands of boxes beat every five minutes).
QUIET = "/* pages unchanged */ "
# Session keys that do not change what a page shows: the login itself, the visitor's
# list of lessons already counted as viewed, and the month the person's use was noted in
# (people.services.use.SESSION_KEY).
PLAIN_SESSION_KEYS = frozenset(
    {
        "_auth_user_id",
        "_auth_user_backend",
        "_auth_user_hash",
        "otp_device_id",
        "viewed_lessons",
        "xf_used_month",
    }
)
_ACCEPTS_GZIP = re.compile(r"\bgzip\b")
_READS = ("SELECT", "SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "PRAGMA", "SET ", "SHOW")
_TABLE = re.compile(r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.I)


def _changes_pages(sql: str) -> bool:
    if sql.startswith(QUIET):
        return False
    head = sql.lstrip()[:8].upper()
    if head.startswith(_READS):
        return False
    if sql.startswith(IGNORED_UPDATES) and " WHERE " in sql and sql.count(" = ") == 2:
        return False
    match = _TABLE.match(sql)
    # A statement of another shape (a CTE that writes, DDL) counts as a change.
    return match is None or match.group(1).lower() not in IGNORED_TABLES


class _FileVersions:
    """Versions as the modification time (ns) of a file per name: a bump sets it to now."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, name: str) -> Path:
        return self.root / name

    def read(self, names: tuple[str, ...]) -> tuple[int, ...]:
        out = []
        for name in names:
            try:
                out.append(os.stat(self._path(name)).st_mtime_ns)
            except FileNotFoundError:
                out.append(0)
        return tuple(out)

    def bump(self, name: str) -> None:
        path = self._path(name)
        now = time.time_ns()
        try:
            os.utime(path, ns=(now, now))
        except FileNotFoundError:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
            os.utime(path, ns=(now, now))


class _CacheVersions:
    """Versions as counters in the shared cache (Redis)."""

    def read(self, names: tuple[str, ...]) -> tuple[int, ...]:
        from django.core.cache import cache

        got = cache.get_many([f"pagever:{n}" for n in names])
        return tuple(int(got.get(f"pagever:{n}", 0)) for n in names)

    def bump(self, name: str) -> None:
        from django.core.cache import cache

        key = f"pagever:{name}"
        cache.add(key, 0, timeout=None)
        cache.incr(key)


versions: _FileVersions | _CacheVersions = (
    _CacheVersions() if settings.REDIS_URL else _FileVersions(settings.VAR_DIR / "pageversions")
)
_pages = VersionedMemo(size=settings.PAGE_CACHE_ENTRIES)


def bump_all() -> None:
    versions.bump("all")


def bump_person(user_id: int) -> None:
    versions.bump(f"u{user_id}")


def note_writes(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
) -> Any:
    """Execute wrapper on every connection (common.apps): a write changes the version now,
    and again at commit."""
    result = execute(sql, params, many, context)
    # Off (the tests' default): no page is kept, so no version needs changing.
    if settings.PAGE_CACHE_SECONDS and _changes_pages(sql):
        bump_all()
        connection = context["connection"]
        if connection.in_atomic_block:
            pending = connection.run_on_commit
            if not pending or pending[-1][1] is not bump_all:
                connection.on_commit(bump_all)
    return result


def install(sender: Any, connection: Any, **kwargs: Any) -> None:
    """`connection_created` receiver: watch this connection's writes."""
    if note_writes not in connection.execute_wrappers:
        connection.execute_wrappers.append(note_writes)


def _keepable_request(request: HttpRequest) -> bool:
    if request.method != "GET" or request.headers.get("HX-Request"):
        return False
    if settings.CSRF_COOKIE_NAME not in request.COOKIES or "messages" in request.COOKIES:
        return False
    session = getattr(request, "session", None)
    return session is None or set(session.keys()) <= PLAIN_SESSION_KEYS


def per_person(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Keep this GET view's page per person, as the module docstring says."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        seconds = settings.PAGE_CACHE_SECONDS
        if not seconds or not _keepable_request(request):
            return view(request, *args, **kwargs)
        user_id = request.user.pk if request.user.is_authenticated else 0
        key = (
            user_id,
            request.get_full_path(),
            request.get_host(),
            get_language(),
            request.META.get("HTTP_COOKIE", ""),
        )
        version = hash(versions.read(("all", f"u{user_id}")))
        kept = _pages.get(key, version)
        if kept is not MISSING and kept[0] > time.monotonic():
            _, status, headers, content, packed = kept
            gzip = bool(_ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")))
            response = HttpResponse(packed if gzip else content, status=status)
            for name, value in headers:
                response.headers[name] = value
            if gzip:
                # Compressed once when kept (CompressTextMiddleware leaves it alone).
                response.headers["Content-Encoding"] = "gzip"
                response.headers["Content-Length"] = str(len(packed))
            patch_vary_headers(response, ("Accept-Encoding",))
            return response
        response = view(request, *args, **kwargs)
        if (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and not getattr(getattr(request, "session", None), "modified", False)
            and (request.user.pk if request.user.is_authenticated else 0) == user_id
        ):
            headers = [
                (k, v)
                for k, v in response.headers.items()
                if k.lower() not in ("set-cookie", "content-length", "content-encoding", "vary")
            ]
            content = response.content
            # With the random bytes Django's gzip adds against BREACH, like every page.
            packed = compress_string(content, max_random_bytes=100)
            _pages.put(
                key,
                version,
                (time.monotonic() + seconds, response.status_code, headers, content, packed),
            )
        return response

    return wrapped
