"""The page where a lesson's author or an officer sets its speakers: the main speaker's
category and co-speakers (the "1+1" pairing) from the lesson's town."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from xianfeng.common.errors import Refused
from xianfeng.common.parse import int_param
from xianfeng.common.types import AuthedRequest
from xianfeng.lessons.practice import speakers
from xianfeng.lessons.practice.enums import SpeakerCategory
from xianfeng.lessons.selectors import get_lesson_for_user


@login_required
@require_http_methods(["GET", "POST"])
def lesson_speakers(request: AuthedRequest, pk: int) -> HttpResponse:
    lesson = get_lesson_for_user(request.user, pk)
    if not speakers.can_edit_speakers(request.user, lesson):
        raise PermissionDenied("只有创建人（发布前）或本组织的书记、宣传委员、管理员可以设置主讲人")
    scope = speakers.co_speaker_scope(lesson)
    if request.method == "POST":
        action = request.POST.get("action", "")
        category = request.POST.get("category", "")
        member_id = int_param(request.POST.get("member"), label="党员", field="member") or 0
        try:
            if action == "category":
                speakers.lesson_speaker_category(
                    actor=request.user, lesson=lesson, category=category
                )
                messages.success(request, "已保存主讲人类别")
            elif action == "add":
                candidate = (
                    speakers.co_speaker_candidates(lesson, scope, "", exclude_taken=False)
                    .filter(pk=member_id)
                    .first()
                )
                if candidate is None:
                    raise Refused(f"联合主讲人应为{scope.name}的党员")
                speakers.lesson_speaker_add(
                    actor=request.user, lesson=lesson, member=candidate, category=category
                )
                messages.success(request, f"已添加联合主讲人{candidate.user.name}")
            elif action in ("up", "down"):
                speakers.lesson_speaker_move(
                    actor=request.user, lesson=lesson, member_id=member_id, up=action == "up"
                )
                messages.success(request, "已调整联合主讲人的顺序")
                # Back to the row just moved, so a keyboard or screen-reader user keeps
                # their place after the page reloads.
                url = reverse("lessons:speakers", args=[lesson.pk])
                return redirect(f"{url}#co-speaker-{member_id}")
            elif action == "remove":
                speakers.lesson_speaker_remove(
                    actor=request.user, lesson=lesson, member_id=member_id
                )
                messages.success(request, "已移除联合主讲人")
            else:
                raise Refused("未知操作")
        except Refused as exc:
            messages.error(request, exc.message)
        return redirect("lessons:speakers", pk=lesson.pk)
    q = " ".join(request.GET.get("q", "").split())[:20]
    found = list(speakers.co_speaker_candidates(lesson, scope, q)[:20]) if q else []
    return render(
        request,
        "lessons/practice/speakers.html",
        {
            "lesson": lesson,
            "scope": scope,
            "co_speakers": speakers.lesson_co_speakers(lesson),
            "categories": SpeakerCategory.choices,
            "q": q,
            "found": found,
            "max_co_speakers": speakers.MAX_CO_SPEAKERS,
        },
    )
