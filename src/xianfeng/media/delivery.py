"""Who may fetch a video's files, and how the bytes get to them.

The media storage is private (a local folder no URL maps to, or a private bucket). A page
that shows a video to a person — after its selector decided that the person may see the
lesson, entry or meeting — hands out signed URLs:

    /media/v/<token>/<storage key>/<attempt>/master.m3u8

The token carries an expiry, whether the object is public, and an HMAC over both and the
video's folder (`videos/<storage key>/`). An HLS playlist names its renditions and segments
by relative paths, so the player asks for every file under the same token: one signature
check per request and no database query, whatever the number of segments.

Private media (branch-only lessons, drafts, contest entries) gets URLs valid for
MEDIA_URL_HOURS and `Cache-Control: private`; a lesson published to everyone gets a token
that stays the same for a day (so a CDN and browsers can cache it) and `Cache-Control:
public`. How the bytes leave (settings.MEDIA_DELIVERY):

- ``direct``: this process streams the file, with byte ranges (the embedded setup);
- ``accel``: an empty answer with ``X-Accel-Redirect`` to an internal nginx location that
  reads the local folder or proxies the private bucket (docs/deploy.md);
- ``redirect``: playlists are read here and their segments rewritten to pre-signed object
  store URLs; every other file is a redirect to a pre-signed URL (a private S3 bucket).
"""

from __future__ import annotations

import base64
import hmac
import posixpath
import re
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.urls import reverse
from django.utils.crypto import salted_hmac

from xianfeng.common.ranges import ranged_file_response

PREFIX = "videos/"
SALT = "xianfeng.media.delivery"
DAY = 86400
ROUND = 300  # private expiries are rounded up to 5 minutes: the same URL for a while
CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".ts": "video/mp2t",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".jpg": "image/jpeg",
    ".png": "image/png",
}
_TOKEN = re.compile(r"^([0-9a-f]{1,12})([px])([A-Za-z0-9_-]{24})$")
_KEY = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_REST = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}(/[A-Za-z0-9_-][A-Za-z0-9_.-]{0,99}){0,4}$")
_MAP_URI = re.compile(r'(#EXT-X-MAP:.*URI=")([^"]+)(")')


class Expired(Exception):
    """A genuine token whose time is up: the page that gave it must be loaded again."""


@dataclass(frozen=True)
class Grant:
    key: str
    expires: int
    public: bool


def _signature(key: str, expires: int, flag: str) -> str:
    mac = salted_hmac(SALT, f"{key}:{expires}:{flag}", algorithm="sha256").digest()
    return base64.urlsafe_b64encode(mac[:18]).decode()


def token_for(key: str, *, public: bool, now: float | None = None) -> str:
    """A token for the files of one video folder."""
    moment = int(time.time() if now is None else now)
    if public:
        # The same token all day, valid one to two days: cacheable by a CDN.
        expires = (moment // DAY + 2) * DAY
    else:
        expires = -(-(moment + settings.MEDIA_URL_SECONDS) // ROUND) * ROUND
    flag = "p" if public else "x"
    return f"{expires:x}{flag}{_signature(key, expires, flag)}"


def verify(token: str, key: str, *, now: float | None = None) -> Grant:
    """The grant a token gives for the folder `key`; Http404 for anything not signed by
    us for this folder, Expired for a genuine one whose time is up."""
    match = _TOKEN.match(token)
    if match is None or not _KEY.match(key):
        raise Http404("找不到该文件")
    expires_hex, flag, signature = match.groups()
    expires = int(expires_hex, 16)
    if not hmac.compare_digest(signature, _signature(key, expires, flag)):
        raise Http404("找不到该文件")
    if expires < (time.time() if now is None else now):
        raise Expired
    return Grant(key=key, expires=expires, public=flag == "p")


def split_name(name: str) -> tuple[str, str]:
    """('<storage key>', '<rest>') of a storage name under videos/."""
    if not name.startswith(PREFIX):
        raise ValueError(f"not a video file: {name}")
    key, _, rest = name[len(PREFIX) :].partition("/")
    return key, rest


def signed_url(name: str, *, public: bool, now: float | None = None) -> str:
    """The URL a page gives for a file of the media storage ('' for no file). Call it only
    for a person a selector has let see the object the video belongs to."""
    if not name:
        return ""
    key, rest = split_name(name)
    token = token_for(key, public=public, now=now)
    return reverse("media-file", kwargs={"token": token, "key": key, "rest": rest})


def _cache_control(grant: Grant, rest: str) -> str:
    # A playlist changes while a video is still being transcoded; files never change (a new
    # attempt writes a new folder).
    changing = rest.endswith(".m3u8")
    if grant.public:
        return "public, max-age=10" if changing else f"public, max-age={DAY}, immutable"
    seconds = max(0, min(grant.expires - int(time.time()), 3600))
    return "private, max-age=5" if changing else f"private, max-age={seconds}"


def serve(request: HttpRequest, token: str, key: str, rest: str) -> HttpResponseBase:
    """Answer one file of a video folder to the holder of a valid token."""
    if not _REST.match(rest) or ".." in rest:
        raise Http404("找不到该文件")
    try:
        grant = verify(token, key)
    except Expired:
        response = HttpResponse(
            "播放地址已过期，请刷新页面后再看。", status=403, content_type="text/plain"
        )
        response["Cache-Control"] = "no-store"
        return response
    name = f"{PREFIX}{key}/{rest}"
    content_type = CONTENT_TYPES.get(posixpath.splitext(rest)[1].lower())
    if content_type is None:
        raise Http404("找不到该文件")
    storage = storages["default"]
    mode = settings.MEDIA_DELIVERY
    answer: HttpResponseBase
    if mode == "accel":
        answer = HttpResponse(content_type=content_type)
        answer["X-Accel-Redirect"] = settings.MEDIA_ACCEL_PREFIX + name
    elif mode == "redirect" and rest.endswith(".m3u8"):
        answer = _rewritten_playlist(storage, name, grant, content_type)
    elif mode == "redirect":
        answer = HttpResponseRedirect(_presigned(storage, name, grant))
    else:
        answer = _direct(request, storage, name, content_type)
    answer["Cache-Control"] = _cache_control(grant, rest)
    answer["X-Content-Type-Options"] = "nosniff"
    if not grant.public:
        answer["Referrer-Policy"] = "no-referrer"
    return answer


def _direct(
    request: HttpRequest, storage: Storage, name: str, content_type: str
) -> HttpResponseBase:
    try:
        handle = storage.open(name, "rb")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as exc:
        raise Http404("找不到该文件") from exc
    size = storage.size(name)
    return ranged_file_response(request, handle, size=size, content_type=content_type)


def _presigned(storage: Storage, name: str, grant: Grant) -> str:
    # Never longer than the token, at least a minute, at most the store's own limit.
    seconds = max(60, min(grant.expires - int(time.time()), 7 * DAY))
    url: Any = storage.url(name, expire=seconds)  # type: ignore[call-arg]
    return str(url)


def _rewritten_playlist(
    storage: Storage, name: str, grant: Grant, content_type: str
) -> HttpResponse:
    """The playlist with each segment as a pre-signed object store URL; a master playlist's
    renditions stay relative, so they come back here under the same token."""
    try:
        with storage.open(name, "rb") as handle:
            text = handle.read().decode("utf-8")
    except FileNotFoundError as exc:
        raise Http404("找不到该文件") from exc
    folder = posixpath.dirname(name)

    def absolute(uri: str) -> str:
        if "://" in uri or uri.startswith("/"):
            return uri
        target = posixpath.normpath(posixpath.join(folder, uri))
        if not target.startswith(f"{PREFIX}{grant.key}/"):
            return uri
        return _presigned(storage, target, grant)

    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and not stripped.endswith(".m3u8"):
            line = absolute(stripped)
        elif stripped.startswith("#EXT-X-MAP:"):
            line = _MAP_URI.sub(lambda m: m.group(1) + absolute(m.group(2)) + m.group(3), line)
        lines.append(line)
    return HttpResponse("\n".join(lines) + "\n", content_type=content_type)
