"""入户终端 pages: the site admin registers who lives in the household a TV is paired to;
each member sees what plays on their home TV, confirms that they watched, and finds the
household viewings they confirmed (their 入户收看 record)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.types import AuthedRequest
from xianfeng.people.models import Member
from xianfeng.remote import selectors, services
from xianfeng.remote.enums import SiteKind
from xianfeng.remote.forms import HouseholdMemberForm
from xianfeng.remote.services.offline import site_members

HISTORY_SHOWN = 50


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
        {"site": site, "household": list(selectors.household_of(site)), "form": form},
        status=status,
    )


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
    return render(
        request,
        "remote/household.html",
        {"mine": mine, "open_rows": open_rows, "history": history},
    )


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
