"""Planning meetings, the list and the meeting page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from xianfeng.common import related
from xianfeng.common.errors import Refused
from xianfeng.common.pagination import paginate, query_without_page
from xianfeng.common.parse import int_param
from xianfeng.common.types import AuthedRequest
from xianfeng.meetings import rules, selectors, services
from xianfeng.meetings.enums import (
    CHECKIN_OPENS_BEFORE,
    LOCKED_STATES,
    AttendanceStatus,
    LeaveStatus,
    MeetingKind,
    MeetingState,
)
from xianfeng.meetings.forms import (
    AttendanceRecordForm,
    LeaveForm,
    MeetingFilterForm,
    MeetingForm,
    ReasonForm,
    initial_times,
)
from xianfeng.meetings.models import Meeting
from xianfeng.meetings.selectors.life import life_summary, may_read_life
from xianfeng.meetings.selectors.notices import meeting_notice_reach
from xianfeng.meetings.views._shared import (
    _branch_of,
    _can_plan_anywhere,
    _error,
    _form_error,
    _lessons_for,
    _planning_org,
    _reads_ledger_anywhere,
)
from xianfeng.notify.selectors import unread_count
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.selectors import get_org_for_user


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
    people = list(selectors.candidates_for(meeting.branch, selectors.meeting_guests(meeting)))
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
    context: dict[str, Any] = {
        "life": life_summary(meeting) if may_read_life(user, meeting) else None,
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
    # The actions card only when it holds something: a member on a planned meeting saw an
    # empty white card.
    state = meeting.state
    context["has_actions"] = bool(
        context["can_show_qr"]
        or context["can_mark_held"]
        or context["can_write"]
        or (reads_minutes and state not in (MeetingState.PLANNED, MeetingState.CANCELLED))
        or (manage and state in (MeetingState.PLANNED, MeetingState.HELD))
        or context["can_archive"]
        or context["can_amend"]
    )
    return context


@login_required
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = selectors.get_meeting_for_user(request.user, pk)
    context = _detail_context(request, meeting)
    # What the apps above tie to this meeting (a 点亮微心愿 campaign), without knowing them.
    context["related"] = related.links_to("meetings.meeting", request.user, meeting.pk)
    if request.htmx and request.GET.get("part") == "attendance":
        return render(request, "meetings/detail.html#attendance", context)
    return render(request, "meetings/detail.html", context)
