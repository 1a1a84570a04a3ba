from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.home import Panel
from xianfeng.common.pagination import paginate
from xianfeng.common.types import AuthedRequest
from xianfeng.moderation import handlers, services
from xianfeng.moderation.rules import REVIEW_ROLES
from xianfeng.moderation.selectors import get_review_item_for_user, review_items_for
from xianfeng.orgs.rules import holds_any


def _reviewer(request: AuthedRequest) -> None:
    if not holds_any(request.user, REVIEW_ROLES):
        raise PermissionDenied("您没有审核权限")


@login_required
def queue(request: AuthedRequest) -> HttpResponse:
    _reviewer(request)
    page = paginate(request, review_items_for(request.user))
    for item in page.object_list:
        item.kind_label = handlers.label(item.kind)
    return render(request, "moderation/queue.html", {"page": page})


@login_required
@require_POST
def decide(request: AuthedRequest, pk: int) -> HttpResponse:
    item = get_review_item_for_user(request.user, pk)
    approve = request.POST.get("decision") == "approve"
    try:
        services.review_decide(
            reviewer=request.user, item=item, approve=approve, note=request.POST.get("note", "")
        )
        messages.success(request, "已通过，内容已发布" if approve else "已驳回")
    except Refused as exc:
        messages.error(request, exc.message)
    return redirect("moderation:queue")


def home_panels(request: HttpRequest) -> list[Panel]:
    user: Any = request.user
    if not holds_any(user, REVIEW_ROLES):
        return []
    return [Panel("moderation/panel.html", {"pending": review_items_for(user).count()}, order=15)]
