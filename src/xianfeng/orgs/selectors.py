"""Reads of the org tree that decide what a person may see."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr
from django.http import Http404

from xianfeng.common.memo import MISSING, VersionedMemo, identity_version
from xianfeng.orgs import paths
from xianfeng.orgs.enums import (
    ALLOWED_PARENTS,
    ORG_ADMIN_ROLES,
    ROSTER_VIEW_ROLES,
    OrgChangeKind,
    OrgKind,
    RoleKind,
)
from xianfeng.orgs.models import Org, OrgChange, Role, subtree_q

# Roles by (user id, access version), between requests (common/memo.py).
_roles_memo = VersionedMemo()


def roles_of(user: Any) -> list[Role]:
    """The person's roles with their orgs, loaded once per request and kept on the user,
    and for the signed-in person kept in the process under their access version."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached: list[Role] | None = getattr(user, "_xf_roles", None)
    if cached is None:
        version = identity_version(user)
        found = MISSING if version is None else _roles_memo.get(user.pk, version)
        if found is MISSING:
            found = list(Role.objects.filter(user=user).select_related("org").order_by("org__path"))
            if version is not None:
                _roles_memo.put(user.pk, version, found)
        cached = found
        user._xf_roles = cached
    return cached


def role_root_paths(user: Any, kinds: Iterable[str]) -> list[str]:
    """Paths of the outermost orgs where the person holds one of `kinds`."""
    wanted = set(kinds)
    return paths.outermost(role.org.path for role in roles_of(user) if role.kind in wanted)


def scope_q(user: Any, kinds: Iterable[str], *, field: str) -> Q:
    """A Q limiting rows (whose org path is at `field`) to the person's reach for `kinds`."""
    if getattr(user, "is_superuser", False):
        return Q()
    return subtree_q(role_root_paths(user, kinds), field=field)


def orgs_managed_by(user: Any, kinds: Iterable[str] = ROSTER_VIEW_ROLES) -> QuerySet[Org]:
    """Every org in the subtrees where the person holds one of `kinds`."""
    return Org.objects.filter(scope_q(user, kinds, field="path"))


def org_roots_for(user: Any, kinds: Iterable[str] = ROSTER_VIEW_ROLES) -> list[Org]:
    """The top orgs of the person's reach: where the tree page starts."""
    if getattr(user, "is_superuser", False):
        return list(Org.objects.filter(parent__isnull=True))
    roots = set(role_root_paths(user, kinds))
    by_path = {role.org.path: role.org for role in roles_of(user)}
    return [by_path[p] for p in sorted(roots)]


def get_org_for_user(user: Any, code: str, kinds: Iterable[str] = ROSTER_VIEW_ROLES) -> Org:
    """The org with `code` if the person may see it; 404 otherwise (never 403: no probing)."""
    org = orgs_managed_by(user, kinds).filter(code=code).first()
    if org is None:
        raise Http404("找不到该组织")
    return org


def org_children(org: Org) -> QuerySet[Org]:
    return Org.objects.filter(parent=org).order_by("sort_order", "path")


def org_ancestors(org: Org) -> list[Org]:
    ids = org.ancestor_ids()
    by_id = Org.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def org_ancestors_for(
    user: Any, org: Org, kinds: Iterable[str] = ROSTER_VIEW_ROLES
) -> list[tuple[Org, bool]]:
    """The breadcrumb above an org: each ancestor, and whether this person may open it (a
    branch secretary sees the county's name, not a link that answers 404)."""
    roots = org_roots_for(user, kinds)
    return [(a, any(root.contains(a) for root in roots)) for a in org_ancestors(org)]


@dataclass(frozen=True)
class SubtreeCounter:
    """Rows of another app counted per org subtree (people registers "members")."""

    name: str
    rows: Callable[[], QuerySet[Any]]
    path_field: str  # the row's org path, e.g. "org__path"


_counters: dict[str, SubtreeCounter] = {}


def register_subtree_counter(counter: SubtreeCounter) -> None:
    _counters[counter.name] = counter


def subtree_counter(name: str) -> SubtreeCounter | None:
    return _counters.get(name)


def subtree_stats(orgs: list[Org]) -> dict[int, dict[str, int]]:
    """For each org: its sub-orgs and each registered count (members …) in its subtree, in
    one grouped query per count.

    The orgs must be siblings (same depth); each row is grouped by the path prefix at
    that depth, so the cost does not grow with the number of orgs.
    """
    if not orgs:
        return {}
    depth = orgs[0].depth
    if any(o.depth != depth for o in orgs):
        raise ValueError("subtree_stats needs orgs at the same depth")
    prefix_len = (depth + 1) * paths.SEGMENT
    parent_paths = {o.path[: -paths.SEGMENT] for o in orgs}
    if len(orgs) > 1 and len(parent_paths) == 1 and depth > 0:
        # Siblings: one range (the parent's subtree) instead of one per child.
        parent_path = parent_paths.pop()

        def where(field: str) -> Q:
            return Q(
                **{f"{field}__gt": parent_path, f"{field}__lt": paths.upper_bound(parent_path)}
            )
    else:

        def where(field: str) -> Q:
            return subtree_q([o.path for o in orgs], field=field)

    def by_root(rows: QuerySet[Any], field: str) -> dict[str, int]:
        grouped = (
            rows.filter(where(field))
            .annotate(root=Substr(field, 1, prefix_len))
            .values("root")
            .annotate(n=Count("pk"))
        )
        return {row["root"]: row["n"] for row in grouped}

    counts = {c.name: by_root(c.rows(), c.path_field) for c in _counters.values()}
    orgs_by_root = by_root(Org.objects.all(), "path")
    return {
        o.pk: {
            **{name: found.get(o.path, 0) for name, found in counts.items()},
            "orgs": orgs_by_root.get(o.path, 1) - 1,
        }
        for o in orgs
    }


def holders_of(org: Org) -> QuerySet[Role]:
    """The roles held at this org itself (not inherited), for its detail page."""
    return Role.objects.filter(org=org).select_related("user").order_by("kind", "user__name")


def is_org_admin_anywhere(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or any(
        role.kind in ORG_ADMIN_ROLES for role in roles_of(user)
    )


def role_kinds_of(user: Any) -> set[str]:
    return {role.kind for role in roles_of(user)}


def secretary_orgs(user: Any) -> list[Org]:
    return [role.org for role in roles_of(user) if role.kind == RoleKind.SECRETARY]


# --- the org over time -------------------------------------------------------------------


def org_history(org: Org) -> list[OrgChange]:
    """The org's dated changes, oldest first, with the orgs they name (one query)."""
    return list(
        OrgChange.objects.filter(org=org)
        .select_related("from_parent", "to_parent", "other", "actor")
        .order_by("effective_on", "id")
    )


def former_names(history: list[OrgChange]) -> list[OrgChange]:
    """The 更名 rows of a history, newest first: "原名 …" on the org's page."""
    return sorted(
        (c for c in history if c.kind == OrgChangeKind.RENAMED),
        key=lambda c: (c.effective_on, c.pk),
        reverse=True,
    )


def org_name_on(org: Org, day: datetime.date) -> str:
    """What the org was called on `day`: the old name of the first rename after it, or
    its current name (one query)."""
    later = (
        OrgChange.objects.filter(org=org, kind=OrgChangeKind.RENAMED, effective_on__gt=day)
        .order_by("effective_on", "id")
        .values_list("old_name", flat=True)
        .first()
    )
    return later or org.name


def org_groups(branch: Org) -> QuerySet[Org]:
    """The branch's party groups, those still in existence first."""
    return Org.objects.filter(parent=branch, kind=OrgKind.GROUP).order_by(
        "dissolved_on", "sort_order", "path"
    )


def move_targets(user: Any, org: Org) -> QuerySet[Org]:
    """Orgs the person may put `org` under: living orgs they administer, outside `org`'s
    own subtree, of a kind that may hold it (the service checks again)."""
    kinds = [k for k in ALLOWED_PARENTS[OrgKind(org.kind)] if k is not None]
    return (
        orgs_managed_by(user, ORG_ADMIN_ROLES)
        .filter(kind__in=kinds, dissolved_on__isnull=True)
        .exclude(path__gte=org.path, path__lt=org.upper_path)
        .exclude(pk=org.parent_id or 0)
        .order_by("path")
    )


def merge_targets(user: Any, org: Org) -> QuerySet[Org]:
    """Orgs `org` may be merged into: living orgs of the same kind the person administers,
    neither above nor below it; a party group only into a group of the same branch."""
    qs = (
        orgs_managed_by(user, ORG_ADMIN_ROLES)
        .filter(kind=org.kind, dissolved_on__isnull=True)
        .exclude(path__gte=org.path, path__lt=org.upper_path)
        .exclude(path__in=paths.ancestor_paths(org.path))
    )
    if org.kind == OrgKind.GROUP:
        qs = qs.filter(parent_id=org.parent_id)
    return qs.order_by("path")
