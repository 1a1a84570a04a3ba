"""Roster import (党员名册导入): preview a workbook, commit it as one batch, roll it back."""

from __future__ import annotations

import datetime
import os
import secrets
import uuid
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, ManyToOneRel, OneToOneRel, Prefetch
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.transitions import transition
from xianfeng.orgs.access import bump_users
from xianfeng.orgs.models import Org, Role
from xianfeng.orgs.rules import can_manage_roster
from xianfeng.people.enums import MEMBER_MACHINE, ImportStatus, MemberStatus, StatusChangeKind
from xianfeng.people.models import Member, RosterChange, RosterImport, StatusChange, User
from xianfeng.people.roster import RosterParse, RosterRow, read_roster
from xianfeng.people.roster.matching import USER_FIELDS
from xianfeng.people.rules import login_refusal, may_manage_login
from xianfeng.people.services.accounts import new_username
from xianfeng.people.services.history import member_move, probation_end_for
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


def _plan(parsed: RosterParse) -> dict[str, Any]:
    """What committing would do: how many to create, which members to update (with the
    changed fields) and which accounts to attach a record to."""
    updates = [
        {"row": r.row, "sheet": r.sheet, "name": r.data.name, "member_id": r.member_id,
         "changes": r.changes}
        for r in parsed.rows
        if r.action == "update"
    ]  # fmt: skip
    attaches = [
        {"row": r.row, "sheet": r.sheet, "name": r.data.name, "user_id": r.user_id}
        for r in parsed.rows
        if r.action == "attach"
    ]
    return {
        "create": sum(1 for r in parsed.rows if r.action == "create"),
        "update": updates,
        "unchanged": sum(1 for u in updates if not u["changes"]),
        "attach": attaches,
    }


def _login_errors(actor: User, parsed: RosterParse) -> list[dict[str, Any]]:
    """A phone is a login: an update may change it only for someone the actor may manage."""
    rows = [
        r
        for r in parsed.rows
        if r.action == "update" and any(c["field"] == "phone" for c in r.changes)
    ]
    if not rows:
        return []
    users = {
        u.pk: u
        for u in User.objects.filter(pk__in=[r.user_id for r in rows])
        .select_related("member__org")
        .prefetch_related(
            Prefetch("roles", queryset=Role.objects.select_related("org"), to_attr="_xf_roles")
        )
    }
    errors = []
    for row in rows:
        refusal = login_refusal(actor, users[row.user_id]) if row.user_id in users else None
        if refusal:
            errors.append(
                {"sheet": row.sheet, "row": row.row, "column": "手机号",
                 "message": f"不能修改此人的手机号：{refusal}"}
            )  # fmt: skip
    return errors


def _read(actor: User, file: Any, org: Org) -> RosterParse:
    parsed = read_roster(file, org=org, max_rows=settings.ROSTER_MAX_ROWS)
    parsed.errors.extend(_login_errors(actor, parsed))
    return parsed


def roster_import_preview(*, actor: User, org: Org, upload: UploadedFile) -> RosterImport:
    """Read an uploaded roster into a batch with its problems and its plan (new members,
    updates with their changed fields, accounts to attach); nothing is written to the
    registry yet."""
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
    parsed = _read(actor, upload, org)
    if parsed.row_count == 0 and not parsed.errors:
        raise Refused("表格中只有表头，没有党员数据", field="file")
    filename = os.path.basename(upload.name or "") or "名册.xlsx"
    batch = RosterImport(
        org=org,
        created_by=actor,
        filename=filename[:255],
        row_count=parsed.row_count,
        errors=parsed.errors,
        plan=_plan(parsed),
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


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value


def _from_json(name: str, value: Any) -> Any:
    if value and name in ("birth_date", "joined_on", "confirmed_on"):
        return datetime.date.fromisoformat(value)
    if name == "phone":
        return value or None
    return value


def _row_fields(row: RosterRow) -> dict[str, Any]:
    return {
        "org_id": _org_id(row),
        "group_id": row.data.group_id,
        "id_number": row.data.id_number or None,
        "probation_ends_on": probation_end_for(row.data),
        **{name: getattr(row.data, name) for name in MEMBER_FIELDS},
    }


def _apply_update(
    actor: User, member: Member, row: RosterRow, batch: RosterImport, today: datetime.date
) -> RosterChange:
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    user_fields: dict[str, Any] = {}
    member_fields: dict[str, Any] = {}
    for change in row.changes:
        name = change["field"]
        new = getattr(row.data, name)
        if name == "phone":
            new = new or None
        holder = member.user if name in USER_FIELDS else member
        before[name], after[name] = _json(getattr(holder, name)), _json(new)
        (user_fields if name in USER_FIELDS else member_fields)[name] = new
    if user_fields:
        User.objects.filter(pk=member.user_id).update(**user_fields)
    _apply_member_fields(actor, member, member_fields, today, reason="名册导入")
    return RosterChange(
        batch=batch,
        kind=RosterChange.Kind.UPDATED,
        user_id=member.user_id,
        member=member,
        row=row.row,
        before=before,
        after=after,
    )


def _apply_member_fields(
    actor: User | None,
    member: Member,
    fields: dict[str, Any],
    today: datetime.date,
    *,
    reason: str,
) -> None:
    """Write member fields from a roster: a new org is a move from today (its period kept),
    预备 → 正式 goes through the member machine and is recorded as 转正."""
    if "org_id" in fields or "group_id" in fields:
        org_id = fields.pop("org_id", member.org_id)
        group_id = fields.pop("group_id", member.group_id)
        orgs = Org.objects.in_bulk([i for i in (org_id, group_id) if i])
        member_move(
            member=member, org=orgs[org_id], group=orgs.get(group_id), on=today, reason=reason
        )
    status = fields.pop("status", None)
    if status == MemberStatus.FULL and member.status == MemberStatus.PROBATIONARY:
        transition(member, MEMBER_MACHINE, MemberStatus.FULL, actor=actor, org=member.org,
                   save=False, data={"member_id": member.pk, "roster": True})  # fmt: skip
        fields["status"] = MemberStatus.FULL
        on = fields.get("confirmed_on") or member.confirmed_on or today
        StatusChange.objects.create(
            member=member, kind=StatusChangeKind.CONFIRM, from_status=MemberStatus.PROBATIONARY,
            to_status=MemberStatus.FULL, effective_on=on, recorded_by=actor,
            reason=reason,
        )  # fmt: skip
    elif status is not None:
        fields["status"] = status  # a rollback putting back what a batch confirmed
        StatusChange.objects.filter(
            member=member, kind=StatusChangeKind.CONFIRM, reason=reason.removeprefix("撤销")
        ).delete()
    if fields:
        fields["updated_at"] = timezone.now()
        Member.objects.filter(pk=member.pk).update(**fields)
        bump_users([member.user_id])  # an UPDATE: no signal sees it (orgs/access.py)


def roster_import_commit(*, actor: User, batch: RosterImport) -> RosterImport:
    """Carry out a previewed batch in one transaction — create the new members, update the
    existing ones, attach records to existing accounts — after re-reading the stored file
    against the registry as it is now."""
    _check_manager(actor, batch.org)
    # Another tab may have committed it since this page was loaded.
    batch.refresh_from_db(fields=["status", "errors", "plan"])
    _check_status(batch, ImportStatus.PREVIEWED)
    if batch.errors:
        raise Refused(f"预览中还有 {len(batch.errors)} 处错误，请改正表格后重新上传")
    try:
        with batch.file.open("rb") as handle:
            parsed = _read(actor, handle, batch.org)
    except FileNotFoundError as exc:
        raise Refused("找不到这次上传的文件，请重新上传") from exc
    plan = _plan(parsed)
    if parsed.errors or plan != batch.plan:
        # Someone registered a number or edited a member since the preview: show it
        # there, change nobody.
        recorded = RosterImport.objects.filter(pk=batch.pk, status=ImportStatus.PREVIEWED).update(
            errors=parsed.errors, row_count=parsed.row_count, plan=plan
        )
        if not recorded:  # committed meanwhile: its own members are what "took" the numbers
            raise Refused(STATUS_REFUSALS[ImportStatus.COMMITTED])
        batch.errors, batch.row_count, batch.plan = parsed.errors, parsed.row_count, plan
        if parsed.errors:
            raise Refused(
                f"导入前重新核对，发现 {len(parsed.errors)} 处问题"
                "（如手机号、身份证号刚被他人登记），未导入任何人；请改正表格后重新上传"
            )
        raise Refused("预览之后名册中已有人被修改，本次导入的变动已重新核对，请再看一遍后确认导入")
    if not parsed.rows:
        raise Refused("表格中没有党员数据")
    now = timezone.now()
    creates = [r for r in parsed.rows if r.action == "create"]
    updates = [r for r in parsed.rows if r.action == "update" and r.changes]
    attaches = [r for r in parsed.rows if r.action == "attach"]
    users = []
    for row in creates:
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
            # Compare-and-set: two clicks on 确认导入 carry out the batch once.
            claimed = RosterImport.objects.filter(
                pk=batch.pk, status=ImportStatus.PREVIEWED
            ).update(
                status=ImportStatus.COMMITTED,
                committed_at=now,
                created_count=len(users),
                updated_count=len(updates),
                attached_count=len(attaches),
            )
            if not claimed:
                raise Refused(STATUS_REFUSALS[ImportStatus.COMMITTED])
            User.objects.bulk_create(users, batch_size=BULK_BATCH)
            members = [
                Member(user=user, import_batch=batch, **_row_fields(row))
                for user, row in zip(users, creates, strict=True)
            ]
            attached = [
                Member(user_id=row.user_id or 0, import_batch=batch, **_row_fields(row))
                for row in attaches
            ]
            Member.objects.bulk_create(members + attached, batch_size=BULK_BATCH)
            # Existing accounts become members: bulk_create sends no signal.
            bump_users([m.user_id for m in attached])
            changes = [
                RosterChange(batch=batch, kind=RosterChange.Kind.CREATED, user=m.user,
                             member=m, row=row.row)
                for m, row in zip(members, creates, strict=True)
            ] + [
                RosterChange(batch=batch, kind=RosterChange.Kind.ATTACHED, user_id=m.user_id,
                             member=m, row=row.row)
                for m, row in zip(attached, attaches, strict=True)
            ]  # fmt: skip
            locked = Member.objects.select_for_update().select_related("user")
            current = {m.pk: m for m in locked.filter(pk__in=[r.member_id for r in updates])}
            today = timezone.localdate()
            changes += [
                _apply_update(actor, current[row.member_id or 0], row, batch, today)
                for row in updates
            ]
            RosterChange.objects.bulk_create(changes, batch_size=BULK_BATCH)
            audit_log(
                actor=actor,
                action="roster_import.commit",
                obj=batch,
                org=batch.org,
                data={
                    "count": len(members),
                    "updated": len(updates),
                    "attached": len(attaches),
                    "filename": batch.filename,
                },
            )
    except IntegrityError as exc:
        raise Refused(
            "导入时发现手机号或身份证号刚被他人登记，未导入任何人；请重新上传核对"
        ) from exc
    batch.status, batch.committed_at = ImportStatus.COMMITTED, now
    batch.created_count, batch.updated_count, batch.attached_count = (
        len(users),
        len(updates),
        len(attaches),
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


# Rows that belong to the account itself and go with it; anything else is activity.
OWN_ROWS = {("people", "member"), ("people", "rosterchange"), ("people", "passwordlink")}


def users_with_activity(user_ids: list[int]) -> set[int]:
    """Those of the accounts that have signed in, or that any other record refers to (a
    meeting attended, a lesson watched, a notice received, an audit row): deleting them
    would cascade into those records, so they are deactivated instead. One query per
    relation that points at users, whatever the number of accounts."""
    if not user_ids:
        return set()
    found = set(
        User.objects.filter(pk__in=user_ids, last_login__isnull=False).values_list("pk", flat=True)
    )
    for relation in User._meta.related_objects:
        rel: Any = relation
        meta = rel.related_model._meta
        if (meta.app_label, meta.model_name) in OWN_ROWS:
            continue
        if isinstance(rel, (ManyToOneRel, OneToOneRel)) and not rel.many_to_many:
            name = rel.field.name
            manager = rel.related_model._default_manager
        else:  # a many-to-many to users: its through table's column towards the user
            name = rel.field.m2m_reverse_field_name()
            manager = rel.through._default_manager
        rows = manager.filter(**{f"{name}__in": user_ids}).values_list(name, flat=True)
        found.update(rows.distinct())
    return found & set(user_ids)


def roster_import_rollback(*, actor: User, batch: RosterImport) -> RosterImport:
    """Undo what a batch did: members it updated get their old values back (where nobody
    changed them since), records it attached to existing accounts are removed, and the
    accounts it created are deleted — or, when they have any activity since, deactivated
    with their member record removed, so no later record is lost."""
    _check_manager(actor, batch.org)
    org = batch.org
    now = timezone.now()
    with transaction.atomic():
        batch = RosterImport.objects.select_for_update().select_related("org").get(pk=batch.pk)
        _check_status(batch, ImportStatus.COMMITTED)
        changes = list(RosterChange.objects.filter(batch=batch).order_by("pk"))
        added = [c for c in changes if c.kind != RosterChange.Kind.UPDATED and c.member_id]
        created_ids = [
            c.user_id for c in changes if c.kind == RosterChange.Kind.CREATED and c.user_id
        ]
        members = Member.objects.filter(pk__in=[c.member_id for c in added])
        moved = members.exclude(org__path__gte=org.path, org__path__lt=org.upper_path)
        if moved.exists():
            raise Refused(
                f"本批中有人已调往“{org.name}”以外的组织"
                f"（{_names(User.objects.filter(member__in=moved))}），不能整批撤销"
            )
        users = User.objects.filter(pk__in=created_ids)
        with_roles = users.filter(pk__in=Role.objects.values("user_id"))
        if with_roles.exists():
            raise Refused(f"本批中有人已被授予角色（{_names(with_roles)}），请先收回角色再撤销")
        # Deleting or deactivating an account is the last word on its login: the same rule
        # as a password (people/rules.py), for each account, in three queries.
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
        active = users_with_activity(created_ids)
        restored = kept = 0
        for change in changes:
            if change.kind != RosterChange.Kind.UPDATED or change.member_id is None:
                continue
            restored_fields, kept_fields = _restore(actor, change)
            restored += restored_fields
            kept += kept_fields
        members.delete()  # the records this batch added (created accounts and attached ones)
        deactivated = sorted(active)
        User.objects.filter(pk__in=deactivated).update(
            is_active=False, login_epoch=F("login_epoch") + 1
        )
        deleted = [pk for pk in created_ids if pk not in active]
        User.objects.filter(pk__in=deleted).delete()
        RosterImport.objects.filter(pk=batch.pk).update(
            status=ImportStatus.ROLLED_BACK, rolled_back_at=now, rolled_back_by=actor
        )
        audit_log(
            actor=actor,
            action="roster_import.rollback",
            obj=batch,
            org=org,
            data={
                "count": len(created_ids),
                "deleted": len(deleted),
                "deactivated": len(deactivated),
                "detached": sum(1 for c in added if c.kind == RosterChange.Kind.ATTACHED),
                "restored": restored,
                "kept": kept,
                "filename": batch.filename,
            },
        )
    batch.status, batch.rolled_back_at, batch.rolled_back_by = (
        ImportStatus.ROLLED_BACK,
        now,
        actor,
    )
    return batch


def _restore(actor: User, change: RosterChange) -> tuple[int, int]:
    """Put back the values a batch changed on one member, field by field, except those that
    someone changed again since (their later value stands). Returns (restored, kept)."""
    member = Member.objects.select_for_update().select_related("user").get(pk=change.member_id or 0)
    user_fields: dict[str, Any] = {}
    member_fields: dict[str, Any] = {}
    kept = 0
    for name, old in change.before.items():
        holder = member.user if name in USER_FIELDS else member
        if _json(getattr(holder, name)) != change.after.get(name):
            kept += 1
            continue
        (user_fields if name in USER_FIELDS else member_fields)[name] = _from_json(name, old)
    restored = len(user_fields) + len(member_fields)
    if user_fields:
        User.objects.filter(pk=member.user_id).update(**user_fields)
    _apply_member_fields(actor, member, member_fields, timezone.localdate(), reason="撤销名册导入")
    return restored, kept
