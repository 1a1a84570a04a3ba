"""Writes of the site administration pages: the sites workbook between preview and commit,
ending a 停用 period, clearing a target, discussion photos of a viewing."""

from __future__ import annotations

import io
import uuid
from typing import IO, TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.images import process_image
from xianfeng.orgs.enums import RoleKind
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import has_role_over
from xianfeng.remote.enums import ImportState, ViewingState
from xianfeng.remote.models import (
    RemoteTarget,
    Site,
    SiteImportBatch,
    SiteSuspension,
    Viewing,
    ViewingPhoto,
)

if TYPE_CHECKING:
    from xianfeng.people.models import User
    from xianfeng.remote.importer import SiteImport

SITES_FILE_MAX_BYTES = 10 * 1024 * 1024
PHOTO_MAX_BYTES = 20 * 1024 * 1024
PHOTO_MAX_SIDE = 1600
THUMB_MAX_SIDE = 480
PHOTOS_PER_VIEWING = 20
ORG_ADMIN = frozenset({RoleKind.ADMIN})
SITE_RUNNERS = frozenset({RoleKind.SITE_ADMIN, RoleKind.ADMIN})


def can_admin_org(user: User, org: Org) -> bool:
    """Import sites and set targets: the org admins of the org or above."""
    return has_role_over(user, org, ORG_ADMIN)


# --- the sites workbook --------------------------------------------------------------------


def _read(batch: SiteImportBatch) -> SiteImport:
    from xianfeng.remote.importer import read_sites

    return read_sites(io.BytesIO(bytes(batch.content)), within=batch.org)


def site_import_preview(
    *, actor: User, org: Org, handle: IO[bytes], size: int, name: str
) -> tuple[SiteImportBatch, SiteImport]:
    """Check an uploaded workbook and keep it for the commit; a file that is not a
    workbook or has no header is refused here, row problems are shown on the preview."""
    if not can_admin_org(actor, org):
        raise PermissionDenied("只有组织管理员可以导入站点")
    if size > SITES_FILE_MAX_BYTES:
        raise Refused("文件不能超过 10 MB", field="file")
    content = handle.read()
    batch = SiteImportBatch(org=org, filename=name[:255], content=content, created_by=actor)
    result = _read(batch)  # Refused (broken file, no header) propagates: nothing is kept
    if not result.rows:
        raise Refused("表格中没有站点数据", field="file")
    batch.row_count = len(result.rows)
    batch.error_count = len(result.errors)
    with transaction.atomic():
        batch.save()
        audit_log(
            actor=actor,
            action="site_import.preview",
            obj=batch,
            org=org,
            data={"rows": batch.row_count, "errors": batch.error_count},
        )
    return batch, result


def site_import_read(batch: SiteImportBatch) -> SiteImport:
    """The rows of a kept workbook, checked against today's sites (the preview)."""
    return _read(batch)


def site_import_commit(*, actor: User, batch: SiteImportBatch) -> list[Site]:
    """Create the sites of a previewed workbook, all or none, once (a second click finds
    the batch already committed)."""
    from xianfeng.remote.importer import commit_sites

    if not can_admin_org(actor, batch.org):
        raise PermissionDenied("只有组织管理员可以导入站点")
    with transaction.atomic():
        batch = SiteImportBatch.objects.select_for_update().select_related("org").get(pk=batch.pk)
        if batch.status != ImportState.PREVIEWED:
            raise Refused("这批站点已经导入过了")
        result = _read(batch)
        sites = commit_sites(result, actor=actor)
        batch.status = ImportState.COMMITTED
        batch.created_count = len(sites)
        batch.committed_at = timezone.now()
        batch.content = b""  # the sites are in; the file (with phone numbers) is not kept
        batch.save(update_fields=["status", "created_count", "committed_at", "content"])
        audit_log(
            actor=actor,
            action="site_import.commit",
            obj=batch,
            org=batch.org,
            data={"created": len(sites)},
        )
    return sites


# --- suspensions and targets -----------------------------------------------------------------


def suspension_remove(*, actor: User, suspension: SiteSuspension) -> None:
    """Delete a 停用 period entered by mistake: its days count again."""
    site = suspension.site
    if not has_role_over(actor, site.org, SITE_RUNNERS):
        raise PermissionDenied("只有站点管理员或组织管理员可以修改停用期")
    with transaction.atomic():
        audit_log(
            actor=actor,
            action="site.suspension_remove",
            obj=site,
            org=site.org,
            data={"from": suspension.starts_on, "to": suspension.ends_on},
        )
        suspension.delete()


def target_clear(*, actor: User, org: Org) -> None:
    """The org's sites follow the targets from above again."""
    if not can_admin_org(actor, org):
        raise PermissionDenied("只有组织管理员可以设置目标")
    with transaction.atomic():
        deleted, _ = RemoteTarget.objects.filter(org=org).delete()
        if deleted:
            audit_log(actor=actor, action="remote_target.clear", obj=org, org=org, data={})


# --- discussion photos --------------------------------------------------------------------


def viewing_photo_add(
    *, actor: User, viewing: Viewing, handle: IO[bytes], size: int
) -> ViewingPhoto:
    """A photo of the 讨论交流, shrunk and re-encoded (no EXIF, no GPS), kept private."""
    if not has_role_over(actor, viewing.site.org, SITE_RUNNERS):
        raise PermissionDenied("只有本站点的管理员可以上传讨论照片")
    processed = process_image(
        handle,
        size=size,
        max_side=PHOTO_MAX_SIDE,
        max_bytes=PHOTO_MAX_BYTES,
        thumb_side=THUMB_MAX_SIDE,
    )
    stem = uuid.uuid4().hex
    storage: Any = ViewingPhoto._meta.get_field("image").storage
    written: list[str] = []
    try:
        with transaction.atomic():
            locked = Viewing.objects.select_for_update().get(pk=viewing.pk)
            if locked.state == ViewingState.CANCELLED:
                raise Refused("本次收看已取消")
            if ViewingPhoto.objects.filter(viewing=locked).count() >= PHOTOS_PER_VIEWING:
                raise Refused(f"每次收看最多 {PHOTOS_PER_VIEWING} 张照片")
            photo = ViewingPhoto(
                viewing=locked,
                width=processed.width,
                height=processed.height,
                uploaded_by=actor,
            )
            photo.image.save(f"{stem}.jpg", ContentFile(processed.image), save=False)
            written.append(photo.image.name or "")
            photo.thumb.save(f"{stem}-s.jpg", ContentFile(processed.thumb), save=False)
            written.append(photo.thumb.name or "")
            photo.save()
            audit_log(
                actor=actor, action="viewing.photo_add", obj=locked, org=viewing.site.org, data={}
            )
    except BaseException:
        for name in written:
            storage.delete(name)  # a refused or failed upload leaves no file behind
        raise
    return photo


def viewing_photo_delete(*, actor: User, photo: ViewingPhoto) -> None:
    viewing = photo.viewing
    if not has_role_over(actor, viewing.site.org, SITE_RUNNERS):
        raise PermissionDenied("只有本站点的管理员可以删除讨论照片")
    names = [photo.image.name, photo.thumb.name]
    storage: Any = ViewingPhoto._meta.get_field("image").storage
    with transaction.atomic():
        photo.delete()
        audit_log(
            actor=actor, action="viewing.photo_delete", obj=viewing, org=viewing.site.org, data={}
        )
        transaction.on_commit(lambda: [storage.delete(n) for n in names if n])
