"""The member's history page: orgs and 党籍变动 with dates, and recording a change."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from xianfeng.common.errors import Refused
from xianfeng.common.types import AuthedRequest, actor_of
from xianfeng.orgs.rules import can_manage_roster
from xianfeng.people.enums import StatusChangeKind
from xianfeng.people.forms import StatusChangeForm
from xianfeng.people.selectors import get_member_for_user, member_history
from xianfeng.people.services import history

K = StatusChangeKind


@login_required
@require_http_methods(["GET", "POST"])
def member_status(request: AuthedRequest, pk: int) -> HttpResponse:
    """党籍变动 of one member: the history for whoever may see the member, the form for
    whoever manages the roster of the member's org."""
    member = get_member_for_user(request.user, pk)
    manage = can_manage_roster(request.user, member.org)
    form = StatusChangeForm(request.POST or None) if manage else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied("您不能管理该党员")
        if form.is_valid():
            d = form.cleaned_data
            actor = actor_of(request)
            try:
                kind = d["kind"]
                if kind == K.CONFIRM:
                    history.member_confirm(
                        actor=actor, member=member, meeting_on=d["meeting_on"],
                        approved_on=d["approved_on"], effective_on=d["effective_on"],
                        decision=d["decision"],
                    )  # fmt: skip
                elif kind == K.EXTEND:
                    history.member_extend_probation(
                        actor=actor, member=member, until=d["until"], reason=d["reason"],
                        meeting_on=d["meeting_on"], approved_on=d["approved_on"],
                        decision=d["decision"],
                    )  # fmt: skip
                elif kind == K.RESTORE:
                    history.member_restore(
                        actor=actor, member=member, effective_on=d["effective_on"],
                        decision=d["decision"],
                    )  # fmt: skip
                else:
                    history.member_leave(
                        actor=actor, member=member, kind=kind, effective_on=d["effective_on"],
                        reason=d["reason"], decision=d["decision"],
                    )  # fmt: skip
            except Refused as exc:
                name = exc.field if exc.field in form.fields else None
                form.add_error(name, exc.message)
            else:
                messages.success(request, f"已记录{K(kind).label}")
                return redirect("people:member_status", pk=member.pk)
    return render(
        request,
        "people/member_status.html",
        {"member": member, "lines": member_history(member), "form": form},
    )
