"""Minutes under the AB rule: writing, approving, amending, attachments, the PDF."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.types import AuthedRequest
from xianfeng.meetings import rules, selectors, services
from xianfeng.meetings.enums import (
    MeetingKind,
    MeetingState,
)
from xianfeng.meetings.exports import minutes_pdf_response
from xianfeng.meetings.forms import (
    AmendForm,
    AttachmentForm,
    MinutesForm,
    ReturnForm,
)
from xianfeng.meetings.views._shared import (
    _error,
    _form_error,
)


@login_required
@require_http_methods(["GET", "POST"])
def minutes(request: AuthedRequest, pk: int) -> HttpResponse:
    """The writer's page: the record, photos and the sign-in sheet scan."""
    meeting = selectors.get_meeting_for_user(request.user, pk)
    if not rules.can_read_minutes(request.user, meeting):
        raise Http404("找不到该会议")
    current = selectors.minutes_of(meeting)
    a_row = selectors.attendance_of(meeting, meeting.recorder_a_id)
    a_status = a_row.status if a_row else None
    can_write = rules.can_write_minutes(request.user, meeting, a_status)
    initial = {}
    if current is not None:
        initial = {
            name: getattr(current, name)
            for name in ("agenda", "discussion", "resolutions", "film", "practice")
        }
    form = MinutesForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied("您不是这次会议的记录人")
        if form.is_valid():
            try:
                services.minutes_save(actor=request.user, meeting=meeting, data=form.to_data())
                if request.POST.get("then") == "submit":
                    services.minutes_submit(actor=request.user, meeting=meeting)
                    messages.success(request, "会议记录已提交审核")
                    return redirect("meetings:detail", pk=pk)
                messages.success(request, "会议记录已保存")
                return redirect("meetings:minutes", pk=pk)
            except Refused as exc:
                _form_error(form, exc)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
    return render(
        request,
        "meetings/minutes.html",
        {
            "meeting": meeting,
            "form": form,
            "minutes": current,
            "can_write": can_write,
            "b_stands_in": rules.a_is_absent(meeting, a_status),
            "a_signed": a_status in ("present", "late"),
            "attachments": selectors.attachments_of(meeting),
            "attachment_form": AttachmentForm(),
            "can_attach": (
                rules.is_recorder(request.user, meeting) or rules.can_manage(request.user, meeting)
            )
            and meeting.state in (MeetingState.PLANNED, MeetingState.HELD, MeetingState.SUBMITTED),
            "is_theme_day": meeting.kind == MeetingKind.THEME_DAY,
        },
    )


@login_required
@require_POST
def minutes_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk)
    try:
        if action == "submit":
            services.minutes_submit(actor=request.user, meeting=meeting)
            messages.success(request, "会议记录已提交审核")
        elif action == "approve":
            services.minutes_approve(actor=request.user, meeting=meeting)
            messages.success(request, "会议记录已审核通过")
        elif action == "return":
            form = ReturnForm(request.POST)
            services.minutes_return(
                actor=request.user, meeting=meeting, note=form.data.get("note", "")
            )
            messages.success(request, "已退回记录人修改")
        elif action == "archive":
            services.meeting_archive(actor=request.user, meeting=meeting)
            messages.success(request, "已归档")
        else:
            raise Http404("未知操作")
    except (Refused, PermissionDenied) as exc:
        _error(request, exc)
    return redirect("meetings:detail", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def amend(request: AuthedRequest, pk: int) -> HttpResponse:
    """Correct approved minutes: every change is kept with its reason and shown."""
    meeting = selectors.get_meeting_for_user(request.user, pk)
    if not rules.can_amend(request.user, meeting):
        raise Http404("找不到该会议")
    current = selectors.minutes_of(meeting)
    initial: dict[str, Any] = {"topic": meeting.topic, "place": meeting.place}
    if current is not None:
        initial.update(
            {
                n: getattr(current, n)
                for n in ("agenda", "discussion", "resolutions", "film", "practice")
            }
        )
    form = AmendForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        changes = {k: d.get(k) or "" for k in services.AMENDABLE if k in d}
        try:
            services.meeting_amend(
                actor=request.user, meeting=meeting, changes=changes, note=d["note"]
            )
            messages.success(request, "修订已保存，修订记录随会议记录一并显示")
            return redirect("meetings:detail", pk=pk)
        except Refused as exc:
            _form_error(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
    return render(request, "meetings/amend.html", {"meeting": meeting, "form": form})


@login_required
@require_POST
def attachment_add(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "请选择图片和类别")
        return redirect("meetings:minutes", pk=pk)
    upload = form.cleaned_data["image"]
    try:
        services.attachment_add(
            actor=request.user,
            meeting=meeting,
            kind=form.cleaned_data["kind"],
            handle=upload,
            size=upload.size,
            name=upload.name or "",
        )
        messages.success(request, "已上传")
    except (Refused, PermissionDenied) as exc:
        _error(request, exc)
    return redirect("meetings:minutes", pk=pk)


@login_required
@require_GET
def attachment(request: AuthedRequest, pk: int, attachment_id: int) -> FileResponse:
    """A photo or scan, for those who may read the minutes (never a public URL)."""
    item = selectors.get_attachment_for_user(request.user, pk, attachment_id)
    field = item.thumb if request.GET.get("size") == "thumb" else item.image
    try:
        handle = field.open("rb")
    except OSError as exc:
        raise Http404("文件不存在") from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
def attachment_delete(request: AuthedRequest, pk: int, attachment_id: int) -> HttpResponse:
    item = selectors.get_attachment_for_user(request.user, pk, attachment_id)
    try:
        services.attachment_delete(actor=request.user, attachment=item)
        messages.success(request, "已删除")
    except (Refused, PermissionDenied) as exc:
        _error(request, exc)
    return redirect("meetings:minutes", pk=pk)


@login_required
@require_GET
def minutes_pdf(request: AuthedRequest, pk: int) -> HttpResponse:
    return minutes_pdf_response(request.user, pk)


# --- compliance -------------------------------------------------------------------------------
