"""The 组织生活会 pages: a meeting's 对照检查材料, 批评与自我批评 and 整改清单; the list of
rectification items of the branches a person sees, and one item with its progress."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.pagination import paginate, query_without_page
from xianfeng.common.types import AuthedRequest
from xianfeng.meetings import rules, selectors
from xianfeng.meetings.enums import LOCKED_STATES, MeetingState, RectificationState
from xianfeng.meetings.forms import (
    CriticismForm,
    MaterialForm,
    ProgressForm,
    RectificationFilterForm,
    RectificationForm,
)
from xianfeng.meetings.models import Criticism, Meeting
from xianfeng.meetings.selectors import life as life_sel
from xianfeng.meetings.services import life as life_svc
from xianfeng.meetings.views._shared import _error, _form_error
from xianfeng.orgs.selectors import get_org_for_user

FORMS = ("material", "criticism", "rectification")


def _upload(form: Any) -> life_svc.Upload | None:
    upload = form.cleaned_data.get("file")
    if not upload:
        return None
    return life_svc.Upload(handle=upload, size=upload.size, name=upload.name or "")


def _file(row: Any) -> FileResponse:
    if not row.file:
        raise Http404("没有文件")
    try:
        handle = row.file.open("rb")
    except (OSError, ValueError) as exc:
        raise Http404("文件不存在") from exc
    response = FileResponse(
        handle,
        content_type=row.content_type or "application/octet-stream",
        as_attachment=True,
        filename=row.original_name or "file",
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _life_context(request: AuthedRequest, meeting: Meeting, **forms: Any) -> dict[str, Any]:
    user = request.user
    materials = life_sel.materials_of(meeting)
    mine = next((m for m in materials if m.author_id == user.pk), None)
    record_open = meeting.state not in LOCKED_STATES and meeting.state != MeetingState.CANCELLED
    can_write = record_open and life_svc.may_write_material(user, meeting)
    can_criticise = record_open and rules.can_record_criticism(user, meeting)
    can_list = meeting.state != MeetingState.CANCELLED and rules.can_list_rectification(
        user, meeting
    )
    people = selectors.candidates_for(meeting.branch) if (can_criticise or can_list) else None
    if can_write and "material" not in forms:
        forms["material"] = MaterialForm(initial={"text": mine.text if mine else ""})
    if can_criticise and "criticism" not in forms:
        forms["criticism"] = CriticismForm(people=people)
    if can_list and "rectification" not in forms:
        forms["rectification"] = RectificationForm(people=people)
    return {
        "meeting": meeting,
        "materials": materials,
        "my_material": mine,
        "criticisms": life_sel.criticisms_of(meeting),
        "items": life_sel.rectifications_of(meeting),
        "today": timezone.localdate(),
        "can_write_material": can_write,
        "can_criticise": can_criticise,
        "can_list": can_list,
        "material_form": forms.get("material"),
        "criticism_form": forms.get("criticism"),
        "rectification_form": forms.get("rectification"),
    }


@login_required
@require_http_methods(["GET", "POST"])
def life(request: AuthedRequest, pk: int) -> HttpResponse:
    """A 组织生活会's substance; each form posts here and, on a refusal, comes back with
    what was typed."""
    meeting = life_sel.get_life_meeting_for_user(request.user, pk)
    if request.method == "GET":
        return render(request, "meetings/life.html", _life_context(request, meeting))
    what = request.POST.get("form", "")
    if what not in FORMS:
        raise Http404("未知操作")
    user = request.user
    form: Any
    try:
        if what == "material":
            form = MaterialForm(request.POST, request.FILES)
            if form.is_valid():
                life_svc.material_save(
                    actor=user,
                    meeting=meeting,
                    text=form.cleaned_data["text"],
                    upload=_upload(form),
                    remove_file=form.cleaned_data["remove_file"],
                )
                messages.success(request, "对照检查材料已保存")
                return redirect("meetings:life", pk=pk)
        elif what == "criticism":
            people = selectors.candidates_for(meeting.branch)
            form = CriticismForm(request.POST, people=people)
            if form.is_valid():
                target = form.cleaned_data.get("target")
                life_svc.criticism_add(
                    actor=user,
                    meeting=meeting,
                    speaker_id=form.cleaned_data["speaker"].pk,
                    target_id=target.pk if target else None,
                    content=form.cleaned_data["content"],
                )
                messages.success(request, "已记录")
                return redirect(reverse("meetings:life", args=[pk]) + "#criticism")
        else:
            people = selectors.candidates_for(meeting.branch)
            form = RectificationForm(request.POST, people=people)
            if form.is_valid():
                d = form.cleaned_data
                life_svc.rectification_add(
                    actor=user,
                    meeting=meeting,
                    data=life_svc.RectificationData(
                        problem=d["problem"],
                        measures=d["measures"],
                        owner_id=d["owner"].pk,
                        deadline=d["deadline"],
                    ),
                )
                messages.success(request, "整改事项已登记，已通知责任人")
                return redirect(reverse("meetings:life", args=[pk]) + "#rectification")
    except Refused as exc:
        _form_error(form, exc)
    context = _life_context(request, meeting, **{what: form})
    return render(request, "meetings/life.html", context, status=400)


@login_required
@require_GET
def material_file(request: AuthedRequest, pk: int, material_id: int) -> FileResponse:
    return _file(life_sel.get_material_for_user(request.user, pk, material_id))


@login_required
@require_POST
def criticism_delete(request: AuthedRequest, pk: int, criticism_id: int) -> HttpResponse:
    meeting = life_sel.get_life_meeting_for_user(request.user, pk)
    note = Criticism.objects.filter(meeting=meeting, pk=criticism_id).first()
    if note is not None:  # already gone: a second click
        try:
            life_svc.criticism_delete(actor=request.user, criticism=note)
            messages.success(request, "已删除")
        except Refused as exc:
            _error(request, exc)
    return redirect(reverse("meetings:life", args=[pk]) + "#criticism")


# --- the 整改清单 of the branches -----------------------------------------------------------------


@login_required
@require_GET
def rectifications(request: AuthedRequest) -> HttpResponse:
    """Rectification items of the branches the person sees (a town: its subtree)."""
    form = RectificationFilterForm(request.GET or None)
    filters = life_sel.RectificationFilters()
    if form.is_valid():
        d = form.cleaned_data
        org = get_org_for_user(request.user, d["org"], rules.LEDGER_ROLES) if d.get("org") else None
        filters = life_sel.RectificationFilters(
            org=org, status=d.get("status") or "", mine=bool(d.get("mine")), year=d.get("year")
        )
    today = timezone.localdate()
    page = paginate(request, life_sel.rectification_list(request.user, filters, today=today))
    context = {
        "page": page,
        "form": form,
        "filters": filters,
        "today": today,
        "query": query_without_page(request),
    }
    template = (
        "meetings/rectifications.html#results" if request.htmx else "meetings/rectifications.html"
    )
    return render(request, template, context)


def _item_context(request: AuthedRequest, item: Any, **forms: Any) -> dict[str, Any]:
    user = request.user
    is_open = item.state == RectificationState.OPEN
    can_report = is_open and rules.can_report_progress(user, item)
    if can_report and "progress" not in forms:
        forms["progress"] = ProgressForm()
    today = timezone.localdate()
    return {
        "item": item,
        "updates": life_sel.updates_of(item),
        "today": today,
        "overdue": item.overdue_on(today),
        "can_report": can_report,
        "can_close": is_open and rules.can_close_rectification(user, item),
        "progress_form": forms.get("progress"),
    }


@login_required
@require_http_methods(["GET", "POST"])
def rectification(request: AuthedRequest, pk: int) -> HttpResponse:
    item = life_sel.get_rectification_for_user(request.user, pk)
    if request.method == "GET":
        return render(request, "meetings/rectification.html", _item_context(request, item))
    form = ProgressForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            life_svc.rectification_progress(
                actor=request.user, item=item, note=form.cleaned_data["note"], upload=_upload(form)
            )
            messages.success(request, "整改进展已报告")
            return redirect("meetings:rectification", pk=pk)
        except Refused as exc:
            _form_error(form, exc)
    context = _item_context(request, item, progress=form)
    return render(request, "meetings/rectification.html", context, status=400)


@login_required
@require_POST
def rectification_close(request: AuthedRequest, pk: int) -> HttpResponse:
    item = life_sel.get_rectification_for_user(request.user, pk)
    try:
        life_svc.rectification_close(
            actor=request.user, item=item, note=request.POST.get("note", "")
        )
        messages.success(request, "已销号")
    except Refused as exc:
        _error(request, exc)
    return redirect("meetings:rectification", pk=pk)


@login_required
@require_GET
def evidence(request: AuthedRequest, pk: int, update_id: int) -> FileResponse:
    return _file(life_sel.get_update_for_user(request.user, pk, update_id))
