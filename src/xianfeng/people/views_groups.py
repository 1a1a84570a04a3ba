"""The branch's party groups: which member is in which group (from the branch's page)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from xianfeng.common.errors import Refused
from xianfeng.common.types import AuthedRequest, actor_of
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.rules import can_manage_roster
from xianfeng.orgs.selectors import get_org_for_user, org_groups
from xianfeng.people import services
from xianfeng.people.selectors import branch_roll


@login_required
@require_http_methods(["GET", "POST"])
def group_members(request: AuthedRequest, code: str) -> HttpResponse:
    branch = get_org_for_user(request.user, code)
    if branch.kind != OrgKind.BRANCH or not can_manage_roster(request.user, branch):
        raise Http404("找不到该组织")
    groups = [g for g in org_groups(branch) if g.dissolved_on is None]
    members = list(branch_roll(branch))
    error = ""
    if request.method == "POST":
        valid = {str(g.pk): g.pk for g in groups}
        assignments: dict[int, int | None] = {}
        for member in members:
            raw = request.POST.get(f"group_{member.pk}")
            if raw is None:
                continue  # a member added since the page was loaded keeps their group
            if raw and raw not in valid:
                error = "所选党小组不属于本支部或已撤销，请刷新页面后重试"
                break
            assignments[member.pk] = valid[raw] if raw else None
        if not error:
            try:
                changed = services.members_assign_groups(
                    actor=actor_of(request), branch=branch, assignments=assignments
                )
            except Refused as exc:
                error = exc.message
            else:
                messages.success(request, f"已调整 {changed} 名党员的党小组")
                return redirect("people:group_members", code=branch.code)
    counts = {g.pk: 0 for g in groups}
    for member in members:
        if member.group_id in counts:
            counts[member.group_id] += 1
    return render(
        request,
        "people/group_members.html",
        {
            "branch": branch,
            "groups": [(g, counts[g.pk]) for g in groups],
            "members": members,
            "error": error,
            "unassigned": sum(1 for m in members if m.group_id not in counts),
        },
        status=400 if error else 200,
    )
