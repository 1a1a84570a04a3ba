"""Roster import (党员名册导入): preview a workbook, commit it as one batch, roll it back."""

from __future__ import annotations

import os
import secrets
import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.db.models.deletion import ProtectedError, RestrictedError
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.orgs.models import Org, Role
from xianfeng.orgs.rules import can_manage_roster
from xianfeng.people.enums import ImportStatus
from xianfeng.people.models import Member, RosterImport, User
from xianfeng.people.roster import RosterRow, read_roster
from xianfeng.people.rules import may_manage_login
from xianfeng.people.services.accounts import new_username
from xianfeng.people.services.members import MEMBER_FIELDS

BULK_BATCH = 500
NAMES_SHOWN = 5

STATUS_REFUSALS = {
    ImportStatus.PREVIEWED: "该批次尚未导入，无需撤销",
    ImportStatus.COMMITTED: "该批次已经导入，不能重复导入",
    ImportStatus.ROLLED_BACK: "该批次已经撤销",
}


def _check_manager(actor: User, org: Org) -> None:
    if not can_manage_roster(actor, org):
        raise PermissionDenied("您不能管理该组织的党员名册")


def _check_status(batch: RosterImport, expected: str) -> None:
    if batch.status != expected:
        raise Refused(STATUS_REFUSALS[ImportStatus(batch.status)])


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".removesuffix(".0")


def roster_import_preview(*, actor: User, org: Org, upload: UploadedFile) -> RosterImport:
    """Read an uploaded roster into a batch with its problems; no member is created yet."""
    _check_manager(actor, org)
    size = upload.size or 0
    if size > settings.ROSTER_MAX_BYTES:
        raise Refused(
            f"文件太大（{_megabytes(size)} MB），最大 {_megabytes(settings.ROSTER_MAX_BYTES)} MB；"
            "请删去照片等无关内容，或分成几个文件上传",
            field="file",
        )
    if size == 0:
        raise Refused("上传的文件是空的", field="file")
    parsed = read_roster(upload, org=org, max_rows=settings.ROSTER_MAX_ROWS)
    if parsed.row_count == 0 and not parsed.errors:
        raise Refused("表格中只有表头，没有党员数据", field="file")
    filename = os.path.basename(upload.name or "") or "名册.xlsx"
    batch = RosterImport(
        org=org,
        created_by=actor,
        filename=filename[:255],
        row_count=parsed.row_count,
        errors=parsed.errors,
    )
    upload.seek(0)
    # The stored name is random: the file holds ID numbers and is never served by URL.
    batch.file.save(f"{uuid.uuid4().hex}.xlsx", upload, save=False)
    try:
        with transaction.atomic():
            batch.save()
            audit_log(
                actor=actor,
                action="roster_import.preview",
                obj=batch,
                org=org,
                data={"filename": filename, "rows": parsed.row_count, "errors": len(parsed.errors)},
            )
    except BaseException:
        batch.file.delete(save=False)
        raise
    return batch


def roster_import_commit(*, actor: User, batch: RosterImport) -> RosterImport:
    """Create every member of a previewed batch in one transaction, after re-reading the
    stored file against the registry as it is now."""
    _check_manager(actor, batch.org)
    # Another tab may have committed it since this page was loaded.
    batch.refresh_from_db(fields=["status", "errors"])
    _check_status(batch, ImportStatus.PREVIEWED)
    if batch.errors:
        raise Refused(f"预览中还有 {len(batch.errors)} 处错误，请改正表格后重新上传")
    try:
        with batch.file.open("rb") as handle:
            parsed = read_roster(handle, org=batch.org, max_rows=settings.ROSTER_MAX_ROWS)
    except FileNotFoundError as exc:
        raise Refused("找不到这次上传的文件，请重新上传") from exc
    if parsed.errors:
        # Someone registered a number since the preview: show it there, create nobody.
        recorded = RosterImport.objects.filter(pk=batch.pk, status=ImportStatus.PREVIEWED).update(
            errors=parsed.errors, row_count=parsed.row_count
        )
        if not recorded:  # committed meanwhile: its own members are what "took" the numbers
            raise Refused(STATUS_REFUSALS[ImportStatus.COMMITTED])
        batch.errors, batch.row_count = parsed.errors, parsed.row_count
        raise Refused(
            f"导入前重新核对，发现 {len(parsed.errors)} 处问题（如手机号、身份证号刚被他人登记），"
            "未导入任何人；请改正表格后重新上传"
        )
    if not parsed.rows:
        raise Refused("表格中没有党员数据")
    now = timezone.now()
    users = []
    for row in parsed.rows:
        # What set_unusable_password() stores, without its slow per-character random.
        password = f"{UNUSABLE_PASSWORD_PREFIX}{secrets.token_urlsafe(30)}"
        users.append(
            User(
                username=new_username("m"),
                phone=row.data.phone or None,
                name=row.data.name,
                password=password,
            )
        )
    try:
        with transaction.atomic():
            # Compare-and-set: two clicks on 确认导入 create the batch once.
            claimed = RosterImport.objects.filter(
                pk=batch.pk, status=ImportStatus.PREVIEWED
            ).update(status=ImportStatus.COMMITTED, committed_at=now, created_count=len(users))
            if not claimed:
                raise Refused(STATUS_REFUSALS[ImportStatus.COMMITTED])
            User.objects.bulk_create(users, batch_size=BULK_BATCH)
            members = [
                Member(
                    user=user,
                    org_id=_org_id(row),
                    group_id=row.data.group_id,
                    id_number=row.data.id_number or None,
                    import_batch=batch,
                    **{name: getattr(row.data, name) for name in MEMBER_FIELDS},
                )
                for user, row in zip(users, parsed.rows, strict=True)
            ]
            Member.objects.bulk_create(members, batch_size=BULK_BATCH)
            audit_log(
                actor=actor,
                action="roster_import.commit",
                obj=batch,
                org=batch.org,
                data={"count": len(members), "filename": batch.filename},
            )
    except IntegrityError as exc:
        raise Refused(
            "导入时发现手机号或身份证号刚被他人登记，未导入任何人；请重新上传核对"
        ) from exc
    batch.status, batch.committed_at, batch.created_count = (
        ImportStatus.COMMITTED,
        now,
        len(users),
    )
    return batch


def _org_id(row: RosterRow) -> int:
    if row.data.org_id is None:  # read_roster reports a row without an org as an error
        raise Refused(f"第 {row.row} 行没有所在党组织")
    return row.data.org_id


def _names(users: Any) -> str:
    names = list(users.order_by("pk").values_list("name", flat=True)[: NAMES_SHOWN + 1])
    shown = "、".join(names[:NAMES_SHOWN])
    return shown + ("等" if len(names) > NAMES_SHOWN else "")


def roster_import_rollback(*, actor: User, batch: RosterImport) -> RosterImport:
    """Delete the users and members a batch created, while none of them has used the
    account or been given a role."""
    _check_manager(actor, batch.org)
    org = batch.org
    now = timezone.now()
    with transaction.atomic():
        batch = RosterImport.objects.select_for_update().select_related("org").get(pk=batch.pk)
        _check_status(batch, ImportStatus.COMMITTED)
        users = User.objects.filter(member__import_batch=batch)
        moved = users.exclude(member__org__path__gte=org.path, member__org__path__lt=org.upper_path)
        if moved.exists():
            raise Refused(
                f"本批中有人已调往“{org.name}”以外的组织（{_names(moved)}），不能整批撤销"
            )
        logged_in = users.filter(last_login__isnull=False)
        if logged_in.exists():
            raise Refused(
                f"本批中已有人登录过（{_names(logged_in)}），不能整批撤销；如有错误，请逐个修改"
            )
        with_roles = users.filter(pk__in=Role.objects.values("user_id"))
        if with_roles.exists():
            raise Refused(f"本批中有人已被授予角色（{_names(with_roles)}），请先收回角色再撤销")
        # Deleting an account is the last word on its login: the same rule as a password
        # (people/rules.py), for each account, in three queries whatever the batch size.
        unmanaged = [
            u.pk
            for u in users.select_related("member__org").prefetch_related(
                Prefetch("roles", queryset=Role.objects.select_related("org"), to_attr="_xf_roles")
            )
            if not may_manage_login(actor, u)
        ]
        if unmanaged:
            raise Refused(
                f"本批中有您不能管理其登录账号的人（{_names(User.objects.filter(pk__in=unmanaged))}），"
                "不能整批撤销"
            )
        count = Member.objects.filter(import_batch=batch).count()
        try:
            User.objects.filter(pk__in=users.values("pk")).delete()
        except (ProtectedError, RestrictedError) as exc:
            raise Refused(
                "本批中有人已有其他记录（如会议、学习记录），不能整批撤销；如有错误，请逐个修改"
            ) from exc
        RosterImport.objects.filter(pk=batch.pk).update(
            status=ImportStatus.ROLLED_BACK, rolled_back_at=now, rolled_back_by=actor
        )
        audit_log(
            actor=actor,
            action="roster_import.rollback",
            obj=batch,
            org=org,
            data={"count": count, "filename": batch.filename},
        )
    batch.status, batch.rolled_back_at, batch.rolled_back_by = (
        ImportStatus.ROLLED_BACK,
        now,
        actor,
    )
    return batch
