"""学习积分: my points (where each point came from, what I can still earn today), rankings
in my branch, town and county, branch averages for officers, and the county's rules."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from xianfeng.common import points as registry
from xianfeng.common.errors import Refused
from xianfeng.common.pagination import paginate
from xianfeng.common.types import AuthedRequest
from xianfeng.orgs.enums import ORG_ADMIN_ROLES, RECORD_ROLES
from xianfeng.orgs.selectors import get_org_for_user, org_roots_for
from xianfeng.people.selectors import member_of
from xianfeng.study.enums import Period, RankScope
from xianfeng.study.selectors import points as sel
from xianfeng.study.services import points as services


def _choice(value: str | None, choices: type[Period] | type[RankScope], default: str) -> str:
    return value if value in choices.values else default


@login_required
def my_points(request: AuthedRequest) -> HttpResponse:
    """My total, this week/month/year, what each rule can still give today, my ranks and
    the ledger row by row."""
    today = timezone.localdate()
    member = member_of(request.user)
    org = member.org if member is not None else None
    mine = sel.my_points(request.user, org, today)
    period = _choice(request.GET.get("period"), Period, Period.WEEK)
    ranks = []
    if org is not None:
        for scope, root in sel.scope_orgs(org).items():
            own = sel.points_within(root, mine.at_orgs[period])
            ranks.append(sel.rank_in(root, scope, period, today, own))
    page = paginate(request, sel.ledger_of(request.user))
    return render(
        request,
        "study/points_me.html",
        {
            "mine": mine,
            "ranks": ranks,
            "period": period,
            "periods": Period.choices,
            "scope_labels": dict(RankScope.choices),
            "page": page,
            "labels": {r.code: r.label for r in registry.rules()},
        },
    )


@login_required
def ranking(request: AuthedRequest) -> HttpResponse:
    """The top of my branch, town or county for the week, month or year, and my place."""
    today = timezone.localdate()
    member = member_of(request.user)
    if member is None:
        return render(request, "study/ranking.html", {"no_member": True})
    period = _choice(request.GET.get("period"), Period, Period.WEEK)
    scope = _choice(request.GET.get("scope"), RankScope, RankScope.BRANCH)
    root = sel.scope_orgs(member.org)[scope]
    rows = sel.ranking(root, period, today)
    mine = next((r.points for r in rows if r.user_id == request.user.pk), None)
    if mine is None:
        mine = sel.points_within(root, sel.my_period_rows(request.user, period, today))
    rank = sel.rank_in(root, scope, period, today, mine)
    return render(
        request,
        "study/ranking.html",
        {
            "rows": rows,
            "rank": rank,
            "root": root,
            "period": period,
            "scope": scope,
            "periods": Period.choices,
            "scopes": RankScope.choices,
        },
    )


@login_required
def branch_averages(request: AuthedRequest) -> HttpResponse:
    """Officers: each branch of their subtree, its members' points and the average."""
    roots = org_roots_for(request.user, RECORD_ROLES)
    if not roots:
        raise PermissionDenied("只有书记、委员和组织管理员可以查看各支部积分")
    code = request.GET.get("org")
    root = get_org_for_user(request.user, code, RECORD_ROLES) if code else roots[0]
    period = _choice(request.GET.get("period"), Period, Period.MONTH)
    rows = sel.branch_averages(root, period, timezone.localdate())
    return render(
        request,
        "study/branch_averages.html",
        {"rows": rows, "root": root, "roots": roots, "period": period, "periods": Period.choices},
    )


@login_required
@require_http_methods(["GET", "POST"])
def rules_page(request: AuthedRequest) -> HttpResponse:
    """Org admins: points per action, the daily cap of each rule and of the day, for their
    org and below (a lower org's own setting wins there)."""
    roots = org_roots_for(request.user, ORG_ADMIN_ROLES)
    if not roots:
        raise PermissionDenied("只有组织管理员可以设置积分规则")
    code = request.GET.get("org")
    org = get_org_for_user(request.user, code, ORG_ADMIN_ROLES) if code else roots[0]
    if request.method == "POST":
        try:
            if request.POST.get("rule") == "__day__":
                services.points_policy_set(
                    actor=request.user, org=org, daily_cap=_int(request.POST.get("daily_cap"))
                )
            else:
                services.points_rule_set(
                    actor=request.user,
                    org=org,
                    rule=request.POST.get("rule", ""),
                    points=_int(request.POST.get("points")),
                    daily_cap=_int(request.POST.get("daily_cap")),
                    enabled=request.POST.get("enabled") == "on",
                )
        except Refused as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "积分规则已保存")
        return redirect(f"{request.path}?org={org.code}")
    policy = sel.policy_for(org)
    return render(
        request,
        "study/points_rules.html",
        {"org": org, "roots": roots, "policy": policy, "rules": list(policy.rules.values())},
    )


def _int(value: str | None) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        raise Refused("请填写整数") from None
