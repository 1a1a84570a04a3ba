"""Writes to the org tree and to roles. Every path change happens here."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import clean_text, is_blank
from xianfeng.orgs import paths
from xianfeng.orgs.access import bump_subtree
from xianfeng.orgs.enums import (
    ALLOWED_PARENTS,
    ORG_ADMIN_ROLES,
    OrgChangeKind,
    OrgKind,
    Region,
    RoleKind,
)
from xianfeng.orgs.models import Org, OrgChange, Role, code_validator
from xianfeng.orgs.rules import can_admin_org, can_manage_roster, has_role_above
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


def _check_above(actor: User | None, org: Org) -> None:
    """Moving, merging or renaming an org is its higher org's decision: the actor must be
    an admin above it (a town admin cannot move the town itself, only what lies below)."""
    if actor is None:
        return
    if not has_role_above(actor, org, ORG_ADMIN_ROLES):
        raise PermissionDenied("只有上级组织的管理员可以调整该组织")


def _check_groups_manager(actor: User | None, branch: Org) -> None:
    """Party groups are the branch's own business: its secretary, organiser or an admin."""
    if actor is None:
        return
    if not can_manage_roster(actor, branch):
        raise PermissionDenied("您不能管理该支部的党小组")


def _check_effective(org: Org, on: datetime.date, label: str) -> None:
    if on > timezone.localdate():
        raise Refused(f"{label}不能晚于今天", field="on")
    if on < org.founded_on:
        raise Refused(f"{label}早于“{org.name}”的成立日期（{org.founded_on:%Y-%m-%d}）", field="on")
    if org.dissolved_on is not None:
        raise Refused(f"“{org.name}”已于 {org.dissolved_on:%Y-%m-%d} 撤销")


def _clean_reason(reason: str, *, required: str) -> str:
    reason = clean_text(reason, multiline=False).strip()
    if is_blank(reason):
        raise Refused(required, field="reason")
    if len(reason) > 200:
        raise Refused("原因最多 200 个字", field="reason")
    return reason


def _record(
    org: Org, kind: str, on: datetime.date, actor: User | None, reason: str = "", **fields: Any
) -> OrgChange:
    return OrgChange.objects.create(
        org=org, kind=kind, effective_on=on, reason=reason, actor=actor, **fields
    )


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
    reason: str = "",
) -> Org:
    """Create an org under `parent` (None: a new root), founded on `founded_on` (today)."""
    _check_admin(actor, parent)
    return _insert_org(
        actor=actor,
        parent=parent,
        code=code,
        name=name,
        kind=kind,
        region=region,
        sort_order=sort_order,
        founded_on=founded_on,
        reason=reason,
    )


def _insert_org(
    *,
    actor: User | None,
    parent: Org | None,
    code: str,
    name: str,
    kind: str,
    region: str,
    sort_order: int,
    founded_on: datetime.date | None,
    reason: str,
) -> Org:
    code = _check_code(code)
    name = clean_text(name, multiline=False).strip()
    if is_blank(name):
        raise Refused("请填写组织名称", field="name")
    _check_parent_kind(kind, parent)
    founded = founded_on or timezone.localdate()
    if founded > timezone.localdate():
        raise Refused("成立日期不能晚于今天", field="founded_on")
    if parent is not None and parent.dissolved_on is not None:
        raise Refused(f"“{parent.name}”已撤销，不能在其下建立组织", field="parent")
    with transaction.atomic():
        # The path needs the id; the placeholder is unique because codes are.
        org = Org.objects.create(
            parent=parent,
            code=code,
            name=name,
            kind=kind,
            region=region,
            sort_order=sort_order,
            founded_on=founded,
            path=f"~{code}",
            depth=0 if parent is None else parent.depth + 1,
        )
        org.path = paths.child_path(parent.path if parent else "", org.pk)
        Org.objects.filter(pk=org.pk).update(path=org.path)
        _record(
            org,
            OrgChangeKind.FOUNDED,
            founded,
            actor,
            reason[:200],
            new_name=name,
            to_parent=parent,
        )
        audit_log(
            actor=actor,
            action="org.create",
            obj=org,
            org=org,
            data={"code": code, "name": name, "kind": kind, "parent": parent},
        )
    return org


def org_update(*, actor: User | None, org: Org, region: str, sort_order: int) -> Org:
    """Change an org's region or its order among its siblings. Its name changes only by
    org_rename (kept over time); its code never changes."""
    _check_admin(actor, org)
    if region not in Region.values:
        raise Refused("未知的地域类别", field="region")
    before = {"region": org.region, "sort_order": org.sort_order}
    with transaction.atomic():
        org.region, org.sort_order = region, sort_order
        org.save(update_fields=["region", "sort_order"])
        audit_log(
            actor=actor,
            action="org.update",
            obj=org,
            org=org,
            data={"before": before, "after": {"region": region, "sort_order": sort_order}},
        )
    return org


def org_rename(
    *, actor: User | None, org: Org, name: str, on: datetime.date, reason: str
) -> OrgChange:
    """更名 from `on`: the old name is kept (shown as 原名 and used for dates before `on`).
    A party group is renamed by its branch; any other org by an admin above it."""
    if org.kind == OrgKind.GROUP and org.parent is not None:
        _check_groups_manager(actor, org.parent)
    else:
        _check_above(actor, org)
    name = clean_text(name, multiline=False).strip()
    if is_blank(name):
        raise Refused("请填写新名称", field="name")
    if len(name) > 100:
        raise Refused("名称最多 100 个字", field="name")
    reason = _clean_reason(reason, required="请填写更名原因或批准文号")
    with transaction.atomic():
        org = Org.objects.select_for_update().get(pk=org.pk)
        _check_effective(org, on, "更名日期")
        if name == org.name:
            raise Refused("新名称与现名称相同", field="name")
        last = (
            OrgChange.objects.filter(org=org, kind=OrgChangeKind.RENAMED)
            .order_by("-effective_on", "-id")
            .first()
        )
        if last is not None and on < last.effective_on:
            raise Refused(f"更名日期不能早于上一次更名（{last.effective_on:%Y-%m-%d}）", field="on")
        change = _record(
            org, OrgChangeKind.RENAMED, on, actor, reason, old_name=org.name, new_name=name
        )
        org.name = name
        org.save(update_fields=["name"])
        audit_log(
            actor=actor,
            action="org.rename",
            obj=org,
            org=org,
            data={"old": change.old_name, "new": name, "on": on.isoformat(), "reason": reason},
        )
    return change


def _rewrite_subtree(org: Org, new_parent: Org) -> None:
    """Re-root `org`'s subtree under `new_parent` in one UPDATE (rows locked by the caller)."""
    old_path = org.path
    new_path = paths.child_path(new_parent.path, org.pk)
    delta = new_parent.depth + 1 - org.depth
    Org.objects.filter(path__gte=old_path, path__lt=paths.upper_bound(old_path)).update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + delta,
    )
    Org.objects.filter(pk=org.pk).update(parent=new_parent)
    bump_subtree(new_path)  # the paths changed by UPDATE, which no signal sees


def org_move(
    *,
    actor: User | None,
    org: Org,
    new_parent: Org,
    on: datetime.date | None = None,
    reason: str = "",
) -> Org:
    """调整隶属关系: move `org` and its whole subtree under `new_parent` from `on`, in one
    UPDATE of the paths. Members, roles and everything else point at orgs by id, so they
    follow unchanged. Only an admin above the org who also manages the new parent may."""
    _check_above(actor, org)
    _check_admin(actor, new_parent)
    on = on or timezone.localdate()
    if actor is not None:
        reason = _clean_reason(reason, required="请填写调整原因或批准文号")
    if new_parent.path.startswith(org.path):
        raise Refused("不能把组织移到它自己或它的下级组织之下", field="parent")
    if new_parent.pk == org.parent_id:
        raise Refused("新的上级组织与现在相同", field="parent")
    _check_parent_kind(org.kind, new_parent)
    with transaction.atomic():
        # Lock the subtree's rows in a stable order, then re-read the paths under the lock
        # so two moves at once cannot interleave.
        org = Org.objects.select_for_update().get(pk=org.pk)
        new_parent = Org.objects.select_for_update().get(pk=new_parent.pk)
        _check_effective(org, on, "调整日期")
        if new_parent.dissolved_on is not None:
            raise Refused(f"“{new_parent.name}”已撤销，不能作为上级组织", field="parent")
        old_parent_id = org.parent_id
        _rewrite_subtree(org, new_parent)
        org.refresh_from_db()
        _record(
            org,
            OrgChangeKind.MOVED,
            on,
            actor,
            reason,
            from_parent_id=old_parent_id,
            to_parent=new_parent,
        )
        audit_log(
            actor=actor,
            action="org.move",
            obj=org,
            org=org,
            data={"from_parent": old_parent_id, "to_parent": new_parent.pk, "on": on.isoformat()},
        )
    return org


# Apps whose rows belong to an org and must follow it when it ends: merged into another
# (people moves the members, closing their stretch at the old branch) or dissolved
# (target None: people takes members out of a dissolved party group). Each step runs
# inside the caller's transaction with (org, target, on, reason) and may refuse.
RetireStep = Callable[[Org, "Org | None", datetime.date, str], None]
_retire_steps: list[RetireStep] = []


def register_retire_step(step: RetireStep) -> None:
    if step not in _retire_steps:
        _retire_steps.append(step)


def org_merge(
    *, actor: User | None, source: Org, target: Org, on: datetime.date, reason: str
) -> Org:
    """合并: `source` is merged into `target` from `on`: its members and sub-orgs move to
    `target`, then `source` is 撤销 on that day (its history stays readable under its
    name). Both must be of the same kind; the actor must be an admin above `source` and
    manage `target`."""
    _check_above(actor, source)
    _check_admin(actor, target)
    reason = _clean_reason(reason, required="请填写合并原因或批准文号")
    if source.pk == target.pk:
        raise Refused("不能把组织并入它自己", field="target")
    if source.kind != target.kind:
        raise Refused(
            f"只能合并同类组织：{source.get_kind_display()}不能并入{target.get_kind_display()}",
            field="target",
        )
    if target.path.startswith(source.path) or source.path.startswith(target.path):
        raise Refused("不能并入自己的上级或下级组织", field="target")
    if source.kind == OrgKind.GROUP and source.parent_id != target.parent_id:
        raise Refused("党小组只能并入同一支部的党小组", field="target")
    with transaction.atomic():
        locked = {
            o.pk: o for o in Org.objects.select_for_update().filter(pk__in=[source.pk, target.pk])
        }
        source, target = locked[source.pk], locked[target.pk]
        _check_effective(source, on, "合并日期")
        _check_effective(target, on, "合并日期")
        for child in Org.objects.filter(parent=source, dissolved_on__isnull=True).order_by("path"):
            _check_parent_kind(child.kind, target)
            _rewrite_subtree(child, target)
            _record(
                child,
                OrgChangeKind.MOVED,
                on,
                actor,
                f"随{source.name}并入{target.name}",
                from_parent=source,
                to_parent=target,
            )
        for step in _retire_steps:
            step(source, target, on, reason)
        note = f"并入{target.name}：{reason}"[:200]
        source.dissolved_on, source.dissolve_reason = on, note
        source.save(update_fields=["dissolved_on", "dissolve_reason"])
        _record(source, OrgChangeKind.MERGED, on, actor, reason, other=target)
        _record(target, OrgChangeKind.MERGED_IN, on, actor, reason, other=source)
        audit_log(
            actor=actor,
            action="org.merge",
            obj=source,
            org=target,
            data={"into": target.pk, "on": on.isoformat(), "reason": reason},
        )
    return target


def group_create(
    *, actor: User | None, branch: Org, name: str, founded_on: datetime.date | None = None
) -> Org:
    """A 党小组 under `branch`, set up by the branch itself; its code is the branch's code
    with a number (codes are never typed twice by hand, and never change)."""
    _check_groups_manager(actor, branch)
    if branch.kind != OrgKind.BRANCH:
        raise Refused("党小组只能设在党支部之下", field="name")
    if branch.dissolved_on is not None:
        raise Refused(f"“{branch.name}”已撤销")
    name = clean_text(name, multiline=False).strip()
    if is_blank(name):
        raise Refused("请填写党小组名称", field="name")
    if Org.objects.filter(parent=branch, name=name, dissolved_on__isnull=True).exists():
        raise Refused(f"本支部已有“{name}”", field="name")
    taken = set(
        Org.objects.filter(code__startswith=f"{branch.code}G").values_list("code", flat=True)
    )
    number = 1
    while f"{branch.code}G{number}" in taken:
        number += 1
    code = f"{branch.code}G{number}"
    if len(code) > 32:
        raise Refused("支部代码过长，无法自动生成党小组代码，请联系上级管理员")
    return _insert_org(
        actor=actor,
        parent=branch,
        sort_order=0,
        code=code,
        name=name,
        kind=OrgKind.GROUP,
        region=branch.region,
        founded_on=founded_on,
        reason="支部设立党小组",
    )


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
    first); from that day it owes no meetings, and its records stay readable. A party group
    is dissolved by its branch (its members simply leave the group); any other org by an
    admin above it."""
    if org.kind == OrgKind.GROUP and org.parent is not None:
        _check_groups_manager(actor, org.parent)
    else:
        _check_above(actor, org)
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
            and org.kind != OrgKind.GROUP  # a group's members stay in the branch (below)
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
        _record(org, OrgChangeKind.DISSOLVED, on, actor, reason[:200])
        Org.objects.filter(parent=org, kind=OrgKind.GROUP, dissolved_on__isnull=True).update(
            dissolved_on=on, dissolve_reason=reason[:200]
        )
        bump_subtree(org.path)  # the groups' UPDATE: no signal sees it (orgs/access.py)
        for step in _retire_steps:
            step(org, None, on, reason[:200])
        audit_log(
            actor=actor,
            action="org.dissolve",
            obj=org,
            org=org,
            data={"on": on.isoformat(), "reason": reason[:200]},
        )
    return org
