"""Writes to the org tree and to roles. Every path change happens here."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import is_blank
from xianfeng.orgs import paths
from xianfeng.orgs.access import bump_subtree
from xianfeng.orgs.enums import ALLOWED_PARENTS, OrgKind, Region, RoleKind
from xianfeng.orgs.models import Org, Role, code_validator
from xianfeng.orgs.rules import can_admin_org
from xianfeng.orgs.selectors import subtree_counter

if TYPE_CHECKING:
    from xianfeng.people.models import User


def _check_admin(actor: User | None, org: Org | None) -> None:
    """actor None is the system (management commands, seeding)."""
    if actor is None:
        return
    if org is None:
        if not actor.is_superuser:
            raise PermissionDenied("只有系统管理员可以创建顶级组织")
        return
    if not can_admin_org(actor, org):
        raise PermissionDenied("您没有管理该组织的权限")


def _check_code_format(code: str) -> str:
    code = code.strip()
    try:
        code_validator(code)
    except ValidationError as exc:
        raise Refused(str(exc.messages[0]), field="code") from exc
    return code


def _check_code(code: str, *, exclude_pk: int | None = None) -> str:
    code = _check_code_format(code)
    taken = Org.objects.filter(code=code)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    if taken.exists():
        raise Refused(f"组织代码“{code}”已被使用", field="code")
    return code


def _check_parent_kind(kind: str, parent: Org | None) -> None:
    allowed = ALLOWED_PARENTS[OrgKind(kind)]
    parent_kind = OrgKind(parent.kind) if parent else None
    if parent_kind not in allowed:
        below = parent.get_kind_display() if parent else "顶级"
        raise Refused(f"{OrgKind(kind).label}不能设在{below}之下", field="parent")


def org_create(
    *,
    actor: User | None,
    parent: Org | None,
    code: str,
    name: str,
    kind: str,
    region: str = Region.OTHER,
    sort_order: int = 0,
    founded_on: datetime.date | None = None,
) -> Org:
    """Create an org under `parent` (None: a new root), founded on `founded_on` (today)."""
    _check_admin(actor, parent)
    code = _check_code(code)
    name = name.strip()
    if is_blank(name):
        raise Refused("请填写组织名称", field="name")
    _check_parent_kind(kind, parent)
    with transaction.atomic():
        # The path needs the id; the placeholder is unique because codes are.
        org = Org.objects.create(
            parent=parent,
            code=code,
            name=name,
            kind=kind,
            region=region,
            sort_order=sort_order,
            founded_on=founded_on or timezone.localdate(),
            path=f"~{code}",
            depth=0 if parent is None else parent.depth + 1,
        )
        org.path = paths.child_path(parent.path if parent else "", org.pk)
        Org.objects.filter(pk=org.pk).update(path=org.path)
        audit_log(
            actor=actor,
            action="org.create",
            obj=org,
            org=org,
            data={"code": code, "name": name, "kind": kind, "parent": parent},
        )
    return org


def org_update(
    *, actor: User | None, org: Org, name: str, code: str, region: str, sort_order: int
) -> Org:
    """Rename an org or change its code, region or order among its siblings."""
    _check_admin(actor, org)
    code = _check_code(code, exclude_pk=org.pk)
    name = name.strip()
    if is_blank(name):
        raise Refused("请填写组织名称", field="name")
    before = {"code": org.code, "name": org.name, "region": org.region}
    with transaction.atomic():
        org.code, org.name, org.region, org.sort_order = code, name, region, sort_order
        org.save(update_fields=["code", "name", "region", "sort_order"])
        audit_log(
            actor=actor,
            action="org.update",
            obj=org,
            org=org,
            data={"before": before, "after": {"code": code, "name": name, "region": region}},
        )
    return org


def org_move(*, actor: User | None, org: Org, new_parent: Org) -> Org:
    """Move `org` and its whole subtree under `new_parent`, in one UPDATE of the paths.

    Members, roles and everything else point at orgs by id, so they follow unchanged.
    """
    _check_admin(actor, org)
    _check_admin(actor, new_parent)
    if new_parent.path.startswith(org.path):
        raise Refused("不能把组织移到它自己或它的下级组织之下", field="parent")
    _check_parent_kind(org.kind, new_parent)
    with transaction.atomic():
        # Lock the subtree's rows in a stable order, then re-read the paths under the lock
        # so two moves at once cannot interleave.
        org = Org.objects.select_for_update().get(pk=org.pk)
        new_parent = Org.objects.select_for_update().get(pk=new_parent.pk)
        old_path, old_parent_id = org.path, org.parent_id
        new_path = paths.child_path(new_parent.path, org.pk)
        delta = new_parent.depth + 1 - org.depth
        Org.objects.filter(path__gte=old_path, path__lt=paths.upper_bound(old_path)).update(
            path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
            depth=F("depth") + delta,
        )
        Org.objects.filter(pk=org.pk).update(parent=new_parent)
        org.refresh_from_db()
        # The paths changed by UPDATE, which no signal sees.
        bump_subtree(org.path)
        audit_log(
            actor=actor,
            action="org.move",
            obj=org,
            org=org,
            data={"from_parent": old_parent_id, "to_parent": new_parent.pk},
        )
    return org


def role_grant(*, actor: User | None, user: Any, org: Org, kind: str) -> Role:
    """Give `user` the role `kind` at `org`; granting an existing role changes nothing."""
    _check_admin(actor, org)
    if kind not in RoleKind.values:
        raise Refused("未知的角色", field="kind")
    if not user.is_active:
        raise Refused("该用户已停用，不能授予角色", field="user")
    with transaction.atomic():
        role, created = Role.objects.get_or_create(
            user=user,
            org=org,
            kind=kind,
            defaults={"granted_by": actor if actor is not None else None},
        )
        if created:
            audit_log(
                actor=actor,
                action="role.grant",
                obj=role,
                org=org,
                data={"user": user.pk, "kind": kind},
            )
    return role


def role_revoke(*, actor: User | None, role: Role) -> None:
    """Take a role away."""
    _check_admin(actor, role.org)
    with transaction.atomic():
        audit_log(
            actor=actor,
            action="role.revoke",
            obj=role,
            org=role.org,
            data={"user": role.user_id, "kind": role.kind},
        )
        role.delete()


@dataclass(frozen=True)
class OrgSpec:
    code: str
    name: str
    kind: str
    region: str
    parent_code: str | None
    sort_order: int = 0
    founded_on: datetime.date | None = None  # 成立日期; None: today


def org_tree_bulk_create(*, actor: User | None, specs: Sequence[OrgSpec]) -> dict[str, Org]:
    """Create a whole tree in a few queries per level (seeding, imports of a new county).

    `specs` may come in any order; parents must be in `specs` or already exist.
    """
    by_code = {spec.code: spec for spec in specs}
    if len(by_code) != len(specs):
        raise Refused("组织代码有重复")
    for spec in specs:
        _check_code_format(spec.code)
    taken = list(Org.objects.filter(code__in=list(by_code)).values_list("code", flat=True)[:5])
    if taken:
        raise Refused(f"组织代码已被使用：{'、'.join(taken)}")
    existing = Org.objects.in_bulk(
        [s.parent_code for s in specs if s.parent_code and s.parent_code not in by_code],
        field_name="code",
    )
    depth_cache: dict[str, int] = {}

    def level(code: str) -> int:
        if code not in depth_cache:
            parent = by_code[code].parent_code
            depth_cache[code] = 0 if parent is None or parent not in by_code else level(parent) + 1
        return depth_cache[code]

    created: dict[str, Org] = {}
    with transaction.atomic():
        for depth in sorted({level(code) for code in by_code}):
            batch = [by_code[c] for c in by_code if level(c) == depth]
            rows = []
            for spec in batch:
                code = spec.code.strip()
                parent = created.get(spec.parent_code or "") or existing.get(spec.parent_code or "")
                if spec.parent_code and parent is None:
                    raise Refused(f"找不到上级组织“{spec.parent_code}”")
                _check_parent_kind(spec.kind, parent)
                rows.append(
                    Org(
                        code=code,
                        name=spec.name,
                        kind=spec.kind,
                        region=spec.region,
                        parent=parent,
                        sort_order=spec.sort_order,
                        founded_on=spec.founded_on or timezone.localdate(),
                        path=f"~{code}",
                        depth=0 if parent is None else parent.depth + 1,
                    )
                )
            made = Org.objects.bulk_create(rows, batch_size=500)
            if any(
                org.pk is None for org in made
            ):  # pragma: no cover - every backend we use returns ids
                made = list(Org.objects.filter(code__in=[r.code for r in rows]))
            for org in made:
                parent_path = org.parent.path if org.parent else ""
                org.path = paths.child_path(parent_path, org.pk)
                created[org.code] = org
            Org.objects.bulk_update(made, ["path"], batch_size=500)
        if created:
            root = min(created.values(), key=lambda o: o.depth)
            audit_log(
                actor=actor,
                action="org.bulk_create",
                obj=root,
                org=root,
                data={"count": len(created)},
            )
    return created


def org_dissolve(*, actor: User | None, org: Org, on: datetime.date, reason: str) -> Org:
    """撤销 an org from `on`: refused while members or orgs below it remain (transfer them
    first); from that day it owes no meetings, and its records stay readable."""
    _check_admin(actor, org)
    reason = reason.strip()
    if is_blank(reason):
        raise Refused("请填写撤销原因（如村社合并、企业改制）", field="reason")
    if on < org.founded_on:
        raise Refused("撤销日期早于成立日期", field="on")
    if on > timezone.localdate():
        raise Refused("撤销日期不能晚于今天", field="on")
    with transaction.atomic():
        org = Org.objects.select_for_update().get(pk=org.pk)
        if org.dissolved_on is not None:
            raise Refused(f"“{org.name}”已于 {org.dissolved_on:%Y-%m-%d} 撤销")
        living = Org.objects.filter(parent=org, dissolved_on__isnull=True).exclude(
            kind=OrgKind.GROUP
        )
        if living.exists():
            raise Refused("请先撤销或迁移其下属组织", field="on")
        members = subtree_counter("members")
        if (
            members is not None
            and members.rows()
            .filter(
                **{
                    f"{members.path_field}__gte": org.path,
                    f"{members.path_field}__lt": org.upper_path,
                }
            )
            .exists()
        ):
            raise Refused("该组织还有党员，请先办理组织关系转接", field="on")
        org.dissolved_on, org.dissolve_reason = on, reason[:200]
        org.save(update_fields=["dissolved_on", "dissolve_reason"])
        Org.objects.filter(parent=org, kind=OrgKind.GROUP, dissolved_on__isnull=True).update(
            dissolved_on=on, dissolve_reason=reason[:200]
        )
        audit_log(
            actor=actor,
            action="org.dissolve",
            obj=org,
            org=org,
            data={"on": on.isoformat(), "reason": reason[:200]},
        )
    return org
