"""题库: the bank of the orgs a person manages, importing a workbook (upload → preview →
commit), exporting it in the layout the import reads."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.pagination import paginate, query_without_page
from xianfeng.common.types import AuthedRequest
from xianfeng.orgs.rules import holds_any
from xianfeng.orgs.selectors import get_org_for_user, orgs_managed_by
from xianfeng.study import bank
from xianfeng.study.enums import ImportState
from xianfeng.study.forms import BankFilterForm, BankUploadForm
from xianfeng.study.rules import STUDY_MANAGE_ROLES
from xianfeng.study.selectors.bank import (
    get_import_for_user,
    imports_visible_to,
    question_search,
    questions_managed_by,
)
from xianfeng.study.services import bank as services

ERRORS_SHOWN = 200
SAMPLE_ROWS = 20


def _require_manager(user: Any) -> None:
    if not holds_any(user, STUDY_MANAGE_ROLES):
        raise PermissionDenied("只有书记、委员和组织管理员可以管理题库")


@login_required
def bank_list(request: AuthedRequest) -> HttpResponse:
    _require_manager(request.user)
    form = BankFilterForm(request.GET or None)
    d = form.cleaned_data if form.is_valid() else {}
    questions = question_search(
        questions_managed_by(request.user).select_related("org"),
        kind=d.get("kind") or "",
        text=d.get("q") or "",
        tag=d.get("tag") or "",
    ).order_by("-created_at", "-id")
    return render(
        request,
        "study/bank_list.html",
        {
            "form": form,
            "page": paginate(request, questions),
            "query": query_without_page(request),
            "orgs": list(orgs_managed_by(request.user, STUDY_MANAGE_ROLES).filter(depth__lte=2)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def bank_import(request: AuthedRequest) -> HttpResponse:
    _require_manager(request.user)
    orgs = orgs_managed_by(request.user, STUDY_MANAGE_ROLES)
    form = BankUploadForm(request.POST or None, request.FILES or None, orgs=orgs)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = services.question_import_preview(
                actor=request.user,
                org=form.cleaned_data["org"],
                file=upload,
                filename=upload.name,
            )
        except Refused as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("study:bank_import_detail", pk=batch.pk)
    batches = imports_visible_to(request.user).select_related("org").order_by("-created_at")
    return render(
        request, "study/bank_import.html", {"form": form, "page": paginate(request, batches)}
    )


@login_required
def bank_import_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = get_import_for_user(request.user, pk)
    return render(
        request,
        "study/bank_import_detail.html",
        {
            "batch": batch,
            "errors": batch.errors[:ERRORS_SHOWN],
            "errors_hidden": max(0, len(batch.errors) - ERRORS_SHOWN),
            "sample": batch.rows[:SAMPLE_ROWS],
            "kinds": dict(bank.KIND_WORDS),
            "is_preview": batch.state == ImportState.PREVIEW,
        },
    )


@login_required
@require_POST
def bank_import_commit(request: AuthedRequest, pk: int) -> HttpResponse:
    batch = get_import_for_user(request.user, pk)
    try:
        count = services.question_import_commit(
            actor=request.user, batch=batch, skip_invalid=request.POST.get("skip_invalid") == "on"
        )
    except Refused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已导入 {count} 道题")
    return redirect("study:bank_import_detail", pk=batch.pk)


@login_required
def bank_export(request: AuthedRequest) -> HttpResponse:
    _require_manager(request.user)
    org = get_org_for_user(request.user, request.GET.get("org", ""), STUDY_MANAGE_ROLES)
    questions = questions_managed_by(request.user).filter(org=org).order_by("pk")
    book = bank.bank_workbook(questions.iterator(), title=f"{org.name}题库")
    return book.response(f"{org.name}题库.xlsx", ascii_filename=f"bank-{org.code}.xlsx")
