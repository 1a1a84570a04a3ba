"""Pages of the 三会一课 ledger: views parse, check permission and call a service."""

from __future__ import annotations

import base64
import datetime
import io
from typing import Any

import qrcode
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.pagination import paginate, query_without_page
from xianfeng.common.parse import check_year, int_param, year_param
from xianfeng.common.types import AuthedRequest
from xianfeng.meetings import rules, selectors, services
from xianfeng.meetings.enums import (
    CHECKIN_OPENS_BEFORE,
    LOCKED_STATES,
    QR_STEP_SECONDS,
    AttendanceStatus,
    ComplianceStatus,
    LeaveStatus,
    MeetingKind,
    MeetingState,
    Period,
)
from xianfeng.meetings.forms import (
    AmendForm,
    AttachmentForm,
    AttendanceRecordForm,
    LeaveDecisionForm,
    LeaveForm,
    MeetingFilterForm,
    MeetingForm,
    MinutesForm,
    OverviewForm,
    ReasonForm,
    ReturnForm,
    RuleForm,
    initial_times,
)
from xianfeng.meetings.models import Meeting
from xianfeng.meetings.selectors.compliance import (
    branch_compliance,
    compliance_table,
    month_titles,
)
from xianfeng.meetings.selectors.notices import meeting_notice_reach
from xianfeng.meetings.tokens import calendar_token, checkin_token, step_at
from xianfeng.notify.selectors import unread_count
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import holds_any
from xianfeng.orgs.selectors import get_org_for_user, org_roots_for

OVERVIEW_PAGE = 100


def _error(request: HttpRequest, exc: Exception) -> None:
    messages.error(request, getattr(exc, "message", None) or str(exc) or "没有权限")


def _form_error(form: Any, exc: Refused) -> None:
    form.add_error(exc.field if exc.field in form.fields else None, exc.message)


def _can_plan_anywhere(user: Any) -> bool:
    return holds_any(user, rules.PLAN_ROLES)


def _reads_ledger_anywhere(user: Any) -> bool:
    return holds_any(user, rules.LEDGER_ROLES)


# --- lists ------------------------------------------------------------------------------------


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    """我的会议: the person's meetings from yesterday on, with links for officers."""
    page = paginate(request, selectors.my_meetings(request.user))
    return render(
        request,
        "meetings/index.html",
        {
            "page": page,
            "can_plan": _can_plan_anywhere(request.user),
            "reads_ledger": _reads_ledger_anywhere(request.user),
            "unread": unread_count(request.user, kind_prefix="meeting."),
            "to_write": list(selectors.meetings_to_write(request.user)[:20]),
            "to_approve": list(selectors.meetings_to_approve(request.user)[:20]),
            "leaves": list(selectors.leave_requests_to_decide(request.user)[:20]),
        },
    )


@login_required
def meeting_list(request: AuthedRequest) -> HttpResponse:
    """The ledger's meetings of the orgs the person reads, filtered."""
    if not _reads_ledger_anywhere(request.user):
        raise PermissionDenied("您没有查看三会一课台账的权限")
    form = MeetingFilterForm(request.GET or None)
    filters = selectors.MeetingFilters()
    if form.is_valid():
        d = form.cleaned_data
        org = get_org_for_user(request.user, d["org"], rules.LEDGER_ROLES) if d.get("org") else None
        filters = selectors.MeetingFilters(
            org=org, kind=d.get("kind") or "", state=d.get("state") or "", year=d.get("year")
        )
    page = paginate(request, selectors.meeting_list(request.user, filters))
    context = {
        "page": page,
        "form": form,
        "filters": filters,
        "query": query_without_page(request),
        "can_plan": _can_plan_anywhere(request.user),
    }
    template = "meetings/list.html#results" if request.htmx else "meetings/list.html"
    return render(request, template, context)


# --- planning ---------------------------------------------------------------------------------


def _planning_org(request: AuthedRequest) -> tuple[Org, list[Org]]:
    orgs = list(selectors.orgs_for_planning(request.user).order_by("path")[:500])
    if not orgs:
        raise PermissionDenied("只有党支部书记或组织委员可以安排会议")
    code = request.POST.get("org") or request.GET.get("org")
    if code:
        chosen = [o for o in orgs if o.code == code]
        if not chosen:
            raise Http404("找不到该组织")
        return chosen[0], orgs
    return next((o for o in orgs if o.kind == OrgKind.BRANCH), orgs[0]), orgs


def _lessons_for(user: Any) -> Any:
    from xianfeng.lessons.enums import LessonState
    from xianfeng.lessons.selectors import lessons_visible_to

    return (
        lessons_visible_to(user).filter(state=LessonState.PUBLISHED).order_by("-published_at")[:200]
    )


def _branch_of(org: Org) -> Org:
    if org.kind == OrgKind.GROUP and org.parent is not None:
        return org.parent
    return org


@login_required
@require_http_methods(["GET", "POST"])
def plan(request: AuthedRequest) -> HttpResponse:
    org, orgs = _planning_org(request)
    branch = _branch_of(org)
    kind = MeetingKind.GROUP if org.kind == OrgKind.GROUP else MeetingKind.ASSEMBLY
    initial: dict[str, Any] = {"kind": request.GET.get("kind") or kind, **initial_times()}
    form = MeetingForm(
        request.POST or None,
        initial=initial,
        people=selectors.candidates_for(branch),
        lessons=_lessons_for(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_plan(actor=request.user, org=org, data=form.to_data())
        except Refused as exc:
            _form_error(form, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "会议已安排，通知已发送给应到人员")
            return redirect("meetings:detail", pk=meeting.pk)
    return render(
        request, "meetings/plan.html", {"form": form, "org": org, "orgs": orgs, "meeting": None}
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk)
    if not rules.can_manage(request.user, meeting):
        raise Http404("找不到该会议")
    if meeting.state != MeetingState.PLANNED:
        messages.error(request, "会议已召开或已取消，安排不能再修改")
        return redirect("meetings:detail", pk=pk)
    initial = {
        name: getattr(meeting, name)
        for name in (
            "kind",
            "topic",
            "place",
            "description",
            "host",
            "recorder_a",
            "recorder_b",
            "speaker",
            "lesson",
        )
    }
    initial.update(
        starts_at=timezone.localtime(meeting.starts_at),
        ends_at=timezone.localtime(meeting.ends_at),
        speaker_name="" if meeting.speaker_id else meeting.speaker_name,
    )
    form = MeetingForm(
        request.POST or None,
        initial=initial,
        people=selectors.candidates_for(meeting.branch),
        lessons=_lessons_for(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_update(actor=request.user, meeting=meeting, data=form.to_data())
        except Refused as exc:
            _form_error(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("meetings:detail", pk=pk)
    return render(
        request,
        "meetings/plan.html",
        {"form": form, "org": meeting.org, "orgs": [], "meeting": meeting},
    )


@login_required
@require_POST
def cancel(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk)
    form = ReasonForm(request.POST)
    try:
        services.meeting_cancel(
            actor=request.user,
            meeting=meeting,
            reason=form.data.get("reason", ""),
        )
        messages.success(request, "会议已取消，已通知应到人员")
    except (Refused, PermissionDenied) as exc:
        _error(request, exc)
    return redirect("meetings:detail", pk=pk)


@login_required
@require_POST
def held(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk)
    try:
        services.meeting_mark_held(actor=request.user, meeting=meeting)
        messages.success(request, "已标记为已召开，请记录人填写会议记录")
    except (Refused, PermissionDenied) as exc:
        _error(request, exc)
    return redirect("meetings:detail", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def attendees(request: AuthedRequest, pk: int) -> HttpResponse:
    """Edit the expected list: everyone the meeting may invite, ticked if invited."""
    meeting = selectors.get_meeting_for_user(request.user, pk)
    if not rules.can_manage(request.user, meeting):
        raise Http404("找不到该会议")
    people = list(selectors.candidates_for(meeting.branch))
    rows = selectors.attendance_rows(meeting)
    invited = {r.user_id for r in rows}
    if request.method == "POST":
        picked = (int_param(v, field="people") for v in request.POST.getlist("people"))
        chosen = {n for n in picked if n is not None}
        known = {p.pk for p in people} | invited
        chosen &= known
        try:
            services.attendees_change(
                actor=request.user, meeting=meeting, add=chosen - invited, remove=invited - chosen
            )
            messages.success(request, "应到人员已更新")
            return redirect("meetings:detail", pk=pk)
        except (Refused, PermissionDenied) as exc:
            _error(request, exc)
    officers = {meeting.host_id, meeting.recorder_a_id, meeting.recorder_b_id}
    extra = [r.user for r in rows if r.user_id not in {p.pk for p in people}]
    return render(
        request,
        "meetings/attendees.html",
        {
            "meeting": meeting,
            "people": [*people, *extra],
            "invited": invited,
            "officers": officers,
        },
    )


# --- one meeting ------------------------------------------------------------------------------


def _detail_context(request: AuthedRequest, meeting: Meeting) -> dict[str, Any]:
    user = request.user
    now = timezone.now()
    rows = selectors.attendance_rows(meeting)
    mine = next((r for r in rows if r.user_id == user.pk), None)
    a_status = next((r.status for r in rows if r.user_id == meeting.recorder_a_id), None)
    manage = rules.can_manage(user, meeting)
    officer = rules.is_officer(user, meeting)
    reads_minutes = rules.can_read_minutes(user, meeting)
    sees_list = reads_minutes or manage
    minutes = selectors.minutes_of(meeting) if reads_minutes else None
    leaves = selectors.leave_requests_of(meeting) if (manage or sees_list) else []
    my_leave = next((lv for lv in leaves if lv.user_id == user.pk), None)
    if my_leave is None and mine is not None and not sees_list:
        from xianfeng.meetings.models import LeaveRequest

        my_leave = LeaveRequest.objects.filter(meeting=meeting, user_id=user.pk).first()
    approver = (
        rules.minutes_approver_id(meeting, minutes.written_by_id) if minutes is not None else None
    )
    counts = {status: 0 for status in AttendanceStatus.values}
    for r in rows:
        counts[r.status] += 1
    ongoing = meeting.state in (MeetingState.PLANNED, MeetingState.HELD) and (
        meeting.starts_at - CHECKIN_OPENS_BEFORE <= now <= meeting.ends_at
    )
    return {
        "meeting": meeting,
        "rows": rows if sees_list else [],
        "mine": mine,
        "counts": counts,
        "attended": counts["present"] + counts["late"],
        "total": len(rows),
        "quorum": selectors.quorum_of(meeting, rows) if sees_list else None,
        "minutes": minutes,
        "attachments": selectors.attachments_of(meeting) if reads_minutes else [],
        "amendments": selectors.amendments_of(meeting) if reads_minutes else [],
        "leaves": leaves,
        "my_leave": my_leave,
        "can_manage": manage,
        "notice_reach": meeting_notice_reach(meeting)
        if manage and meeting.state in (MeetingState.PLANNED, MeetingState.CANCELLED)
        else None,
        "can_decide_leave": rules.can_decide_leave(user, meeting),
        "can_record": rules.can_record_attendance(user, meeting)
        and meeting.state not in LOCKED_STATES
        and meeting.state != MeetingState.CANCELLED
        and now >= meeting.starts_at,
        "can_show_qr": rules.can_show_qr(user, meeting) and ongoing,
        "can_mark_held": (manage or officer)
        and meeting.state == MeetingState.PLANNED
        and now >= meeting.starts_at,
        "can_write": rules.can_write_minutes(user, meeting, a_status),
        "b_stands_in": rules.a_is_absent(meeting, a_status),
        "is_approver": approver == user.pk and meeting.state == MeetingState.SUBMITTED,
        "can_archive": manage and meeting.state == MeetingState.APPROVED,
        "can_amend": rules.can_amend(user, meeting),
        "reads_minutes": reads_minutes,
        "can_leave": mine is not None
        and meeting.state in (MeetingState.PLANNED, MeetingState.HELD)
        and now <= meeting.ends_at
        and mine.status not in ("present", "late")
        and (my_leave is None or my_leave.status != LeaveStatus.APPROVED),
        "ongoing": ongoing,
        "LeaveStatus": LeaveStatus,
        "leave_form": LeaveForm(),
        "record_form": AttendanceRecordForm(),
    }


@login_required
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk)
    context = _detail_context(request, meeting)
    if request.htmx and request.GET.get("part") == "attendance":
        return render(request, "meetings/detail.html#attendance", context)
    return render(request, "meetings/detail.html", context)


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


def _qr_data_uri(text: str) -> str:
    qr = qrcode.QRCode(border=2, box_size=10, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(text)
    qr.make(fit=True)
    out = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(out)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


def _qr_context(request: AuthedRequest, meeting: Meeting) -> dict[str, Any]:
    now = timezone.now()
    step = step_at(now)
    token = checkin_token(meeting.pk, meeting.checkin_key, step)
    url = request.build_absolute_uri(reverse("meetings:checkin", args=[token]))
    counts = selectors.attendance_counts([meeting.pk])[meeting.pk]
    return {
        "meeting": meeting,
        "url": url,
        "qr": _qr_data_uri(url),
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


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def checkin(request: AuthedRequest, token: str) -> HttpResponse:
    """Opened from the QR code on the person's phone: confirm, then sign in."""
    context: dict[str, Any] = {"token": token, "done": None, "error": ""}
    try:
        meeting = services.checkin_meeting(token)
    except Refused as exc:
        context["error"] = exc.message
        return render(request, "meetings/checkin.html", context, status=400)
    context["meeting"] = meeting
    if request.method == "POST":
        try:
            context["done"] = services.checkin(user=request.user, token=token)
        except (Refused, PermissionDenied) as exc:
            context["error"] = getattr(exc, "message", None) or str(exc)
    return render(request, "meetings/checkin.html", context)


# --- minutes ----------------------------------------------------------------------------------


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
    from xianfeng.meetings.pdf import minutes_pdf as render_pdf

    meeting = selectors.get_meeting_for_user(request.user, pk)
    if not rules.can_read_minutes(request.user, meeting):
        raise Http404("找不到该会议")
    rows = selectors.attendance_rows(meeting)
    data = render_pdf(
        meeting,
        minutes=selectors.minutes_of(meeting),
        rows=rows,
        quorum=selectors.quorum_of(meeting, rows),
        attachments=selectors.attachments_of(meeting),
        amendments=selectors.amendments_of(meeting),
    )
    response = HttpResponse(data, content_type="application/pdf")
    day = timezone.localtime(meeting.starts_at)
    response["Content-Disposition"] = f'inline; filename="minutes-{meeting.pk}-{day:%Y%m%d}.pdf"'
    return response


# --- compliance -------------------------------------------------------------------------------


def _year(value: Any, today: datetime.date) -> int:
    return value if isinstance(value, int) and 2000 <= value <= 2100 else today.year


@login_required
def overview(request: AuthedRequest) -> HttpResponse:
    """Branches × months of the subtree the person reads: the worst status of what is due
    each month, worst branches first on request."""
    if not _reads_ledger_anywhere(request.user):
        raise PermissionDenied("您没有查看三会一课台账的权限")
    form = OverviewForm(request.GET or None)
    d = form.cleaned_data if form.is_valid() else {}
    today = timezone.localdate()
    year = _year(d.get("year"), today)
    roots = org_roots_for(request.user, rules.LEDGER_ROLES)
    if d.get("org"):
        root = get_org_for_user(request.user, d["org"], rules.LEDGER_ROLES)
    elif roots:
        root = roots[0]
    else:
        raise PermissionDenied("您没有查看三会一课台账的权限")
    if root.kind == OrgKind.BRANCH:
        return redirect("meetings:branch", code=root.code)
    kind = d.get("kind") or ""
    table = compliance_table(root, year=year, today=today, kinds=[kind] if kind else None)
    rows = table.rows
    if d.get("sort") == "failed":
        rows = sorted(rows, key=lambda r: (-r.failed, r.info.path))
    page = Paginator(rows, OVERVIEW_PAGE).get_page(request.GET.get("page"))
    shown = _heatmap_rows(page.object_list, year=year, today=today)
    children = list(
        Org.objects.filter(parent=root)
        .exclude(kind=OrgKind.GROUP)
        .order_by("sort_order", "path")[:100]
    )
    return render(
        request,
        "meetings/overview.html",
        {
            "table": table,
            "page": page,
            "shown": shown,
            "root": root,
            "roots": roots,
            "children": children,
            "year": year,
            "kind": kind,
            "sort": d.get("sort") or "",
            "months": range(1, 13),
            "kinds": MeetingKind.choices,
            "query": query_without_page(request),
            "legend": [
                (s, ComplianceStatus(s).label)
                for s in (
                    ComplianceStatus.HELD,
                    ComplianceStatus.PENDING,
                    ComplianceStatus.PLANNED,
                    ComplianceStatus.DUE,
                    ComplianceStatus.UNAPPROVED,
                    ComplianceStatus.OVERDUE,
                    ComplianceStatus.FUTURE,
                )
            ],
        },
    )


def _heatmap_rows(rows: Any, *, year: int, today: datetime.date) -> list[SafeString]:
    """The heat map's rows as HTML, built here: a hundred rows of twelve cells cost a
    template loop ten times what format_html does."""
    from django.utils.html import format_html, format_html_join

    url = reverse("meetings:branch", args=["__code__"])
    out: list[SafeString] = []
    for row in rows:
        cells = format_html_join(
            "",
            '<td class="hm-{}" title="{}"></td>',
            zip(row.month_statuses, month_titles(row, year=year, today=today), strict=True),
        )
        out.append(
            format_html(
                '<tr><td class="org"><a href="{}?year={}" title="{}">{}</a></td>{}'
                '<td class="rate">{}</td></tr>',
                url.replace("__code__", row.info.code),
                year,
                row.info.parent_name,
                row.info.name,
                cells,
                f"{row.rate}%" if row.rate is not None else "—",
            )
        )
    return out


def _ledger_branch(request: AuthedRequest, code: str) -> Org:
    org = get_org_for_user(request.user, code, rules.LEDGER_ROLES)
    if org.kind != OrgKind.BRANCH:
        raise Http404("找不到该党支部")
    return org


@login_required
def branch(request: AuthedRequest, code: str) -> HttpResponse:
    """One branch's year: every required meeting per period, and the meetings held."""
    org = _ledger_branch(request, code)
    today = timezone.localdate()
    year = year_param(request.GET.get("year"), default=today.year)
    row, obligations = branch_compliance(org, year=year, today=today)
    by_kind: dict[str, list[Any]] = {}
    for ob in obligations:
        by_kind.setdefault(ob.kind_label, []).append(ob)
    meetings = list(selectors.ledger_meetings(org, year))
    counts = selectors.attendance_counts([m.pk for m in meetings])
    return render(
        request,
        "meetings/branch.html",
        {
            "org": org,
            "year": year,
            "row": row,
            "by_kind": by_kind,
            "meetings": [(m, counts[m.pk]) for m in meetings],
            "can_plan": rules.can_plan(request.user, org),
            "can_set_rules": rules.can_set_rules(request.user, org),
            "years": range(today.year, today.year - 5, -1),
        },
    )


@login_required
@require_GET
def ledger(request: AuthedRequest, code: str, year: int) -> HttpResponse:
    from xianfeng.meetings.exports import ledger_workbook

    org = _ledger_branch(request, code)
    return ledger_workbook(org, check_year(year), today=timezone.localdate())


@login_required
@require_http_methods(["GET", "POST"])
def rules_page(request: AuthedRequest, code: str) -> HttpResponse:
    """How often each kind is required in an org's subtree (org admins)."""
    org = get_org_for_user(request.user, code, rules.RULE_ROLES)
    in_force = selectors.rules_of(org)
    own = {kind: period for kind, (period, where) in in_force.items() if where.pk == org.pk}
    form = RuleForm(request.POST or None, initial=own)
    if request.method == "POST" and form.is_valid():
        try:
            for kind in MeetingKind.values:
                wanted = form.cleaned_data.get(kind) or None
                if wanted != own.get(kind):
                    services.rule_set(actor=request.user, org=org, kind=kind, period=wanted)
            messages.success(request, "频次要求已保存，对本组织及下级组织生效")
            return redirect("meetings:rules", code=code)
        except (Refused, PermissionDenied) as exc:
            _error(request, exc)
    from xianfeng.meetings.enums import DEFAULT_PERIODS

    effective = []
    for kind, label in MeetingKind.choices:
        period, where = in_force.get(kind, (DEFAULT_PERIODS[kind], None))
        effective.append(
            {
                "field": form[kind],
                "label": label,
                "period": Period(period).label,
                "source": where.name if where is not None else "默认（三会一课规定）",
            }
        )
    return render(request, "meetings/rules.html", {"org": org, "form": form, "rows": effective})


# --- settings, calendar -------------------------------------------------------------------
# Notices about meetings are notify's notifications: its inbox, panel and e-mail settings.


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
