"""Resumable uploads (tus 1.0): creation, appending a chunk, finishing into a Video,
termination and expiry.

The bytes live in UPLOAD_DIR/<uuid>.part; the Upload row's `offset` is the truth. A chunk
is streamed to a scratch file first and appended to the part file only while the row is
locked, so two PATCHes racing for the same offset cannot both append, and the part file is
truncated to the stored offset before every append, so bytes written by a request whose
commit never happened are overwritten rather than trusted.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import logging
import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.media import targets
from xianfeng.media.enums import UploadStatus
from xianfeng.media.models import Upload
from xianfeng.media.services.videos import video_create, video_source_store

log = logging.getLogger(__name__)

READ_SIZE = 256 * 1024
CHECKSUM_ALGORITHMS = ("sha1",)


class UploadRefused(Refused):
    """A refused upload request; `status` is the HTTP status tus asks for."""

    status = 400


class UploadTooLarge(UploadRefused):
    status = 413


class OffsetConflict(UploadRefused):
    status = 409


class ChecksumMismatch(UploadRefused):
    status = 460


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class Checksum:
    algorithm: str
    digest: bytes

    @classmethod
    def parse(cls, header: str) -> Checksum:
        """Parse an Upload-Checksum header: "<algorithm> <base64 digest>"."""
        algorithm, _, encoded = header.strip().partition(" ")
        if algorithm not in CHECKSUM_ALGORITHMS:
            raise UploadRefused(f"不支持的校验算法：{algorithm}")
        try:
            digest = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise UploadRefused("校验值格式不正确") from exc
        return cls(algorithm, digest)


def upload_part_path(upload: Upload) -> Path:
    """Where the bytes received so far are kept."""
    return Path(settings.UPLOAD_DIR) / f"{upload.pk}.part"


def upload_expires_at(upload: Upload) -> datetime.datetime:
    return upload.updated_at + datetime.timedelta(hours=settings.UPLOAD_EXPIRE_HOURS)


def _size_label(size: int) -> str:
    gb, mb = size / 1024**3, size / 1024**2
    value, unit = (gb, "GB") if gb >= 1 else (mb, "MB")
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"


def _clean_name(name: str) -> str:
    # Only the last path part, no control characters: it ends up as a storage file name.
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[:255]


def _may_upload(user: Any, target_kind: str, target_id: str) -> bool:
    target = targets.get(target_kind)
    if target is None:
        return False
    try:
        return bool(target.may_upload(user, target_id))
    except (ValueError, TypeError, ObjectDoesNotExist):  # an id that is not one
        return False


def upload_create(
    *,
    user: Any,
    length: int,
    target_kind: str,
    target_id: str,
    filename: str = "",
    filetype: str = "",
    metadata: dict[str, str] | None = None,
) -> Upload:
    """Open a resumable upload of `length` bytes for a registered target the user may
    upload to; an empty file is refused here rather than failing in processing later."""
    if length < 0:
        raise UploadRefused("文件大小不正确")
    if length == 0:
        raise UploadRefused("这个文件是空的（0 字节），请重新选择")
    limit = settings.UPLOAD_MAX_BYTES
    if length > limit:
        raise UploadTooLarge(f"文件太大：最大允许 {_size_label(limit)}，请剪短或压缩后再上传")
    if not target_kind or not target_id:
        raise UploadRefused("缺少上传用途")
    if targets.get(target_kind) is None or len(target_id) > 64:
        raise PermissionDenied("不能为这个对象上传文件")
    if not _may_upload(user, target_kind, target_id):
        raise PermissionDenied("你没有为这个对象上传文件的权限")

    with transaction.atomic():
        upload = Upload.objects.create(
            user=user,
            length=length,
            filename=_clean_name(filename),
            filetype=filetype.strip()[:100],
            metadata=metadata or {},
            target_kind=target_kind,
            target_id=target_id,
        )
        audit_log(
            actor=user,
            action="upload.create",
            obj=upload,
            data={
                "name": upload.filename,
                "length": length,
                "target": f"{target_kind}:{target_id}",
            },
        )
    part = upload_part_path(upload)
    part.parent.mkdir(parents=True, exist_ok=True)
    part.touch()
    return upload


def _receive(
    stream: Readable, *, limit: int, scratch: Path, checksum: Checksum | None
) -> tuple[int, bool, Any]:
    """Copy up to `limit` bytes of `stream` into `scratch`; return (bytes, cut off, hash).

    A client that disconnects part way shows up either as an OSError from the stream
    (Django raises UnreadablePostError, a subclass) or as a short read.
    """
    digest = hashlib.new(checksum.algorithm, usedforsecurity=False) if checksum else None
    received = 0
    cut = False
    scratch.parent.mkdir(parents=True, exist_ok=True)
    with scratch.open("wb") as out:
        while received < limit:
            try:
                data = stream.read(min(READ_SIZE, limit - received))
            except OSError:
                cut = True
                break
            if not data:
                cut = True
                break
            out.write(data)
            if digest is not None:
                digest.update(data)
            received += len(data)
    return received, cut, digest


def upload_append(
    *,
    upload: Upload,
    user: Any,
    offset: int,
    stream: Readable,
    content_length: int,
    checksum: Checksum | None = None,
) -> Upload:
    """Append a PATCH body at `offset`; finish the upload when it is complete.

    What arrived before a dropped connection is kept (the next HEAD reports it), unless a
    checksum was sent: a chunk that cannot be verified is not appended.
    """
    if upload.status == UploadStatus.CANCELLED:
        raise UploadRefused("这次上传已取消")
    if offset != upload.offset:
        raise OffsetConflict(f"续传位置不一致：服务器已收到 {upload.offset} 字节")
    if content_length > upload.length - upload.offset:
        raise UploadTooLarge("上传的数据超出了文件大小")

    received = 0
    if content_length > 0:
        part = upload_part_path(upload)
        scratch = part.with_name(f"{upload.pk}.{secrets.token_hex(6)}.chunk")
        try:
            received, cut, digest = _receive(
                stream, limit=content_length, scratch=scratch, checksum=checksum
            )
            if checksum is not None and digest is not None:
                if cut:
                    raise UploadRefused("连接中断，这一段数据没有保存，请重新发送")
                if digest.digest() != checksum.digest:
                    raise ChecksumMismatch("数据校验失败，这一段没有保存，请重新发送")
            if received:
                _commit_chunk(upload, offset=offset, scratch=scratch, received=received)
        finally:
            scratch.unlink(missing_ok=True)
        if cut:
            log.info("upload %s: connection cut after %d bytes, kept", upload.pk, received)

    upload.refresh_from_db()
    if upload.status == UploadStatus.RECEIVING and upload.offset == upload.length:
        upload = upload_finish(upload=upload)
    return upload


def _commit_chunk(upload: Upload, *, offset: int, scratch: Path, received: int) -> None:
    part = upload_part_path(upload)
    with transaction.atomic():
        # The row lock (on SQLite the IMMEDIATE write lock) serialises appends: of two
        # PATCHes sent for the same offset only the first to get here appends.
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        if locked.status != UploadStatus.RECEIVING:
            raise UploadRefused("这次上传已结束")
        if locked.offset != offset:
            raise OffsetConflict(f"续传位置不一致：服务器已收到 {locked.offset} 字节")
        with part.open("r+b" if part.exists() else "w+b") as out, scratch.open("rb") as chunk:
            if os.fstat(out.fileno()).st_size < offset:
                raise UploadRefused("服务器上的临时文件不完整，请重新上传")
            out.truncate(offset)
            out.seek(offset)
            shutil.copyfileobj(chunk, out, READ_SIZE)
            out.flush()
            os.fsync(out.fileno())
        # Only bytes that are on the disk are counted.
        Upload.objects.filter(pk=upload.pk).update(
            offset=offset + received, updated_at=timezone.now()
        )


def upload_finish(*, upload: Upload) -> Upload:
    """Turn a fully received upload into a Video (idempotent: a retried request after a
    lost response finds it complete)."""
    part = upload_part_path(upload)
    fresh = Upload.objects.get(pk=upload.pk)
    if fresh.status == UploadStatus.COMPLETE:
        return fresh
    if fresh.status != UploadStatus.RECEIVING or fresh.offset != fresh.length:
        raise UploadRefused("文件还没有传完")
    with part.open("r+b") as handle:
        if os.fstat(handle.fileno()).st_size < fresh.length:
            raise UploadRefused("服务器上的临时文件不完整，请重新上传")
        # A request whose commit failed may have left bytes beyond the length.
        handle.truncate(fresh.length)
    # The copy into storage happens before the transaction (see video_source_store); a
    # concurrent finish that loses the race below deletes its own copy.
    stored = video_source_store(source_path=part, original_name=fresh.filename or "upload.bin")
    try:
        return _finish_locked(upload, part, stored)
    except BaseException:
        storages["private"].delete(stored)
        raise


def _finish_locked(upload: Upload, part: Path, stored: str) -> Upload:
    with transaction.atomic():
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        if locked.status == UploadStatus.COMPLETE:
            transaction.on_commit(lambda: storages["private"].delete(stored))
            return locked
        if locked.status != UploadStatus.RECEIVING or locked.offset != locked.length:
            raise UploadRefused("文件还没有传完")
        if not _may_upload(locked.user, locked.target_kind, locked.target_id):
            raise PermissionDenied("你已不能为这个对象上传文件")
        video = video_create(
            owner=locked.user,
            source_name=stored,
            original_name=locked.filename or "upload.bin",
            target_kind=locked.target_kind,
            target_id=locked.target_id,
        )
        locked.video = video
        locked.status = UploadStatus.COMPLETE
        locked.save(update_fields=["video", "status", "updated_at"])
        audit_log(
            actor=locked.user,
            action="upload.complete",
            obj=locked,
            data={"video": video.pk, "length": locked.length},
        )
        transaction.on_commit(lambda: part.unlink(missing_ok=True))
    return locked


def upload_terminate(*, upload: Upload, user: Any) -> Upload:
    """Cancel an upload in progress and remove what was received."""
    part = upload_part_path(upload)
    with transaction.atomic():
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        if locked.status == UploadStatus.COMPLETE:
            raise OffsetConflict("上传已完成，不能再取消")
        if locked.status == UploadStatus.CANCELLED:
            return locked
        locked.status = UploadStatus.CANCELLED
        locked.save(update_fields=["status", "updated_at"])
        audit_log(actor=user, action="upload.cancel", obj=locked, data={"offset": locked.offset})
        transaction.on_commit(lambda: part.unlink(missing_ok=True))
    return locked


def uploads_expire(*, now: datetime.datetime | None = None) -> int:
    """Delete uploads nobody has sent a byte to for UPLOAD_EXPIRE_HOURS (and cancelled
    ones as old), their part files, and scratch files left by a crashed request."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(hours=settings.UPLOAD_EXPIRE_HOURS)
    stale = Upload.objects.filter(
        status__in=[UploadStatus.RECEIVING, UploadStatus.CANCELLED], updated_at__lt=cutoff
    )
    deleted = 0
    for pk in stale.values_list("pk", flat=True):
        # Conditional delete: a chunk that arrived since the query keeps the upload alive.
        count, _ = Upload.objects.filter(pk=pk, updated_at__lt=cutoff).delete()
        if count:
            deleted += 1
            (Path(settings.UPLOAD_DIR) / f"{pk}.part").unlink(missing_ok=True)
    upload_dir = Path(settings.UPLOAD_DIR)
    if upload_dir.is_dir():
        # Files as old as the cutoff that no upload in progress owns: scratch chunks of a
        # request that crashed, part files whose row is gone.
        live = {
            f"{pk}.part"
            for pk in Upload.objects.filter(status=UploadStatus.RECEIVING).values_list(
                "pk", flat=True
            )
        }
        for path in upload_dir.iterdir():
            if path.suffix not in (".part", ".chunk") or path.name in live:
                continue
            try:
                modified = datetime.datetime.fromtimestamp(path.stat().st_mtime, tz=datetime.UTC)
            except FileNotFoundError:
                continue
            if modified < cutoff:
                path.unlink(missing_ok=True)
    if deleted:
        log.info("expired %d uploads", deleted)
    return deleted
