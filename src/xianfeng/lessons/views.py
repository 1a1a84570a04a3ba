from __future__ import annotations

import datetime
import math
import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xianfeng.common.errors import BadInput, Refused
from xianfeng.common.pagecache import per_person
from xianfeng.common.pagination import paginate, query_without_page
from xianfeng.common.parse import int_param, report_json
from xianfeng.common.types import AuthedRequest
from xianfeng.lessons import services
from xianfeng.lessons.enums import LessonState, TextStatus
from xianfeng.lessons.exports import participation_workbook
from xianfeng.lessons.forms import CommentForm, FeedForm, LessonForm, PublishForm, ReflectionForm
from xianfeng.lessons.models import Comment, Lesson, Reflection, Tag
from xianfeng.lessons.poster import lesson_poster_png
from xianfeng.lessons.practice.speakers import lesson_co_speakers
from xianfeng.lessons.rules import (
    LESSON_MANAGE_ROLES,
    can_edit_lesson,
    can_manage_lessons,
    can_record_lessons,
    can_write_commentary,
)
from xianfeng.lessons.selectors import (
    FEEDS,
    PARTICIPATION_LABELS,
    FeedFilters,
    branch_participation,
    comments_for,
    creation_orgs,
    get_lesson_for_user,
    lesson_feed,
    lesson_viewer_state,
    lessons_awaiting_publication,
    my_lessons,
    publish_audiences,
    reflections_for,
    series_for_org,
    series_for_user,
    showcase_lessons,
    showcases_on_now_for,
    viewer_state_of,
    watch_history,
    watchable_lesson,
)
from xianfeng.media.enums import VideoStatus
from xianfeng.media.selectors import video_hls_url, video_mp4_url, video_poster_url
from xianfeng.media.services import video_retry
from xianfeng.orgs.enums import RoleKind
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import holds_any
from xianfeng.orgs.selectors import get_org_for_user, orgs_managed_by
from xianfeng.people.auth import reporting_user
from xianfeng.people.selectors import member_of


def _htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


FEED_CHANNELS = 6


def feed(request: HttpRequest) -> HttpResponse:
    """Lesson feeds and search; visitors see public lessons only."""
    form = FeedForm(request.GET or None)
    form.fields["feed"].choices = list(FEEDS.items())  # type: ignore[attr-defined]
    filters = FeedFilters()
    if "series" in form.errors:
        # The API answers 422 for the same id; a page says 400 (other bad filters are
        # simply not applied, as before).
        raise BadInput("专题编号不正确", field="series")
    if form.is_valid():
        d = form.cleaned_data
        filters = FeedFilters(
            feed=d.get("feed") or "latest",
            q=d.get("q") or "",
            tag=d.get("tag") or "",
            series=d.get("series"),
        )
    # A bounded count: the feed costs the same at 100,000 lessons as at 1,000.
    page = paginate(request, lesson_feed(request.user, filters), per_page=12, bounded=True)
    # The channels on now, as tiles above the lessons (the first page of the plain feed;
    # a search or a filter is looking for lessons).
    plain = not filters.q and not filters.tag and filters.series is None
    front = plain and page.number == 1 and not _htmx(request)
    channels = list(showcases_on_now_for(request.user)[:FEED_CHANNELS]) if front else []

    context = {
        "page": page,
        "filters": filters,
        "feeds": FEEDS,
        "tags": Tag.objects.all(),
        "series": series_for_user(request.user)[:20],
        "can_manage": holds_any(request.user, LESSON_MANAGE_ROLES),
        "can_record": can_record_lessons(request.user),
        "query": query_without_page(request),
        "channels": channels,
    }
    template = "lessons/feed.html#results" if _htmx(request) else "lessons/feed.html"
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def create(request: AuthedRequest) -> HttpResponse:
    orgs = creation_orgs(request.user)
    if not orgs:
        raise PermissionDenied("只有党员或党组织管理者可以录制微党课")
    org = orgs[0]
    if request.POST.get("org") or request.GET.get("org"):
        code = request.POST.get("org") or request.GET.get("org")
        chosen = [o for o in orgs if o.code == code]
        if not chosen:
            raise Http404("找不到该组织")
        org = chosen[0]
    form = LessonForm(request.POST or None, series=series_for_org(org))
    if request.method == "POST" and form.is_valid():
        try:
            lesson = services.lesson_create(
                actor=request.user, org=org, data=form.to_data(speaker=member_of(request.user))
            )
        except Refused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "已保存草稿，现在上传视频或音频")
            return redirect("lessons:edit", pk=lesson.pk)
    return render(
        request, "lessons/form.html", {"form": form, "orgs": orgs, "org": org, "lesson": None}
    )


def _editable(request: AuthedRequest, pk: int) -> Lesson:
    lesson = get_lesson_for_user(request.user, pk)
    if not can_edit_lesson(request.user, lesson):
        raise Http404("找不到该微党课")
    return lesson


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: AuthedRequest, pk: int) -> HttpResponse:
    lesson = _editable(request, pk)
    initial = {
        "title": lesson.title,
        "speaker_name": "" if lesson.speaker_id else lesson.speaker_name,
        "summary": lesson.summary,
        "story": lesson.story,
        "reflection": lesson.reflection,
        "question": lesson.question,
        "tags": list(lesson.tags.all()),
        "series": lesson.series_id,
    }
    form = LessonForm(request.POST or None, initial=initial, series=series_for_org(lesson.org))
    if request.method == "POST" and form.is_valid():
        try:
            services.lesson_update(
                actor=request.user, lesson=lesson, data=form.to_data(speaker=lesson.speaker)
            )
        except Refused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "已保存")
            return redirect("lessons:edit", pk=lesson.pk)
    return render(request, "lessons/edit.html", {"form": form, "lesson": lesson})


@login_required
@require_GET
def status(request: AuthedRequest, pk: int) -> HttpResponse:
    """The processing state of the lesson's video (polled by htmx while it changes)."""
    lesson = _editable(request, pk)
    return render(request, "lessons/_status.html", {"lesson": lesson, "video": lesson.video})


@login_required
@require_POST
def retry(request: AuthedRequest, pk: int) -> HttpResponse:

    lesson = _editable(request, pk)
    if lesson.video is None:
        raise Http404("没有视频")
    try:
        video_retry(video=lesson.video, actor=request.user)
    except Refused as exc:
        messages.error(request, exc.message)
    lesson.refresh_from_db()
    return render(request, "lessons/_status.html", {"lesson": lesson, "video": lesson.video})


@login_required
@require_POST
def transition(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    lesson = get_lesson_for_user(request.user, pk)
    try:
        if action == "submit":
            services.lesson_submit(actor=request.user, lesson=lesson)
            messages.success(request, "已提交，等待支部发布")
        elif action == "withdraw":
            services.lesson_withdraw(actor=request.user, lesson=lesson)
            messages.success(request, "已撤回为草稿")
        elif action == "archive":
            services.lesson_archive(actor=request.user, lesson=lesson)
            messages.success(request, "已归档")
        elif action == "publish":
            form = PublishForm(request.POST, audiences=publish_audiences(request.user, lesson))
            if not form.is_valid():
                raise Refused("请选择发布范围")
            services.lesson_publish(
                actor=request.user,
                lesson=lesson,
                audience=form.cleaned_data["audience"],
                public=form.cleaned_data["public"],
            )
            messages.success(request, "已发布")
        else:
            raise Http404("未知操作")
    except Refused as exc:
        messages.error(request, exc.message)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("lessons:detail", pk=lesson.pk)


# What a visitor pressed before logging in (点赞 or a star), held in their session and done
# when they come back to the lesson logged in: the intent was a CSRF-checked POST, and
# the lesson is loaded again through the logged-in person's selector before it is done.
INTENT_KEY = "lesson_intent"
INTENT_SECONDS = 15 * 60


def _hold_intent(request: HttpRequest, pk: int, action: str, value: int = 0) -> HttpResponse:
    request.session[INTENT_KEY] = {
        "lesson": pk,
        "action": action,
        "value": value,
        "until": time.time() + INTENT_SECONDS,
    }
    return redirect_to_login(reverse("lessons:detail", args=[pk]))


def _do_intent(request: AuthedRequest, lesson: Lesson) -> bool:
    """Carry out the held intent for this lesson (once); True when something was done."""
    intent = request.session.get(INTENT_KEY)
    if not isinstance(intent, dict) or intent.get("lesson") != lesson.pk:
        return False
    del request.session[INTENT_KEY]
    if float(intent.get("until", 0)) < time.time() or not lesson.is_published:
        return False
    try:
        if intent.get("action") == "like":
            services.like_set(user=request.user, lesson=lesson, liked=True)
            messages.success(request, "已点赞")
        elif intent.get("action") == "rate" and 1 <= int(intent.get("value", 0)) <= 5:
            services.rating_set(user=request.user, lesson=lesson, score=int(intent["value"]))
            messages.success(request, "已评分")
        else:
            return False
    except (Refused, PermissionDenied) as exc:
        messages.error(request, getattr(exc, "message", str(exc)))
        return False
    return True


@per_person
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A lesson page; a visitor may watch what is published to everyone, and is sent to
    log in (and back here) for anything else, whether or not it exists."""
    try:
        lesson = get_lesson_for_user(request.user, pk)
    except Http404:
        if not request.user.is_authenticated:
            return redirect_to_login(reverse("lessons:detail", args=[pk]))
        raise
    user: Any = request.user
    authed = user.is_authenticated
    if authed and _do_intent(request, lesson):  # type: ignore[arg-type]
        return redirect("lessons:detail", pk=pk)
    published = lesson.is_published
    manage = authed and can_manage_lessons(user, lesson.org)
    state = viewer_state_of(lesson)
    context: dict[str, Any] = {
        "lesson": lesson,
        "video": lesson.video,
        "published": published,
        "can_edit": authed and can_edit_lesson(user, lesson),
        "can_manage": manage,
        "progress": state.progress,
        "liked": state.liked,
        "my_rating": state.my_rating,
        "reflections": reflections_for(user, lesson)[:30] if authed else [],
        # From the same query as the lesson (its text annotated): no query of its own.
        "my_reflection": Reflection(pk=state.reflection_id, text=state.reflection_text or "")
        if state.reflection_id
        else None,
        "comments": comments_for(user, lesson)[:50] if published else [],
        "reflection_form": ReflectionForm(),
        "comment_form": CommentForm(),
        "publish_form": PublishForm(
            audiences=publish_audiences(user, lesson), initial={"audience": lesson.org_id}
        )
        if manage and lesson.state == LessonState.SUBMITTED
        else None,
        "share_url": request.build_absolute_uri(reverse("lessons:detail", args=[lesson.pk])),
        "share_image": request.build_absolute_uri(video_poster_url(lesson.video, public=True))
        if lesson.is_open_to_all and lesson.video is not None and lesson.video.poster
        else "",
        "stars": range(1, 6),
        "commentaries": list(lesson.commentaries.select_related("author")) if published else [],
        # Asked only when the lesson has co-speakers (flagged by the lesson's own query).
        "co_speakers": lesson_co_speakers(lesson)
        if getattr(lesson, "has_co_speakers", False)
        else [],
        "can_comment_expert": authed and can_write_commentary(user, lesson),
        "report_every": settings.WATCH_REPORT_SECONDS,
    }
    return render(request, "lessons/detail.html", context)


@login_required
@require_POST
def commentary(request: AuthedRequest, pk: int) -> HttpResponse:
    """专业人士点评: an expert writes (or rewrites) theirs, or takes it back."""
    lesson = get_lesson_for_user(request.user, pk)
    try:
        if request.POST.get("delete") == "1":
            mine = lesson.commentaries.filter(author_id=request.user.pk).first()
            if mine is None:
                raise Http404("找不到该点评")
            services.commentary_delete(actor=request.user, commentary=mine)
            messages.success(request, "已删除您的点评")
        else:
            services.commentary_save(
                actor=request.user,
                lesson=lesson,
                text=request.POST.get("text", ""),
                author_title=request.POST.get("author_title", ""),
            )
            messages.success(request, "点评已发布，显示在视频下方")
    except (Refused, PermissionDenied) as exc:
        messages.error(request, getattr(exc, "message", None) or str(exc))
    return redirect(reverse("lessons:detail", args=[pk]) + "#commentary")


@require_POST
def view(request: HttpRequest, pk: int) -> HttpResponse:
    """A visitor pressed play on a lesson published to everyone: one view, once per visit
    (session); never study progress. A logged-in player reports through `watch`."""
    lesson = get_lesson_for_user(request.user, pk)
    if request.user.is_authenticated or not lesson.is_open_to_all:
        return HttpResponse(status=204)
    seen = list(request.session.get("viewed_lessons", []))
    if pk not in seen:
        services.lesson_view_anonymous(lesson=lesson)
        request.session["viewed_lessons"] = [*seen[-49:], pk]
    return HttpResponse(status=204)


@require_GET
def playback(request: HttpRequest, pk: int) -> JsonResponse:
    """Fresh signed media URLs for a player left open past its URLs' lifetime."""
    lesson = get_lesson_for_user(request.user, pk)
    public = lesson.is_open_to_all
    response = JsonResponse(
        {
            "hls": video_hls_url(lesson.video, public=public),
            "mp4": video_mp4_url(lesson.video, public=public),
            "poster": video_poster_url(lesson.video, public=public),
        }
    )
    response["Cache-Control"] = "private, no-store"
    return response


def _number(value: Any) -> float:
    """A finite number from parsed JSON (a bool is not one; 10^400 overflows float())."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(value)
    number = float(value)  # OverflowError for an int beyond the float range
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _watch_error(status: int, message: str, field: str | None = None) -> JsonResponse:
    # The same body and statuses as POST /api/v1/lessons/{id}/watch.
    body = {"detail": message, "field": field}
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


@require_POST
def watch(request: HttpRequest, pk: int) -> HttpResponse:
    """The player's report of watched sections: {"sections": [[start, end], …], "position": t}.
    Every WATCH_REPORT_SECONDS per viewer: the person comes from the session without a
    query of the user row (people.auth.reporting_user), the lesson from a cache.

    The last report of a page being left comes by navigator.sendBeacon, as a form
    (common.parse.report_json)."""
    user = reporting_user(request)
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    lesson = watchable_lesson(user, pk)
    try:
        data = report_json(request)
    except BadInput as exc:
        return _watch_error(400, exc.message, exc.field)
    raw = data.get("sections")
    if not isinstance(raw, list) or len(raw) > 500:
        return _watch_error(400, "上报格式不正确", "sections")
    try:
        sections = [
            (_number(s[0]), _number(s[1]))
            for s in raw
            if isinstance(s, list | tuple) and len(s) == 2
        ]
        position = _number(data["position"]) if data.get("position") is not None else None
    except (TypeError, ValueError, OverflowError):
        return _watch_error(400, "上报格式不正确")
    try:
        progress = services.watch_report(
            user=user, lesson=lesson, sections=sections, position=position
        )
    except Refused as exc:
        return _watch_error(400, exc.message, exc.field)
    except PermissionDenied as exc:
        return _watch_error(403, str(exc))
    duration = lesson.duration or 1
    return JsonResponse(
        {
            "covered": progress.covered,
            "share": round(min(1.0, progress.covered / duration), 4),
            "completed": progress.completed_at is not None,
            "position": progress.position,
        }
    )


def _actions(request: AuthedRequest, lesson: Lesson, error: str = "") -> HttpResponse:
    lesson, state = lesson_viewer_state(request.user, lesson.pk)
    return render(
        request,
        "lessons/detail.html#actions",
        {
            "lesson": lesson,
            "liked": state.liked,
            "my_rating": state.my_rating,
            "stars": range(1, 6),
            "published": True,
            "action_error": error,
            "share_url": request.build_absolute_uri(reverse("lessons:detail", args=[lesson.pk])),
        },
    )


@require_POST
def like(request: AuthedRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return _hold_intent(request, pk, "like")
    lesson = get_lesson_for_user(request.user, pk)
    try:
        services.like_set(user=request.user, lesson=lesson, liked=request.POST.get("liked") == "1")
    except (Refused, PermissionDenied) as exc:
        return _actions(request, lesson, getattr(exc, "message", str(exc)))
    return _actions(request, lesson) if _htmx(request) else redirect("lessons:detail", pk=pk)


@require_POST
def rate(request: AuthedRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        score = request.POST.get("score", "")
        return _hold_intent(request, pk, "rate", int(score) if score in set("12345") else 0)
    lesson = get_lesson_for_user(request.user, pk)
    try:
        score = int_param(request.POST.get("score"), minimum=1, maximum=5, label="评分")
        if score is None:
            raise BadInput("评分应为 1 到 5 星")
        services.rating_set(user=request.user, lesson=lesson, score=score)
    except BadInput:
        return _actions(request, lesson, "评分应为 1 到 5 星")
    except (Refused, PermissionDenied) as exc:
        return _actions(request, lesson, getattr(exc, "message", str(exc)))
    return _actions(request, lesson) if _htmx(request) else redirect("lessons:detail", pk=pk)


@login_required
@require_POST
def share(request: AuthedRequest, pk: int) -> HttpResponse:
    lesson = get_lesson_for_user(request.user, pk)
    try:
        services.share_record(
            user=request.user, lesson=lesson, channel=request.POST.get("channel", "link")
        )
    except (Refused, PermissionDenied) as exc:
        return _actions(request, lesson, getattr(exc, "message", str(exc)))
    return _actions(request, lesson) if _htmx(request) else redirect("lessons:detail", pk=pk)


@require_GET
def poster(request: HttpRequest, pk: int) -> HttpResponse:
    """A shareable poster (title, speaker, QR code) for WeChat groups."""
    lesson = get_lesson_for_user(request.user, pk)
    if lesson.state != LessonState.PUBLISHED:
        raise Http404("尚未发布")
    url = request.build_absolute_uri(reverse("lessons:detail", args=[lesson.pk]))
    response = HttpResponse(lesson_poster_png(lesson, url), content_type="image/png")
    response["Content-Disposition"] = f'inline; filename="lesson-{lesson.pk}.png"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
@require_POST
def reflection(request: AuthedRequest, pk: int) -> HttpResponse:
    lesson = get_lesson_for_user(request.user, pk)
    form = ReflectionForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            saved = services.reflection_save(
                user=request.user, lesson=lesson, text=form.cleaned_data["text"]
            )
            if saved.status == TextStatus.HELD:
                error = "您的心得含有需要审核的词语，审核通过后大家才能看到"
        except (Refused, PermissionDenied) as exc:
            error = getattr(exc, "message", str(exc))
    else:
        error = "；".join(str(e) for errs in form.errors.values() for e in errs)
    context = {
        "lesson": lesson,
        "reflections": reflections_for(request.user, lesson)[:30],
        "my_reflection": Reflection.objects.filter(user_id=request.user.pk, lesson=lesson).first(),
        "reflection_form": form if error and not form.is_valid() else ReflectionForm(),
        "reflection_error": error,
        "reflection_text": request.POST.get("text", "") if error else "",
    }
    if _htmx(request):
        return render(request, "lessons/detail.html#reflections", context)
    if error:
        messages.error(request, error)
    return redirect("lessons:detail", pk=pk)


@login_required
@require_POST
def comment(request: AuthedRequest, pk: int) -> HttpResponse:
    lesson = get_lesson_for_user(request.user, pk)
    form = CommentForm(request.POST)
    error = ""
    if form.is_valid():
        parent = None
        if form.cleaned_data.get("parent"):
            parent = Comment.objects.filter(pk=form.cleaned_data["parent"], lesson=lesson).first()
            if parent is None:
                raise Http404("找不到要回复的评论")
        try:
            saved = services.comment_add(
                user=request.user, lesson=lesson, text=form.cleaned_data["text"], parent=parent
            )
            if saved.status == TextStatus.HELD:
                error = "您的评论含有需要审核的词语，审核通过后大家才能看到"
        except (Refused, PermissionDenied) as exc:
            error = getattr(exc, "message", str(exc))
    else:
        error = "；".join(str(e) for errs in form.errors.values() for e in errs)
    if _htmx(request):
        lesson.refresh_from_db()
        return render(
            request,
            "lessons/detail.html#comments",
            {
                "lesson": lesson,
                "comments": comments_for(request.user, lesson)[:50],
                "comment_form": CommentForm(),
                "comment_error": error,
                "published": True,
            },
        )
    if error:
        messages.error(request, error)
    return redirect("lessons:detail", pk=pk)


@login_required
@require_POST
def comment_delete(request: AuthedRequest, pk: int, comment_id: int) -> HttpResponse:
    lesson = get_lesson_for_user(request.user, pk)
    target = (
        Comment.objects.select_related("lesson__org").filter(pk=comment_id, lesson=lesson).first()
    )
    if target is None:
        raise Http404("找不到该评论")
    try:
        services.comment_delete(actor=request.user, comment=target)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("lessons:detail", pk=pk)


def _participation_branch(request: AuthedRequest, lesson: Lesson) -> Org:
    """The branch whose participation to show: ?org=CODE among the orgs the person manages,
    or the person's own branch."""
    code = request.GET.get("org")
    if code:
        return get_org_for_user(request.user, code)
    member = member_of(request.user)
    if member is not None and can_manage_lessons(request.user, member.org):
        return member.org
    roots = [
        r.org
        for r in request.user.roles.select_related("org").all()
        if r.kind in LESSON_MANAGE_ROLES
    ]
    if roots:
        return roots[0]
    raise PermissionDenied("您没有查看参学情况的权限")


@login_required
def participation(request: AuthedRequest, pk: int) -> HttpResponse:
    """参学率 for one lesson in a branch: who completed it, who is watching, who has not started."""
    lesson = get_lesson_for_user(request.user, pk)
    branch = _participation_branch(request, lesson)
    if not can_manage_lessons(request.user, branch) and not (
        holds_any(request.user, {RoleKind.ORGANIZER})
    ):
        raise Http404("找不到该组织")
    try:
        on = datetime.date.fromisoformat(request.GET.get("on", ""))
    except ValueError:
        on = timezone.localdate()
    rows = branch_participation(lesson, branch, on)
    if request.GET.get("format") == "xlsx":
        return participation_workbook(lesson, branch, rows)
    counts = {key: sum(1 for r in rows if r.status == key) for key in PARTICIPATION_LABELS}
    total = len(rows)
    return render(
        request,
        "lessons/participation.html",
        {
            "lesson": lesson,
            "branch": branch,
            "rows": rows,
            "counts": counts,
            "total": total,
            "rate": round(100 * (counts["completed"] + counts["group"]) / total) if total else 0,
            "labels": PARTICIPATION_LABELS,
            "on": on,
        },
    )


@login_required
def mine(request: AuthedRequest) -> HttpResponse:
    """My lessons with their processing state, my watch history, my reflections."""
    return render(
        request,
        "lessons/mine.html",
        {
            "lessons": my_lessons(request.user)[:50],
            "history": watch_history(request.user)[:50],
            "reflections": Reflection.objects.filter(user_id=request.user.pk)
            .select_related("lesson")
            .order_by("-created_at")[:50],
            "VideoStatus": VideoStatus,
            "can_record": can_record_lessons(request.user),
        },
    )


@login_required
def manage(request: AuthedRequest) -> HttpResponse:
    """Lessons waiting for the person to publish them."""
    if not holds_any(request.user, LESSON_MANAGE_ROLES):
        raise PermissionDenied("您没有发布微党课的权限")
    page = paginate(request, lessons_awaiting_publication(request.user))
    return render(request, "lessons/manage.html", {"page": page})


def showcase(request: HttpRequest, pk: int) -> HttpResponse:
    """A 展播 playlist: its lessons in order, those the person may watch."""

    show, lessons = showcase_lessons(request.user, pk)
    curate = request.user.is_authenticated and can_manage_lessons(request.user, show.org)
    return render(
        request,
        "lessons/showcase.html",
        {"showcase": show, "lessons": lessons, "can_curate": curate},
    )


@login_required
@require_http_methods(["GET", "POST"])
def series_new(request: AuthedRequest) -> HttpResponse:
    """A manager opens a 专题 for their org; lessons are then filed under it."""
    orgs = list(orgs_managed_by(request.user, LESSON_MANAGE_ROLES).order_by("path")[:300])
    if not orgs:
        raise PermissionDenied("只有书记、宣传委员或组织管理员可以创建专题")
    error = ""
    if request.method == "POST":
        org = next((o for o in orgs if o.code == request.POST.get("org")), None)
        try:
            if org is None:
                raise Refused("请选择组织")
            created = services.series_create(
                actor=request.user,
                org=org,
                title=request.POST.get("title", ""),
                description=request.POST.get("description", ""),
            )
        except Refused as exc:
            error = exc.message
        else:
            messages.success(request, f"已创建专题“{created.title}”")
            return redirect(f"{reverse('lessons:feed')}?series={created.pk}")
    return render(request, "lessons/series_form.html", {"orgs": orgs, "error": error})
