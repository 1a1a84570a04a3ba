"""共读一篇文章: the list (and, for the organiser, setting one up), a co-reading's page
with my 心得, the featured and other 心得, the discussion and who has read and written."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.types import AuthedRequest
from xianfeng.orgs.selectors import orgs_managed_by
from xianfeng.study.forms import CommentForm, CoReadingForm, CoReadingNoteForm
from xianfeng.study.models import ArticleRead, CoReadingNote
from xianfeng.study.rules import STUDY_MANAGE_ROLES, can_manage_study, manages_study_anywhere
from xianfeng.study.selectors import articles as article_sel
from xianfeng.study.selectors import coreading as sel
from xianfeng.study.services import coreading as services


@login_required
@require_http_methods(["GET", "POST"])
def coreading_list(request: AuthedRequest) -> HttpResponse:
    manages = manages_study_anywhere(request.user)
    form = (
        CoReadingForm(
            request.POST or None,
            orgs=orgs_managed_by(request.user, STUDY_MANAGE_ROLES),
            articles=article_sel.articles_for(request.user)[:200],
        )
        if manages
        else None
    )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("只有书记、委员或组织管理员可以组织共读")
        if form.is_valid():
            d = form.cleaned_data
            try:
                row = services.coreading_create(
                    actor=request.user, org=d["org"], article=d["article"], deadline=d["deadline"]
                )
            except Refused as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, "共读已发起")
                return redirect("study:coreading", pk=row.pk)
    return render(
        request,
        "study/coreading_list.html",
        {
            "rows": list(sel.coreadings_for(request.user)[:30]),
            "managed": list(
                sel.coreadings_managed_by(request.user)
                .select_related("org", "article")
                .order_by("-id")[:30]
            )
            if manages
            else [],
            "form": form,
            "now": timezone.now(),
        },
    )


@login_required
def coreading_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    row = sel.get_coreading_for_user(request.user, pk)
    manages = can_manage_study(request.user, row.org)
    mine = CoReadingNote.objects.filter(coreading=row, user_id=request.user.pk).first()
    return render(
        request,
        "study/coreading_detail.html",
        {
            "row": row,
            "is_member": sel.is_in_coreading(request.user, row),
            "has_read": ArticleRead.objects.filter(
                user_id=request.user.pk, article_id=row.article_id, completed_at__isnull=False
            ).exists(),
            "open": timezone.now() <= row.deadline,
            "note_form": CoReadingNoteForm(initial={"text": mine.text if mine else ""}),
            "comment_form": CommentForm(),
            "notes": sel.notes_for(row, request.user),
            "comments": sel.comments_for(row, request.user),
            "manages": manages,
            "progress": sel.progress(row) if manages else [],
        },
    )


def _error(request: AuthedRequest, exc: Exception) -> None:
    messages.error(request, getattr(exc, "message", str(exc)))


@login_required
@require_POST
def coreading_note(request: AuthedRequest, pk: int) -> HttpResponse:
    row = sel.get_coreading_for_user(request.user, pk)
    form = CoReadingNoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写心得（5000 字以内）")
        return redirect("study:coreading", pk=row.pk)
    try:
        note = services.note_save(user=request.user, coreading=row, text=form.cleaned_data["text"])
        messages.success(
            request, "心得已提交" if note.status == "visible" else "心得已提交，待审核"
        )
    except (Refused, PermissionDenied) as exc:
        _error(request, exc)
    return redirect("study:coreading", pk=row.pk)


@login_required
@require_POST
def coreading_comment(request: AuthedRequest, pk: int) -> HttpResponse:
    row = sel.get_coreading_for_user(request.user, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写讨论内容（500 字以内）")
        return redirect("study:coreading", pk=row.pk)
    try:
        services.comment_add(user=request.user, coreading=row, text=form.cleaned_data["text"])
    except (Refused, PermissionDenied) as exc:
        _error(request, exc)
    return redirect("study:coreading", pk=row.pk)


@login_required
@require_POST
def coreading_feature(request: AuthedRequest, pk: int, note_id: int) -> HttpResponse:
    row = sel.get_coreading_for_user(request.user, pk)
    note = CoReadingNote.objects.filter(coreading=row, pk=note_id).select_related("coreading__org")
    found = note.first()
    if found is None:
        raise Http404("找不到这篇心得")
    try:
        services.note_feature(actor=request.user, note=found, featured=not found.featured)
    except (Refused, PermissionDenied) as exc:
        _error(request, exc)
    return redirect("study:coreading", pk=row.pk)
