from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Schema

from xianfeng.common.apitools import ApiRouter, errors
from xianfeng.orgs.enums import ROSTER_VIEW_ROLES
from xianfeng.orgs.models import Org
from xianfeng.orgs.selectors import get_org_for_user, org_children, org_roots_for, subtree_stats

router = ApiRouter(tags=["组织"])


class OrgOut(Schema):
    code: str
    name: str
    kind: str
    kind_label: str
    region: str
    parent_code: str | None
    depth: int
    members: int
    sub_orgs: int


def _out(orgs: list[Org], parent_code: str | None = None) -> list[dict[str, Any]]:
    stats: dict[int, dict[str, int]] = {}
    by_depth: dict[int, list[Org]] = {}
    for org in orgs:
        by_depth.setdefault(org.depth, []).append(org)
    for same in by_depth.values():
        stats.update(subtree_stats(same))
    return [
        {
            "code": o.code,
            "name": o.name,
            "kind": o.kind,
            "kind_label": o.get_kind_display(),
            "region": o.region,
            "parent_code": parent_code,
            "depth": o.depth,
            "members": stats[o.pk]["members"],
            "sub_orgs": stats[o.pk]["orgs"],
        }
        for o in orgs
    ]


@router.get("/", response=list[OrgOut], summary="我能看到的顶级组织")
def roots(request: HttpRequest) -> list[dict[str, Any]]:
    return _out(org_roots_for(request.user, ROSTER_VIEW_ROLES))


@router.get("/{code}", response={200: OrgOut, **errors(404)}, summary="组织详情")
def org_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    org = get_org_for_user(request.user, code)
    parent = org.parent.code if org.parent else None
    return _out([org], parent)[0]


@router.get("/{code}/children", response={200: list[OrgOut], **errors(404)}, summary="下级组织")
def org_children_api(request: HttpRequest, code: str) -> list[dict[str, Any]]:
    org = get_org_for_user(request.user, code)
    return _out(list(org_children(org)), org.code)
