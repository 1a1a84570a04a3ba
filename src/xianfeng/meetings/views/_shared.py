"""What the meetings pages share: error messages, who may plan or read the ledger."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from xianfeng.common.errors import Refused
from xianfeng.common.types import AuthedRequest
from xianfeng.meetings import rules, selectors
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import holds_any

OVERVIEW_PAGE = 100


def _error(request: HttpRequest, exc: Exception) -> None:
    messages.error(request, getattr(exc, "message", None) or str(exc) or "没有权限")


def _form_error(form: Any, exc: Refused) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _can_plan_anywhere(user: Any) -> bool:
    return holds_any(user, rules.PLAN_ROLES)


def _reads_ledger_anywhere(user: Any) -> bool:
    return holds_any(user, rules.LEDGER_ROLES)


# --- lists ------------------------------------------------------------------------------------


def _planning_org(request: AuthedRequest) -> tuple[Org, list[Org]]:
    orgs = list(selectors.orgs_for_planning(request.user).order_by("path")[:500])
    if not orgs:
        raise PermissionDenied("只有党支部书记或组织委员可以安排会议")
    code = request.POST.get("org") or request.GET.get("org")
    if code:
        chosen = [o for o in orgs if o.code == code]
        if not chosen:
            raise Http404("找不到该组织")
        return chosen[0], orgs
    return next((o for o in orgs if o.kind == OrgKind.BRANCH), orgs[0]), orgs


def _lessons_for(user: Any) -> Any:
    from xianfeng.lessons.enums import LessonState
    from xianfeng.lessons.selectors import lessons_visible_to

    return (
        lessons_visible_to(user).filter(state=LessonState.PUBLISHED).order_by("-published_at")[:200]
    )


def _branch_of(org: Org) -> Org:
    if org.kind == OrgKind.GROUP and org.parent is not None:
        return org.parent
    return org
