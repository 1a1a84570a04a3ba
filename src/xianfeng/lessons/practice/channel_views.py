"""Pages of 展播 channels: the list members find, and the curator's page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from xianfeng.common.errors import Refused
from xianfeng.common.parse import int_param
from xianfeng.common.types import AuthedRequest
from xianfeng.lessons import search
from xianfeng.lessons.models import ShowcaseItem
from xianfeng.lessons.practice import channels
from xianfeng.lessons.rules import can_manage_lessons
from xianfeng.lessons.selectors import published_lessons_for, showcases_visible_to


@login_required
def showcases(request: AuthedRequest) -> HttpResponse:
    """The 展播 channels the person finds now."""
    items = list(
        showcases_visible_to(request.user)
        .select_related("org")
        .annotate(n=Count("items"))
        .order_by("-created_at", "-id")[:100]
    )
    return render(request, "lessons/practice/showcases.html", {"showcases": items})


@login_required
@require_http_methods(["GET", "POST"])
def showcase_manage(request: AuthedRequest, pk: int) -> HttpResponse:
    show = (
        showcases_visible_to(request.user).select_related("org", "audience").filter(pk=pk).first()
    )
    if show is None:
        raise Http404("找不到该展播")
    if not can_manage_lessons(request.user, show.org):
        raise PermissionDenied("只有本组织的书记、宣传委员或管理员可以编排展播")
    if request.method == "POST":
        action = request.POST.get("action", "")
        lesson_id = int_param(request.POST.get("lesson"), label="微党课", field="lesson") or 0
        try:
            if action == "add":
                lesson = published_lessons_for(request.user).filter(pk=lesson_id).first()
                if lesson is None:
                    raise Refused("只能加入已发布的微党课")
                channels.showcase_add(actor=request.user, showcase=show, lesson=lesson)
            elif action in ("up", "down"):
                channels.showcase_move(
                    actor=request.user, showcase=show, lesson_id=lesson_id, up=action == "up"
                )
            elif action == "remove":
                channels.showcase_remove(actor=request.user, showcase=show, lesson_id=lesson_id)
            else:
                raise Http404("未知操作")
        except Refused as exc:
            messages.error(request, exc.message)
        return redirect("lessons:showcase_manage", pk=show.pk)
    items = list(
        ShowcaseItem.objects.filter(showcase=show)
        .select_related("lesson")
        .order_by("position", "id")
    )
    q = request.GET.get("q", "").strip()[:50]
    found = list(search.filter_lessons(published_lessons_for(request.user), q)[:20]) if q else []
    return render(
        request,
        "lessons/practice/showcase_manage.html",
        {"showcase": show, "items": items, "q": q, "found": found},
    )
