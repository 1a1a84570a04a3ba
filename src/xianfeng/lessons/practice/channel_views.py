"""Pages of 展播 channels: the list members find, the curator's page (add, schedule,
drag or move to reorder) and the play-through page for a meeting-room screen."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from xianfeng.common.errors import BadInput, Refused
from xianfeng.common.forms import Form
from xianfeng.common.parse import int_param
from xianfeng.common.types import AuthedRequest
from xianfeng.lessons import search
from xianfeng.lessons.models import ShowcaseItem
from xianfeng.lessons.practice import channels
from xianfeng.lessons.rules import can_manage_lessons
from xianfeng.lessons.selectors import (
    published_lessons_for,
    showcase_lessons,
    showcase_released_q,
    showcases_visible_to,
)

# A channel of more lessons than this is not one a person drags through.
MAX_REORDER = 500


class ScheduleForm(Form):
    publish_at = forms.DateTimeField(
        label="定时发布（留空为立即上线）",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": "请填写正确的日期和时间"},
    )


@login_required
def showcases(request: AuthedRequest) -> HttpResponse:
    """The 展播 channels the person finds now."""
    items = list(
        showcases_visible_to(request.user)
        .select_related("org")
        .annotate(n=Count("items", filter=showcase_released_q("items__")))
        .order_by("-created_at", "-id")[:100]
    )
    return render(request, "lessons/practice/showcases.html", {"showcases": items})


def _order_param(raw: str) -> list[int]:
    parts = [p for p in raw.split(",") if p.strip()]
    if len(parts) > MAX_REORDER:
        raise BadInput("顺序中的课程太多")
    try:
        return [int(p) for p in parts]
    except ValueError:
        raise BadInput("顺序格式不正确") from None


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


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
            if action == "reorder":
                order = channels.showcase_reorder(
                    actor=request.user,
                    showcase=show,
                    lesson_ids=_order_param(request.POST.get("order", "")),
                )
                if _wants_json(request):
                    return JsonResponse({"order": order})
                messages.success(request, "已保存顺序")
            elif action == "add":
                form = ScheduleForm(request.POST)
                if not form.is_valid():
                    raise Refused(str(form.errors["publish_at"][0]), field="publish_at")
                lesson = published_lessons_for(request.user).filter(pk=lesson_id).first()
                if lesson is None:
                    raise Refused("只能加入已发布的微党课")
                channels.showcase_add(
                    actor=request.user,
                    showcase=show,
                    lesson=lesson,
                    publish_at=form.cleaned_data.get("publish_at"),
                )
            elif action in ("up", "down"):
                order = channels.showcase_move(
                    actor=request.user, showcase=show, lesson_id=lesson_id, up=action == "up"
                )
                if _wants_json(request):
                    return JsonResponse({"order": order})
            elif action == "release":
                channels.showcase_release_now(
                    actor=request.user, showcase=show, lesson_id=lesson_id
                )
            elif action == "remove":
                channels.showcase_remove(actor=request.user, showcase=show, lesson_id=lesson_id)
            else:
                raise Http404("未知操作")
        except Refused as exc:
            if _wants_json(request):
                return JsonResponse({"detail": exc.message}, status=400)
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
        {
            "showcase": show,
            "items": items,
            "q": q,
            "found": found,
            "schedule_form": ScheduleForm(),
        },
    )


@login_required
@require_GET
def showcase_play(request: HttpRequest, pk: int) -> HttpResponse:
    """连续播放: the channel's lessons one after another on a meeting-room screen. Playing
    here is not the signed-in person's own study (the room watches), so nothing is
    reported as watched; a group viewing is recorded by the meeting or the site."""
    show, lessons = showcase_lessons(request.user, pk)
    playable = [
        lesson for lesson in lessons if lesson.video is not None and lesson.video.is_playable
    ]
    return render(
        request, "lessons/practice/showcase_play.html", {"showcase": show, "lessons": playable}
    )
