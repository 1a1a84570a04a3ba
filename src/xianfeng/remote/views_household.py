"""入户终端 pages: the site admin registers who lives in the household a TV is paired to
(or approves a member's own request to join, made by scanning the TV's QR or typing its
站点编码); each member sees what plays on their home TV, confirms that they watched, and
finds the household viewings they confirmed (their 入户收看 record)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.types import AuthedRequest
from xianfeng.people.models import Member
from xianfeng.remote import selectors, services
from xianfeng.remote.enums import JoinVia, SiteKind
from xianfeng.remote.forms import HouseholdMemberForm
from xianfeng.remote.models import Site
from xianfeng.remote.services.offline import site_members

HISTORY_SHOWN = 50
REQUESTS_SHOWN = 5


@login_required
@require_http_methods(["GET", "POST"])
def site_household(request: AuthedRequest, code: str) -> HttpResponse:
    """The site admin's list of an 入户终端's household, and the form that adds a member."""
    site = selectors.get_managed_site(request.user, code)
    if site.kind != SiteKind.HOUSEHOLD:
        raise PermissionDenied("只有入户终端可以登记家庭成员")
    candidates = site_members(site)
    taken = set(
        Member.objects.filter(
            pk__in=[m.pk for m in candidates], household__isnull=False
        ).values_list("pk", flat=True)
    )
    free = [m for m in candidates if m.pk not in taken]
    form = HouseholdMemberForm(request.POST or None, members=free)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            member = next((m for m in free if m.pk == form.cleaned_data["member"]), None)
            if member is None:
                form.add_error("member", "请选择本站点所属组织的党员")
            else:
                try:
                    services.household_member_add(actor=request.user, site=site, member=member)
                except Refused as exc:
                    form.add_error("member", exc.message)
                else:
                    messages.success(request, f"已登记家庭成员：{member.user.name}")
                    return redirect("remote:site_household", code=site.code)
        status = 400
    return render(
        request,
        "remote/site_household.html",
        {
            "site": site,
            "household": list(selectors.household_of(site)),
            "waiting": list(selectors.household_join_waiting(site)),
            "form": form,
        },
        status=status,
    )


@login_required
@require_POST
def site_household_decide(request: AuthedRequest, code: str, pk: int, action: str) -> HttpResponse:
    """The site admin approves or declines a member's request to join the household."""
    if action not in {"approve", "decline"}:
        raise Http404("找不到该操作")
    join = selectors.get_join_request_for_manager(request.user, code, pk)
    name = join.member.user.name or join.member.user.username
    try:
        services.household_join_decide(
            actor=request.user,
            request=join,
            approve=action == "approve",
            reason=request.POST.get("reason", ""),
        )
    except Refused as exc:
        messages.error(request, exc.message)
    else:
        if action == "approve":
            messages.success(request, f"已同意{name}加入本户")
        else:
            messages.success(request, f"已拒绝{name}的加入申请")
    return redirect("remote:site_household", code=code)


@login_required
@require_POST
def site_household_remove(request: AuthedRequest, code: str, pk: int) -> HttpResponse:
    entry = selectors.get_household_entry_for_user(request.user, code, pk)
    services.household_member_remove(actor=request.user, entry=entry)
    messages.success(request, f"已移除家庭成员：{entry.member.user.name}")
    return redirect("remote:site_household", code=code)


@login_required
@require_GET
def household(request: AuthedRequest) -> HttpResponse:
    """我家的入户终端: what plays now (confirm it), and the household viewings confirmed."""
    mine = selectors.my_household(request.user)
    now = timezone.now()
    open_rows = []
    if mine is not None:
        viewings = list(
            selectors.household_open_viewings(request.user, now=now)
            .prefetch_related("lessons")
            .order_by("-starts_at")
        )
        confirmed = set(
            selectors.household_confirmed_viewings(request.user)
            .filter(pk__in=[v.pk for v in viewings])
            .values_list("pk", flat=True)
        )
        open_rows = [{"viewing": v, "confirmed": v.pk in confirmed} for v in viewings]
    history = list(
        selectors.household_confirmed_viewings(request.user)
        .select_related("site")
        .prefetch_related("lessons")
        .order_by("-starts_at")[:HISTORY_SHOWN]
    )
    # What became of the person's requests (and why one was not agreed to).
    waiting, settled = selectors.my_household_requests_shown(request.user, limit=REQUESTS_SHOWN)
    return render(
        request,
        "remote/household.html",
        {
            "mine": mine,
            "waiting": None if mine is not None else waiting,
            "settled": settled,
            "open_rows": open_rows,
            "history": history,
        },
    )


def _join_page(request: AuthedRequest, find: Callable[[], Site], via: str) -> HttpResponse:
    """The member's 申请加入 page: the household's name and village, then one button.
    Whatever refuses (a stale QR, a code of nowhere, another org, a household already)
    shows its reason instead, and nothing of the site unless the member may ask."""
    context: dict[str, Any] = {"site": None, "error": "", "via": via}
    try:
        site = find()
        services.household_joiner(request.user, site)
        context["site"] = site
        if request.method == "POST":
            services.household_join_request(user=request.user, site=site, via=via)
            messages.success(
                request, f"已提交加入“{site.name}”的申请，请等待站点管理员审核，结果会通知您"
            )
            return redirect("remote:household")
    except Refused as exc:
        context["error"] = exc.message
    return render(
        request, "remote/household_join.html", context, status=400 if context["error"] else 200
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def household_join_scan(request: AuthedRequest, token: str) -> HttpResponse:
    """Opened from the TV's 家庭成员扫码加入 QR (after logging in, if need be)."""
    return _join_page(request, lambda: services.household_site_for_join_code(token), JoinVia.QR)


@login_required
@require_http_methods(["GET", "POST"])
def household_join(request: AuthedRequest) -> HttpResponse:
    """The 站点编码 typed on 我家的入户终端 (shown under the QR on the TV)."""
    code = (request.POST if request.method == "POST" else request.GET).get("code", "")
    if not code.strip():
        messages.error(request, "请输入电视上显示的站点编码")
        return redirect("remote:household")
    return _join_page(request, lambda: services.household_site_for_code(code), JoinVia.CODE)


@login_required
@require_POST
def household_join_withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    """The member takes back their own waiting request (a second click changes nothing)."""
    join = selectors.get_my_join_request(request.user, pk)
    try:
        services.household_join_withdraw(user=request.user, request=join)
    except Refused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已撤回加入“{join.site.name}”的申请")
    return redirect("remote:household")


@login_required
@require_POST
def household_confirm(request: AuthedRequest, pk: int) -> HttpResponse:
    viewing = selectors.get_household_viewing_for_member(request.user, pk)
    try:
        services.household_confirm(user=request.user, viewing=viewing)
    except Refused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已确认收看：{viewing.title}，已计入您的集体收看")
    return redirect("remote:household")
