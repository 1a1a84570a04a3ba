from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from xianfeng.common.home import Panel
from xianfeng.common.pagination import paginate
from xianfeng.common.types import AuthedRequest
from xianfeng.notify.models import Notification
from xianfeng.notify.services import notifications_mark_read


@login_required
def inbox(request: AuthedRequest) -> HttpResponse:
    page = paginate(request, Notification.objects.filter(user_id=request.user.pk))
    return render(request, "notify/inbox.html", {"page": page})


@login_required
@require_POST
def mark_read(request: AuthedRequest) -> HttpResponse:
    notifications_mark_read(user=request.user)
    return redirect("notify:inbox")


def home_panels(request: HttpRequest) -> list[Panel]:
    user: Any = request.user
    if not user.is_authenticated:
        return []
    unread = list(Notification.objects.filter(user_id=user.pk, read_at__isnull=True)[:5])
    if not unread:
        return []
    return [Panel("notify/panel.html", {"items": unread}, order=1)]
