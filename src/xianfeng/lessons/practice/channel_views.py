"""Pages of 展播 channels: the list members find, the curator's page (add, schedule,
drag or move to reorder) and the play-through page for a meeting-room screen."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from xianfeng.common.errors import BadInput, Refused
from xianfeng.common.forms import Form
from xianfeng.common.images import private_image_response
from xianfeng.common.parse import int_param
from xianfeng.common.types import AuthedRequest
from xianfeng.lessons import search, services
from xianfeng.lessons.models import ShowcaseItem
from xianfeng.lessons.practice import channels
from xianfeng.lessons.rules import LESSON_MANAGE_ROLES, can_manage_lessons
from xianfeng.lessons.selectors import (
    published_lessons_for,
    showcase_cover_for,
    showcase_lessons,
    showcase_released_q,
    showcases_visible_to,
)
from xianfeng.orgs.models import Org
from xianfeng.orgs.selectors import orgs_managed_by

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


class SettingsForm(Form):
    title = forms.CharField(label="展播名称", max_length=100)
    description = forms.CharField(label="简介", max_length=200, required=False)
    audience = forms.CharField(
        label="展播范围（组织代码，留空为本组织）", max_length=32, required=False
    )
    starts_on = forms.DateField(
        label="开始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label="结束日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    numbered = forms.BooleanField(label="按期编号（第 N 期）", required=False)


def _curator_orgs(request: AuthedRequest) -> list[Org]:
    return list(orgs_managed_by(request.user, LESSON_MANAGE_ROLES).order_by("path")[:300])


@login_required
@require_http_methods(["GET", "POST"])
def showcases(request: AuthedRequest) -> HttpResponse:
    """The 展播 channels the person finds now; a curator opens a new one here."""
    orgs = _curator_orgs(request)
    if request.method == "POST":
        org = next((o for o in orgs if o.code == request.POST.get("org")), None)
        title = " ".join(request.POST.get("title", "").split())
        if org is None:
            raise PermissionDenied("只有书记、宣传委员或组织管理员可以开设展播")
        if not title:
            messages.error(request, "请填写展播名称")
            return redirect("lessons:showcases")
        show = services.showcase_for_org(actor=request.user, org=org, title=title)
        return redirect("lessons:showcase_manage", pk=show.pk)
    items = list(
        showcases_visible_to(request.user)
        .select_related("org")
        .annotate(n=Count("items", filter=showcase_released_q("items__")))
        .order_by("-created_at", "-id")[:100]
    )
    return render(
        request, "lessons/practice/showcases.html", {"showcases": items, "curator_orgs": orgs}
    )


@login_required
@require_GET
def showcase_cover(request: AuthedRequest, pk: int) -> FileResponse:
    """A channel's cover, to those the channel reaches (never a public URL)."""
    thumb = request.GET.get("size") == "thumb"
    return private_image_response(showcase_cover_for(request.user, pk, thumb=thumb))


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
            elif action == "settings":
                _settings(request, show)
                messages.success(request, "已保存展播设置")
            elif action == "cover":
                upload = request.FILES.get("cover")
                if upload is None:
                    raise Refused("请选择封面图片", field="cover")
                channels.showcase_cover_set(
                    actor=request.user, showcase=show, handle=upload, size=upload.size or 0
                )
                messages.success(request, "已更换封面")
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
            "settings_form": SettingsForm(
                initial={
                    "title": show.title,
                    "description": show.description,
                    "audience": show.audience.code if show.audience else "",
                    "starts_on": show.starts_on,
                    "ends_on": show.ends_on,
                    "numbered": show.numbered,
                }
            ),
        },
    )


def _settings(request: AuthedRequest, show: Any) -> None:
    form = SettingsForm(request.POST)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        label = form.fields[field].label if field in form.fields else ""
        raise Refused(f"{label}：{errors[0]}" if label else str(errors[0]), field=field)
    d = form.cleaned_data
    audience = None
    if d["audience"]:
        # Looked up inside the channel's own org: another tree's codes are not confirmed.
        audience = Org.objects.filter(code=d["audience"], path__startswith=show.org.path).first()
        if audience is None:
            raise Refused("本组织之内没有这个组织代码", field="audience")
    channels.showcase_settings(
        actor=request.user,
        showcase=show,
        title=d["title"],
        description=d["description"],
        audience=audience,
        starts_on=d["starts_on"],
        ends_on=d["ends_on"],
        numbered=d["numbered"],
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
