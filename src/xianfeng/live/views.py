"""Pages of live lessons (the list with scheduling, the viewers' page, the speaker's
studio), the speaker's ingest (chunks over HTTP) and the viewers' playlist and feed."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xianfeng.common.errors import BadInput, Refused
from xianfeng.common.parse import int_param, report_json
from xianfeng.common.qr import qr_data_uri
from xianfeng.common.types import AuthedRequest
from xianfeng.lessons.rules import LESSON_MANAGE_ROLES
from xianfeng.lessons.selectors import lessons_visible_to
from xianfeng.live import chat, ingest, services
from xianfeng.live.enums import LiveState
from xianfeng.live.forms import ScheduleForm
from xianfeng.live.models import LiveComment, LiveLesson
from xianfeng.live.selectors import get_live_for_user, live_index, speaker_choices
from xianfeng.media.delivery import signed_url
from xianfeng.moderation.enums import TextStatus
from xianfeng.orgs.selectors import orgs_managed_by

MAX_SCHEDULE_ORGS = 300


@login_required
@require_http_methods(["GET", "POST"])
def index(request: AuthedRequest) -> HttpResponse:
    """Lives on air, coming and past; officers announce a new one here."""
    orgs = list(
        orgs_managed_by(request.user, LESSON_MANAGE_ROLES).order_by("path")[:MAX_SCHEDULE_ORGS]
    )
    form = None
    if orgs:
        form = ScheduleForm(
            request.POST or None,
            orgs=orgs,
            speakers=speaker_choices(request.user),
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("只有书记、宣传委员或组织管理员可以预告直播")
        if form.is_valid():
            data = form.cleaned_data
            audience = form.orgs[data["audience"]]
            try:
                live = services.live_schedule(
                    actor=request.user,
                    org=audience,
                    audience=audience,
                    title=data["title"],
                    speaker=data["speaker"].user,
                    scheduled_at=data["scheduled_at"],
                    remind_minutes=data["remind_minutes"],
                )
            except Refused as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, "直播预告已发出，观看范围内的党员会收到通知")
                return redirect("live:detail", pk=live.pk)
    return render(request, "live/index.html", {**live_index(request.user), "form": form})


def _page_context(request: AuthedRequest, live: LiveLesson) -> dict[str, object]:
    host = chat.is_host(request.user, live)
    lesson = None
    if live.lesson_id is not None:
        lesson = lessons_visible_to(request.user).filter(pk=live.lesson_id).first()
    return {
        "live": live,
        "is_host": host,
        "is_speaker": live.speaker_id == request.user.pk,
        "lesson": lesson,
        "starts_in": max(0, int((live.scheduled_at - timezone.now()).total_seconds())),
    }


@login_required
@require_GET
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The viewers' page: countdown, the player a few seconds behind, comments, likes."""
    live = get_live_for_user(request.user, pk)
    context = _page_context(request, live)
    if live.state != LiveState.ENDED:
        # 转发: the page's own address. The audience opens it; anyone not signed in goes
        # to the login page and comes back here (login_required's next); outside the
        # audience it stays a 404, so a forwarded link shows nothing to the wrong people.
        share_url = request.build_absolute_uri(reverse("live:detail", args=[live.pk]))
        context["share_url"] = share_url
        context["share_qr"] = qr_data_uri(share_url)
    if context["is_host"] and live.stream_key and live.state == LiveState.LIVE:
        host = settings.LIVE_RTMP_HOST or request.get_host().split(":")[0]
        context["rtmp_server"] = f"rtmp://{host}:{live.rtmp_port}/live"
    return render(request, "live/detail.html", context)


@login_required
@require_GET
def studio(request: AuthedRequest, pk: int) -> HttpResponse:
    """The speaker's page: camera preview, test, go live, resume, audio-only, end."""
    live = get_live_for_user(request.user, pk)
    if live.speaker_id != request.user.pk:
        raise PermissionDenied("只有主讲人可以进入直播间推流")
    return render(request, "live/studio.html", _page_context(request, live))


@login_required
@require_POST
def rtmp(request: AuthedRequest, pk: int) -> HttpResponse:
    """Open an OBS (RTMP) ingest: the page then shows the server address and the key."""
    live = get_live_for_user(request.user, pk)
    try:
        services.live_rtmp_open(actor=request.user, live=live)
    except Refused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已开启 OBS 推流，请在 10 分钟内开始推流")
    return redirect("live:detail", pk=live.pk)


@login_required
@require_POST
def watch(request: AuthedRequest, pk: int) -> JsonResponse:
    """A viewer's player reports the sections it played (counted toward 参学率 when the
    recording becomes a lesson)."""
    live = get_live_for_user(request.user, pk)
    try:
        payload = report_json(request)
        sections = payload.get("sections", [])
        if not isinstance(sections, list) or len(sections) > 200:
            raise ValueError
        pairs = [
            (float(x[0]), float(x[1])) for x in sections if isinstance(x, list) and len(x) == 2
        ]
    except (BadInput, ValueError, TypeError, AttributeError):
        return JsonResponse({"detail": "观看记录格式不对"}, status=400)
    try:
        row = services.live_watch_report(user=request.user, live=live, sections=pairs)
    except Refused as exc:
        return JsonResponse({"detail": exc.message}, status=400)
    return JsonResponse({"covered": row.covered})


@login_required
@require_POST
def run_open(request: AuthedRequest, pk: int) -> JsonResponse:
    live = get_live_for_user(request.user, pk)
    try:
        run = services.live_run_open(
            actor=request.user,
            live=live,
            public=request.POST.get("public", "1") == "1",
            audio_only=request.POST.get("audio") == "1",
        )
    except Refused as exc:
        return JsonResponse({"detail": exc.message}, status=400)
    live.refresh_from_db(fields=["state"])
    return JsonResponse({"run": run, "next": 0, "state": live.state})


@login_required
@require_POST
def chunk(request: AuthedRequest, pk: int, run: int, seq: int) -> JsonResponse:
    live = get_live_for_user(request.user, pk)
    try:
        fresh = services.live_chunk(
            actor=request.user, live=live, run=run, seq=seq, data=request.body
        )
    except services.OutOfOrder as exc:
        return JsonResponse({"detail": exc.message, "expected": exc.expected}, status=409)
    except services.RunGone as exc:
        return JsonResponse({"detail": exc.message}, status=410)
    except Refused as exc:
        return JsonResponse({"detail": exc.message}, status=400)
    return JsonResponse({"stored": fresh, "next": seq + 1})


@login_required
@require_POST
def end(request: AuthedRequest, pk: int) -> HttpResponse:
    live = get_live_for_user(request.user, pk)
    services.live_end(actor=request.user, live=live)
    if request.POST.get("next") == "page":
        messages.success(request, "直播已结束，回放生成后会成为主讲人的草稿微党课")
        return redirect("live:detail", pk=live.pk)
    return JsonResponse({"state": "ended"})


@login_required
@require_GET
def playlist(request: AuthedRequest, pk: int) -> HttpResponse:
    """The composed HLS playlist for a viewer the live's selector lets in: segments are
    named by signed media URLs (static files, one HMAC check each); the text is cached for
    a second across processes, so many viewers cost one composition."""
    live = get_live_for_user(request.user, pk)
    if live.state == LiveState.SCHEDULED and chat.is_host(request.user, live):
        # The speaker's test: the hosts watch the latest test run before going public.
        text = ingest.compose_playlist(
            live.storage_key, live.run_count, ended=False, first_run=live.run_count
        )
    else:
        # A new run, going public or the end changes the key: seen at once, not a second late.
        key = f"live:playlist:{live.pk}:{live.run_count}:{live.public_from_run}:{live.state}"
        text = cache.get(key)
        if text is None:
            text = ingest.compose_playlist(
                live.storage_key,
                live.run_count,
                ended=live.state == LiveState.ENDED,
                first_run=live.public_from_run,
            )
            cache.set(key, text, 1)
    prefix = signed_url(f"videos/{live.storage_key}/live/index.m3u8", public=False)
    base = prefix.rsplit("/", 1)[0] + "/"
    body = "\n".join(
        base + line if line and not line.startswith("#") else line for line in text.split("\n")
    )
    response = HttpResponse(body, content_type="application/vnd.apple.mpegurl")
    response["Cache-Control"] = "private, max-age=1"
    return response


@login_required
@require_GET
def feed(request: AuthedRequest, pk: int) -> JsonResponse:
    """A viewer's poll (every few seconds): new comments, the pinned one, likes, viewers."""
    live = get_live_for_user(request.user, pk)
    after = int_param(request.GET.get("after"), default=0, minimum=0, label="评论编号") or 0
    response = JsonResponse(chat.viewer_poll(live=live, viewer=request.user, after=after))
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def comment(request: AuthedRequest, pk: int) -> JsonResponse:
    live = get_live_for_user(request.user, pk)
    try:
        made = chat.comment_post(actor=request.user, live=live, text=request.POST.get("text", ""))
    except Refused as exc:
        return JsonResponse({"detail": exc.message, "field": exc.field}, status=400)
    held = made.status != TextStatus.VISIBLE
    return JsonResponse(
        {"id": made.pk, "held": held, "text": made.text, "detail": "评论待审核后显示" * held},
        status=201,
    )


@login_required
@require_POST
def like(request: AuthedRequest, pk: int) -> JsonResponse:
    live = get_live_for_user(request.user, pk)
    chat.like(actor=request.user, live=live)
    live.refresh_from_db(fields=["like_count"])
    return JsonResponse({"likes": live.like_count})


@login_required
@require_POST
def comment_action(request: AuthedRequest, pk: int, comment_id: int, action: str) -> JsonResponse:
    live = get_live_for_user(request.user, pk)
    found = LiveComment.objects.select_related("live__org").filter(live=live, pk=comment_id).first()
    if found is None:
        raise Http404("找不到该评论")
    try:
        if action == "pin":
            chat.comment_pin(actor=request.user, comment=found)
        elif action == "remove":
            chat.comment_remove(actor=request.user, comment=found)
        else:
            raise Http404("未知操作")
    except Refused as exc:
        return JsonResponse({"detail": exc.message}, status=400)
    return JsonResponse({"ok": True})
