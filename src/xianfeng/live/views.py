"""The speaker's ingest (chunks over HTTP) and the viewers' playlist."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.parse import int_param
from xianfeng.common.types import AuthedRequest
from xianfeng.live import chat, ingest, services
from xianfeng.live.enums import LiveState
from xianfeng.live.models import LiveComment
from xianfeng.live.selectors import get_live_for_user
from xianfeng.media.delivery import signed_url
from xianfeng.moderation.enums import TextStatus


@login_required
@require_POST
def run_open(request: AuthedRequest, pk: int) -> JsonResponse:
    live = get_live_for_user(request.user, pk)
    try:
        run = services.live_run_open(actor=request.user, live=live)
    except Refused as exc:
        return JsonResponse({"detail": exc.message}, status=400)
    return JsonResponse({"run": run, "next": 0})


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
    except Refused as exc:
        return JsonResponse({"detail": exc.message}, status=400)
    return JsonResponse({"stored": fresh, "next": seq + 1})


@login_required
@require_POST
def end(request: AuthedRequest, pk: int) -> JsonResponse:
    live = get_live_for_user(request.user, pk)
    services.live_end(actor=request.user, live=live)
    return JsonResponse({"state": "ended"})


@login_required
@require_GET
def playlist(request: AuthedRequest, pk: int) -> HttpResponse:
    """The composed HLS playlist for a viewer the live's selector lets in: segments are
    named by signed media URLs (static files, one HMAC check each); the text is cached for
    a second across processes, so many viewers cost one composition."""
    live = get_live_for_user(request.user, pk)
    key = f"live:playlist:{live.pk}"
    text = cache.get(key)
    if text is None:
        text = ingest.compose_playlist(
            live.storage_key, live.run_count, ended=live.state == LiveState.ENDED
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
    data = chat.feed(live=live, viewer=request.user, after=after)
    mine = LiveComment.objects.filter(
        live=live, user_id=request.user.pk, status=TextStatus.HELD, pk__gt=after
    ).values("pk", "text")
    data["held"] = [{"id": c["pk"], "text": c["text"]} for c in mine]
    response = JsonResponse(data)
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
        {"id": made.pk, "held": held, "detail": "评论待审核后显示" if held else ""}, status=201
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
