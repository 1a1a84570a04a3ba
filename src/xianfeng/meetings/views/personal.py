"""The person's own meeting settings and private calendar feed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from xianfeng.common.types import AuthedRequest
from xianfeng.meetings import selectors, services
from xianfeng.meetings.tokens import calendar_token


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: AuthedRequest) -> HttpResponse:
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "calendar_on":
            services.calendar_enable(user=request.user)
            messages.success(request, "已生成日历订阅地址")
        elif action == "calendar_reset":
            services.calendar_reset(user=request.user)
            messages.success(request, "已更换订阅地址，旧地址已失效")
        elif action == "calendar_off":
            services.calendar_reset(user=request.user, enabled=False)
            messages.success(request, "已停用日历订阅，旧地址已失效")
        return redirect("meetings:settings")
    prefs = selectors.prefs_of(request.user)
    calendar_url = ""
    if prefs.calendar_enabled:
        calendar_url = request.build_absolute_uri(
            reverse(
                "meetings:calendar", args=[calendar_token(request.user.pk, prefs.calendar_version)]
            )
        )
    return render(
        request,
        "meetings/settings.html",
        {"prefs": prefs, "calendar_url": calendar_url},
    )


@require_GET
@never_cache  # personal, and reached without a session: no cache may keep it
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private calendar: no login, the unguessable address is the key."""
    from xianfeng.meetings.ics import calendar
    from xianfeng.meetings.models import MeetingPrefs
    from xianfeng.meetings.tokens import parse_calendar_token

    parsed = parse_calendar_token(token)
    if parsed is None:
        raise Http404("订阅地址无效")
    user_id, version = parsed
    prefs = (
        MeetingPrefs.objects.select_related("user")
        .filter(
            user_id=user_id,
            calendar_enabled=True,
            calendar_version=version,
            user__is_active=True,
        )
        .first()
    )
    if prefs is None:
        raise Http404("订阅地址无效或已停用")
    now = timezone.now()
    meetings = list(selectors.meetings_for_calendar(prefs.user, now=now))
    urls = {
        m.pk: request.build_absolute_uri(reverse("meetings:detail", args=[m.pk])) for m in meetings
    }
    body = calendar(meetings, name=f"{prefs.user.name}的会议", url_for=urls, now=now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="meetings.ics"'
    return response
