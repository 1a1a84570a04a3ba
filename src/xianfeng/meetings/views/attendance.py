"""Attendance: recording it, leave requests, the rotating sign-in QR code."""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.qr import qr_data_uri
from xianfeng.common.types import AuthedRequest
from xianfeng.meetings import rules, selectors, services
from xianfeng.meetings.enums import (
    CHECKIN_OPENS_BEFORE,
    QR_STEP_SECONDS,
    MeetingState,
)
from xianfeng.meetings.forms import (
    AttendanceRecordForm,
    LeaveDecisionForm,
)
from xianfeng.meetings.models import Meeting
from xianfeng.meetings.tokens import checkin_token, step_at
from xianfeng.meetings.views._shared import (
    _error,
)


@login_required
@require_POST
def record(request: AuthedRequest, pk: int) -> HttpResponse:
    """补录 one person's attendance."""
    meeting = selectors.get_meeting_for_user(request.user, pk)
    form = AttendanceRecordForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择出勤情况并写明补录原因")
        return redirect("meetings:detail", pk=pk)
    try:
        services.attendance_record(
            actor=request.user,
            meeting=meeting,
            user_id=form.cleaned_data["user"],
            status=form.cleaned_data["status"],
            reason=form.cleaned_data["reason"],
        )
        messages.success(request, "已补录")
    except (Refused, PermissionDenied) as exc:
        _error(request, exc)
    return redirect("meetings:detail", pk=pk)


@login_required
@require_POST
def leave(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk)
    try:
        services.leave_request(
            user=request.user, meeting=meeting, reason=request.POST.get("reason", "")
        )
        messages.success(request, "请假申请已提交，等待书记审批")
    except (Refused, PermissionDenied) as exc:
        _error(request, exc)
    return redirect("meetings:detail", pk=pk)


@login_required
@require_POST
def leave_decide(request: AuthedRequest, pk: int, leave_id: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk)
    target = next((lv for lv in selectors.leave_requests_of(meeting) if lv.pk == leave_id), None)
    if target is None:
        raise Http404("找不到该请假申请")
    form = LeaveDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择是否批准")
        return redirect("meetings:detail", pk=pk)
    target.meeting = meeting
    try:
        services.leave_decide(
            actor=request.user,
            leave=target,
            approve=form.cleaned_data["decision"] == "approve",
            note=form.cleaned_data.get("note") or "",
        )
        messages.success(request, "已审批")
    except (Refused, PermissionDenied) as exc:
        _error(request, exc)
    return redirect("meetings:detail", pk=pk)


# --- QR sign-in -------------------------------------------------------------------------------


def _qr_context(request: AuthedRequest, meeting: Meeting) -> dict[str, Any]:
    now = timezone.now()
    step = step_at(now)
    token = checkin_token(meeting.pk, meeting.checkin_key, step)
    url = request.build_absolute_uri(reverse("meetings:checkin", args=[token]))
    counts = selectors.attendance_counts([meeting.pk])[meeting.pk]
    return {
        "meeting": meeting,
        "url": url,
        "qr": qr_data_uri(url, box_size=10),
        "seconds_left": QR_STEP_SECONDS - int(now.timestamp()) % QR_STEP_SECONDS,
        "attended": counts["present"] + counts["late"],
        "late": counts["late"],
        "leave": counts["leave"],
        "total": sum(counts.values()),
        "open": meeting.state in (MeetingState.PLANNED, MeetingState.HELD)
        and meeting.starts_at - CHECKIN_OPENS_BEFORE <= now <= meeting.ends_at,
    }


@login_required
@never_cache
def qr(request: AuthedRequest, pk: int) -> HttpResponse:
    """The sign-in code shown on the meeting room's screen; it changes every 30 s."""
    meeting = selectors.get_meeting_for_user(request.user, pk)
    if not rules.can_show_qr(request.user, meeting):
        raise Http404("找不到该会议")
    context = _qr_context(request, meeting)
    template = "meetings/qr.html#code" if request.htmx else "meetings/qr.html"
    return render(request, template, context)


# A code scanned while logged out, held in that browser's session while its owner logs in:
# the moment of the scan counts, so a code that expires during the login (it lives at most
# 60 s) still signs them in. Held for a few minutes, used once.
SCAN_KEY = "meetings_scan"
SCAN_HOLD_SECONDS = 5 * 60


def _held_scan(request: HttpRequest, token: str) -> datetime.datetime | None:
    held = request.session.get(SCAN_KEY)
    if not isinstance(held, dict) or held.get("token") != token:
        return None
    del request.session[SCAN_KEY]
    at = float(held.get("at", 0))
    if time.time() - at > SCAN_HOLD_SECONDS:
        return None
    return datetime.datetime.fromtimestamp(at, tz=datetime.UTC)


@never_cache
@require_http_methods(["GET", "POST"])
def checkin(request: AuthedRequest, token: str) -> HttpResponse:
    """Opened from the QR code on the person's phone: confirm, then sign in. Logged out,
    the scan is held and they log in first, then land signed in."""
    context: dict[str, Any] = {"token": token, "done": None, "error": ""}
    try:
        meeting = services.checkin_meeting(token)
    except Refused as exc:
        context["error"] = exc.message
        return render(request, "meetings/checkin.html", context, status=400)
    context["meeting"] = meeting
    if not request.user.is_authenticated:
        now = timezone.now()
        try:
            services.checkin_scan(token, now)
        except Refused as exc:
            context["error"] = exc.message
            return render(request, "meetings/checkin.html", context, status=400)
        request.session[SCAN_KEY] = {"token": token, "at": now.timestamp()}
        return redirect_to_login(request.get_full_path())
    scanned = _held_scan(request, token) if request.method == "GET" else None
    if scanned is not None:
        try:
            context["done"] = services.checkin(user=request.user, token=token, now=scanned)
        except (Refused, PermissionDenied) as exc:
            context["error"] = getattr(exc, "message", None) or str(exc)
        return render(request, "meetings/checkin.html", context)
    if request.method == "POST":
        try:
            context["done"] = services.checkin(user=request.user, token=token)
        except (Refused, PermissionDenied) as exc:
            context["error"] = getattr(exc, "message", None) or str(exc)
    return render(request, "meetings/checkin.html", context)


# --- minutes ----------------------------------------------------------------------------------
