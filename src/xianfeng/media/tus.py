"""The tus 1.0.0 endpoint (core + creation, termination, checksum, expiration).

Used by our own pages (media/upload.js with tus-js-client) with the session cookie, where
CSRF protection stays on (the page sends X-CSRFToken), and by API clients with
`Authorization: Bearer <token>` (the token from POST /api/v1/auth/token), which needs no
CSRF token: the same rule as the JSON API (people/apiauth.py). A bad token is a 401, never
a fall-back to a session cookie. Only the uploader can see an upload: anyone else gets 404,
never a hint that it exists.

    OPTIONS uploads/           what the server supports
    POST    uploads/           create (Upload-Length, Upload-Metadata) -> 201 Location
    HEAD    uploads/<uuid>/    Upload-Offset, Upload-Length
    PATCH   uploads/<uuid>/    append at Upload-Offset; finishing makes a Video
    DELETE  uploads/<uuid>/    cancel
"""

from __future__ import annotations

import base64
import binascii
import errno
import logging
import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.http import http_date
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from ninja.errors import AuthenticationError

from xianfeng.common.errors import Refused
from xianfeng.common.parse import ascii_int
from xianfeng.media.enums import UploadStatus
from xianfeng.media.models import Upload
from xianfeng.media.services.uploads import (
    CHECKSUM_ALGORITHMS,
    Checksum,
    UploadRefused,
    upload_append,
    upload_create,
    upload_expires_at,
    upload_finish,
    upload_terminate,
)
from xianfeng.people.apiauth import TOKEN_REFUSED, bearer_key, csrf_refused, token_user

log = logging.getLogger(__name__)

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,checksum,expiration"
OCTET_STREAM = "application/offset+octet-stream"


DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
DISK_FULL_MESSAGE = "服务器存储空间已满，这一段没有保存；已收到的部分不会丢失，请稍后继续上传"


def _failed_to_save(pk: uuid.UUID, offset: int) -> HttpResponse:
    log.exception("upload %s: append or finish failed", pk)
    current = Upload.objects.filter(pk=pk).values_list("offset", flat=True).first()
    return tus_response(
        500,
        "文件已收到，但保存失败，请稍后重试",
        Upload_Offset=str(current if current is not None else offset),
    )


def tus_response(status: int = 204, message: str = "", **headers: str) -> HttpResponse:
    """A response carrying Tus-Resumable; a message is plain Chinese text for the widget."""
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    response["Tus-Resumable"] = TUS_VERSION
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def upload_for_user(user: Any, pk: uuid.UUID) -> Upload | None:
    """The user's own upload, unless cancelled; anyone else's is invisible."""
    if not user.is_authenticated:
        return None
    return Upload.objects.filter(pk=pk, user=user).exclude(status=UploadStatus.CANCELLED).first()


def parse_metadata(header: str) -> dict[str, str]:
    """Upload-Metadata: comma separated "key base64(value)" pairs (the value is optional)."""
    metadata: dict[str, str] = {}
    for pair in header.split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _, encoded = pair.partition(" ")
        try:
            value = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, ValueError) as exc:
            raise UploadRefused(f"上传元数据 {key} 格式不正确") from exc
        metadata[key] = value
    return metadata


def encode_metadata(metadata: dict[str, str]) -> str:
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in metadata.items()
    )


def parse_size(value: str | None) -> int | None:
    return ascii_int(value) if value is not None else None


def _authenticate(request: HttpRequest) -> HttpResponse | None:
    """A bearer token identifies the user without CSRF; otherwise the session, whose unsafe
    methods need the CSRF token (the views are csrf_exempt so that tokens can pass)."""
    if bearer_key(request) is not None:
        try:
            token_user(request)
        except AuthenticationError:
            return tus_response(401, TOKEN_REFUSED, WWW_Authenticate="Bearer")
        return None
    if csrf_refused(request):
        return tus_response(403, "页面已过期（CSRF 校验失败），请刷新页面后重试")
    return None


@method_decorator(csrf_exempt, name="dispatch")
class TusView(View):
    """Common protocol checks; subclasses implement the methods of their URL."""

    http_method_names = ["options", "head", "post", "patch", "delete"]

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        method = request.method.lower() if request.method else ""
        if method not in self.http_method_names or not hasattr(self, method):
            return tus_response(405, "不支持的请求方法")
        if method != "options":  # a CORS preflight carries no credentials
            if request.headers.get("Tus-Resumable") != TUS_VERSION:
                return tus_response(412, "客户端协议版本不受支持", Tus_Version=TUS_VERSION)
            refused = _authenticate(request)
            if refused is not None:
                return refused
            if not request.user.is_authenticated:
                return tus_response(403, "请先登录后再上传（登录可能已过期，请刷新页面）")
        try:
            response = super().dispatch(request, *args, **kwargs)
        except UploadRefused as exc:
            return tus_response(exc.status, exc.message)
        except PermissionDenied as exc:
            return tus_response(403, str(exc) or "没有权限")
        except Refused as exc:
            return tus_response(409, exc.message)
        return response

    def options(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return tus_response(
            204,
            Tus_Version=TUS_VERSION,
            Tus_Extension=TUS_EXTENSIONS,
            Tus_Max_Size=str(settings.UPLOAD_MAX_BYTES),
            Tus_Checksum_Algorithm=",".join(CHECKSUM_ALGORITHMS),
        )


class UploadCollectionView(TusView):
    """POST creates an upload."""

    def post(self, request: HttpRequest) -> HttpResponse:
        if "Upload-Defer-Length" in request.headers:
            return tus_response(400, "不支持未知长度的上传")
        length = parse_size(request.headers.get("Upload-Length"))
        if length is None:
            return tus_response(400, "缺少或错误的 Upload-Length")
        if (parse_size(request.META.get("CONTENT_LENGTH") or "0") or 0) > 0:
            # creation-with-upload is not offered; a body here is a client bug.
            return tus_response(400, "创建上传时不接受数据")
        metadata = parse_metadata(request.headers.get("Upload-Metadata", ""))
        upload = upload_create(
            user=request.user,
            length=length,
            target_kind=metadata.get("target_kind", ""),
            target_id=metadata.get("target_id", ""),
            filename=metadata.get("filename", ""),
            filetype=metadata.get("filetype", ""),
            metadata=metadata,
        )
        return tus_response(
            201,
            Location=reverse("media:upload", kwargs={"pk": upload.pk}),
            Upload_Expires=http_date(upload_expires_at(upload).timestamp()),
        )


class UploadView(TusView):
    """One upload: HEAD, PATCH, DELETE, by its uploader only."""

    def head(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
        upload = upload_for_user(request.user, pk)
        if upload is None:
            return tus_response(404, Cache_Control="no-store")
        if upload.status == UploadStatus.RECEIVING and upload.offset == upload.length:
            # A finish that failed after the last byte arrived is retried here: tus clients
            # take offset == length for done and send nothing more.
            try:
                upload = upload_finish(upload=upload)
            except (Refused, PermissionDenied):
                raise
            except Exception:
                log.exception("upload %s: finishing failed", upload.pk)
                return tus_response(500, Cache_Control="no-store")
        headers = {
            "Upload_Offset": str(upload.offset),
            "Upload_Length": str(upload.length),
            "Cache_Control": "no-store",
        }
        if upload.metadata:
            headers["Upload_Metadata"] = encode_metadata(upload.metadata)
        if upload.status == UploadStatus.RECEIVING:
            headers["Upload_Expires"] = http_date(upload_expires_at(upload).timestamp())
        return tus_response(200, **headers)

    def patch(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
        upload = upload_for_user(request.user, pk)
        if upload is None:
            return tus_response(404)
        if request.content_type != OCTET_STREAM:
            return tus_response(415, f"Content-Type 应为 {OCTET_STREAM}")
        offset = parse_size(request.headers.get("Upload-Offset"))
        if offset is None:
            return tus_response(400, "缺少或错误的 Upload-Offset")
        content_length = parse_size(request.META.get("CONTENT_LENGTH") or "0")
        if content_length is None:
            return tus_response(400, "缺少或错误的 Content-Length")
        checksum_header = request.headers.get("Upload-Checksum")
        checksum = Checksum.parse(checksum_header) if checksum_header else None
        try:
            # The body is read from the stream in chunks (never request.body, which would
            # hold it in memory and is capped by DATA_UPLOAD_MAX_MEMORY_SIZE).
            upload = upload_append(
                upload=upload,
                user=request.user,
                offset=offset,
                stream=request,
                content_length=content_length,
                checksum=checksum,
            )
        except (Refused, PermissionDenied):
            raise
        except OSError as exc:
            if exc.errno not in DISK_FULL:
                return _failed_to_save(pk, offset)
            # The chunk was not kept (its scratch file is gone); what was stored before is,
            # and the client resumes from the offset once space is freed.
            log.error("upload %s: the disk is full (%s)", pk, exc)
            current = Upload.objects.filter(pk=pk).values_list("offset", flat=True).first()
            return tus_response(
                507,
                DISK_FULL_MESSAGE,
                Upload_Offset=str(current if current is not None else offset),
            )
        except Exception:
            return _failed_to_save(pk, offset)
        headers = {"Upload_Offset": str(upload.offset)}
        if upload.status == UploadStatus.RECEIVING:
            headers["Upload_Expires"] = http_date(upload_expires_at(upload).timestamp())
        if upload.offset - offset < content_length:
            # The connection was cut part way; what arrived is kept (the client is usually
            # gone and will ask with HEAD).
            return tus_response(400, "连接中断，已保存收到的部分", **headers)
        return tus_response(204, **headers)

    def delete(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
        upload = upload_for_user(request.user, pk)
        if upload is None:
            return tus_response(404)
        upload_terminate(upload=upload, user=request.user)
        return tus_response(204)
