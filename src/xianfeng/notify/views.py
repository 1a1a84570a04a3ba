"""The inbox, the person's notification settings and the home panel: views parse, check
the person and call a service."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.home import Panel
from xianfeng.common.pagination import paginate
from xianfeng.common.types import AuthedRequest
from xianfeng.notify import selectors
from xianfeng.notify.forms import PrefsForm
from xianfeng.notify.services import notifications_mark_read, prefs_update

PANEL_ITEMS = 5


@login_required
def inbox(request: AuthedRequest) -> HttpResponse:
    page = paginate(request, selectors.notifications_for(request.user))
    return render(request, "notify/inbox.html", {"page": page})


@login_required
@require_POST
def mark_read(request: AuthedRequest) -> HttpResponse:
    notifications_mark_read(user=request.user)
    return redirect("notify:inbox")


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: AuthedRequest) -> HttpResponse:
    prefs = selectors.prefs_of(request.user)
    form = PrefsForm(request.POST or None, initial={"email": prefs.email})
    if request.method == "POST" and form.is_valid():
        try:
            prefs_update(user=request.user, email=form.cleaned_data["email"] or "")
        except Refused as exc:
            form.add_error("email", exc.message)
        else:
            messages.success(request, "已保存")
            return redirect("notify:settings")
    return render(
        request,
        "notify/settings.html",
        {"form": form, "email_enabled": getattr(settings, "EMAIL_ENABLED", False)},
    )


def home_panels(request: HttpRequest) -> list[Panel]:
    """The one notifications panel of the home page: unread, newest first."""
    unread = list(selectors.unread_for(request.user)[:PANEL_ITEMS])
    if not unread:
        return []
    return [Panel("notify/panel.html", {"items": unread}, order=1)]
