"""微星光 pages (the honor roll, a honor, nominating, deciding) and 微平台 (every org's
own public page and its notices). Thin: parse, select, call."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.pagination import keyset_page_by, query_without
from xianfeng.common.parse import ascii_int
from xianfeng.common.types import AuthedRequest
from xianfeng.community import rules
from xianfeng.community.enums import REVIEW_ROLES, HonorKind, HonorState
from xianfeng.community.forms import HonorForm, NoticeForm
from xianfeng.community.models import OrgNotice
from xianfeng.community.selectors import honors as selectors
from xianfeng.community.services import Upload
from xianfeng.community.services import honors as services
from xianfeng.orgs.models import Org
from xianfeng.orgs.selectors import orgs_managed_by
from xianfeng.people.models import User


def _error(request: HttpRequest, exc: Exception) -> None:
    messages.error(request, getattr(exc, "message", None) or str(exc) or "没有权限")


def _photo(request: HttpRequest) -> Upload | None:
    f = request.FILES.get("photo")
    return Upload(handle=f, size=f.size or 0) if f is not None else None


@require_GET
def honors(request: HttpRequest) -> HttpResponse:
    """The honor roll, by year, org and kind; public."""
    user: Any = request.user
    year = ascii_int(request.GET.get("year", "")[:4]) or None
    kind = request.GET.get("kind", "")
    code = request.GET.get("org", "")[:32]
    org = Org.objects.filter(code=code).first() if code else None
    filters = selectors.HonorFilters(
        year=year, org=org, kind=kind if kind in HonorKind.values else ""
    )
    page = keyset_page_by(request, selectors.honor_roll(filters), selectors.HONOR_KEYS)
    signed_in = bool(getattr(user, "is_authenticated", False))
    return render(
        request,
        "community/honors.html",
        {
            "page": page,
            "query": query_without(request, "after", "page"),
            "filters": filters,
            "years": selectors.honor_years(),
            "kinds": HonorKind.choices,
            "to_decide": list(selectors.honors_to_decide(user)[:20]) if signed_in else [],
            "can_nominate": signed_in and orgs_managed_by(user, REVIEW_ROLES).exists(),
        },
    )


@require_GET
def honor(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    item = selectors.get_honor_for_user(user, pk)
    return render(
        request,
        "community/honor.html",
        {
            "honor": item,
            "can_decide": item.state == HonorState.NOMINATED
            and rules.can_approve_honor(user, item.org),
            "can_resubmit": item.state == HonorState.RETURNED and rules.manages(user, item.org),
        },
    )


@login_required
@require_POST
def honor_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    if action not in ("decide", "resubmit"):
        raise Http404("没有这个操作")
    item = selectors.get_honor_for_user(request.user, pk)
    try:
        if action == "decide":
            approve = request.POST.get("decision") == "approve"
            services.honor_decide(
                actor=request.user, honor=item, approve=approve, note=request.POST.get("note", "")
            )
            messages.success(request, "已批准，已上微星光榜" if approve else "已退回")
        else:
            services.honor_resubmit(
                actor=request.user, honor=item, story=request.POST.get("story", "")
            )
            messages.success(request, "已重新提交")
    except (Refused, PermissionDenied) as exc:
        _error(request, exc)
    return redirect("community:honor", pk=item.pk)


@require_GET
def honor_photo(request: HttpRequest, pk: int) -> FileResponse:
    item = selectors.get_honor_for_user(request.user, pk)
    return _file(item, thumb=request.GET.get("size") == "thumb")


def _file(row: Any, *, thumb: bool) -> FileResponse:
    field = row.thumb if thumb else row.image
    if not field:
        raise Http404("找不到该照片")
    try:
        handle = field.open("rb")
    except OSError as exc:
        raise Http404("文件不存在") from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _managed_orgs(user: Any) -> Any:
    ids = list(orgs_managed_by(user, REVIEW_ROLES).values_list("pk", flat=True)[:500])
    return Org.objects.filter(pk__in=ids).order_by("path")


@login_required
@require_http_methods(["GET", "POST"])
def honor_new(request: AuthedRequest) -> HttpResponse:
    orgs = _managed_orgs(request.user)
    if not orgs.exists():
        raise PermissionDenied("只有党组织的书记、支委或管理员可以推荐")
    from xianfeng.orgs.models import subtree_q

    people = (
        User.objects.filter(subtree_q([o.path for o in orgs], field="member__org__path"))
        .filter(is_active=True)
        .order_by("name")
    )
    form = HonorForm(request.POST or None, request.FILES or None, orgs=orgs, people=people)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            item = services.honor_nominate(
                actor=request.user,
                org=d["org"],
                kind=d["kind"],
                name=d["name"],
                story=d["story"],
                person=d["person"],
                photo=_photo(request),
            )
        except Refused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "已推荐，等待上级党组织审批")
            return redirect("community:honor", pk=item.pk)
    return render(request, "community/honor_new.html", {"form": form})


# --- 微平台 ---------------------------------------------------------------------------------


@require_GET
def org_page(request: HttpRequest, code: str) -> HttpResponse:
    """An org's own public page: no login needed; only the public pieces."""
    user: Any = request.user
    org = selectors.get_org_page(code)
    admin = rules.manages(user, org)
    return render(
        request,
        "community/org_page.html",
        {
            "org": org,
            "p": selectors.org_page(user, org),
            "admin": admin,
            "notice_form": NoticeForm() if admin else None,
        },
    )


@login_required
@require_POST
def org_notice(request: AuthedRequest, code: str) -> HttpResponse:
    org = selectors.get_org_page(code)
    if request.POST.get("delete"):
        notice = OrgNotice.objects.filter(
            org=org, pk=ascii_int(request.POST["delete"]) or 0
        ).first()
        if notice is None:
            raise Http404("找不到该公告")
        try:
            services.notice_delete(actor=request.user, notice=notice)
            messages.success(request, "公告已删除")
        except PermissionDenied as exc:
            _error(request, exc)
        return redirect("community:org_page", code=org.code)
    try:
        services.notice_post(
            actor=request.user, org=org, text=request.POST.get("text", ""), photo=_photo(request)
        )
        messages.success(request, "公告已发布")
    except (Refused, PermissionDenied) as exc:
        _error(request, exc)
    return redirect("community:org_page", code=org.code)


@require_GET
def notice_photo(request: HttpRequest, code: str, pk: int) -> FileResponse:
    org = selectors.get_org_page(code)
    notice = OrgNotice.objects.filter(org=org, pk=pk).first()
    if notice is None:
        raise Http404("找不到该照片")
    return _file(notice, thumb=request.GET.get("size") == "thumb")
