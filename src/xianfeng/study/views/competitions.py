"""知识竞赛 pages: the list, a competition (its levels, locked until the one before is
passed, with my progress), playing a level (an attempt like an exam's: no key before it
is handed in), the rankings of players and branches, and the officer's set-up pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.types import AuthedRequest
from xianfeng.common.xlsx import XlsxWriter
from xianfeng.orgs.selectors import orgs_managed_by
from xianfeng.people.selectors import member_of
from xianfeng.study.forms import CompetitionForm, LevelForm
from xianfeng.study.rules import STUDY_MANAGE_ROLES, can_manage_study, manages_study_anywhere
from xianfeng.study.selectors import competitions as sel
from xianfeng.study.services import competitions as services


@login_required
def competition_list(request: AuthedRequest) -> HttpResponse:
    manages = manages_study_anywhere(request.user)
    return render(
        request,
        "study/competition_list.html",
        {
            "competitions": list(sel.competitions_for(request.user)[:50]),
            "managed": list(sel.competitions_managed_by(request.user)[:50]) if manages else [],
            "manages": manages,
            "is_member": member_of(request.user) is not None,
            "now": timezone.now(),
        },
    )


@login_required
def competition_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    competition = sel.get_competition_for_user(request.user, pk)
    levels = sel.levels_with_progress(request.user, competition)
    unlocked = True
    for level in levels:
        level.unlocked = unlocked  # type: ignore[attr-defined]
        # A level left unnamed is called 第 N 关 already.
        level.own_title = "" if level.title == f"第 {level.level} 关" else level.title  # type: ignore[attr-defined]
        unlocked = unlocked and level.my_passed  # type: ignore[attr-defined]
    now = timezone.now()
    return render(
        request,
        "study/competition_detail.html",
        {
            "competition": competition,
            "levels": levels,
            "can_play": sel.may_play(request.user, competition),
            "can_manage": can_manage_study(request.user, competition.org),
            "is_open": competition.opens_at <= now < competition.closes_at,
            "now": now,
            "place": sel.my_place(request.user, competition),
            "level_form": LevelForm(),
        },
    )


@login_required
@require_POST
def level_play(request: AuthedRequest, pk: int, number: int) -> HttpResponse:
    """Start (or continue) a level and go to its answer sheet."""
    competition = sel.get_competition_for_user(request.user, pk)
    if not sel.may_play(request.user, competition):
        raise PermissionDenied("这场竞赛不面向您所在的组织")
    level = sel.get_level(competition, number)
    try:
        attempt = services.level_start(user=request.user, level=level)
    except Refused as exc:
        messages.error(request, exc.message)
        return redirect("study:competition", pk=competition.pk)
    return redirect("study:attempt", pk=attempt.pk)


@login_required
def competition_ranking(request: AuthedRequest, pk: int) -> HttpResponse:
    competition = sel.get_competition_for_user(request.user, pk)
    level_count = competition.levels.count()
    return render(
        request,
        "study/competition_ranking.html",
        {
            "competition": competition,
            "level_count": level_count,
            "people": sel.ranking_people(competition),
            "branches": sel.ranking_branches(competition, level_count),
            "place": sel.my_place(request.user, competition),
            "tab": "branches" if request.GET.get("tab") == "branches" else "people",
        },
    )


@login_required
def competition_export(request: AuthedRequest, pk: int) -> HttpResponse:
    """The organising officer's Excel: every ranked player, then every branch."""
    if not manages_study_anywhere(request.user):
        raise PermissionDenied("只有举办竞赛的组织的书记、委员和管理员可以导出排行")
    competition = sel.get_managed_competition(request.user, pk)
    level_count = competition.levels.count()
    book = XlsxWriter()
    people = book.sheet(
        "个人排行",
        ["名次", "姓名", "所在组织", "通过关数", "总关数", "得分", "用时（秒）", "过关时间"],
        widths=[8, 12, 24, 10, 8, 8, 10, 18],
        preamble=[f"{competition.title} 个人排行"],
    )
    for rank, entry in enumerate(sel.ranked_entries(competition).iterator(), start=1):
        people.append(
            [
                rank,
                entry.user.name or entry.user.username,
                entry.org.name if entry.org else "",
                entry.levels_passed,
                level_count,
                entry.score,
                entry.seconds,
                entry.reached_at,
            ]
        )
    branches = book.sheet(
        "支部排行",
        ["名次", "组织", "参赛人数", "全部通关人数", "平均分", "总分", "最多通过关数"],
        widths=[8, 24, 10, 12, 10, 10, 12],
        preamble=[f"{competition.title} 支部排行（按参赛党员平均得分）"],
    )
    for rank, row in enumerate(sel.ranking_branches(competition, level_count), start=1):
        branches.append(
            [rank, row.name, row.players, row.finished, row.average, row.total, row.best_levels]
        )
    return book.response(
        f"{competition.title}排行.xlsx", ascii_filename=f"contest-{competition.pk}-ranking.xlsx"
    )


def _managed_orgs(request: AuthedRequest) -> Any:
    return orgs_managed_by(request.user, STUDY_MANAGE_ROLES)


@login_required
def competition_new(request: AuthedRequest) -> HttpResponse:
    if not manages_study_anywhere(request.user):
        raise PermissionDenied("只有书记、委员和组织管理员可以举办知识竞赛")
    form = CompetitionForm(request.POST or None, orgs=_managed_orgs(request))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            competition = services.competition_create(
                actor=request.user,
                org=d["org"],
                title=d["title"],
                description=d["description"],
                opens_at=d["opens_at"],
                closes_at=d["closes_at"],
            )
        except Refused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "竞赛已创建，请设置关卡后发布")
            return redirect("study:competition", pk=competition.pk)
    return render(request, "study/competition_form.html", {"form": form, "competition": None})


@login_required
def competition_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    competition = sel.get_managed_competition(request.user, pk)
    initial = {
        "title": competition.title,
        "description": competition.description,
        "opens_at": timezone.localtime(competition.opens_at),
        "closes_at": timezone.localtime(competition.closes_at),
    }
    form = CompetitionForm(
        request.POST or None, initial=initial, orgs=_managed_orgs(request), fixed_org=True
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.competition_update(
                actor=request.user,
                competition=competition,
                title=d["title"],
                description=d["description"],
                opens_at=d["opens_at"],
                closes_at=d["closes_at"],
            )
        except Refused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "已保存")
            return redirect("study:competition", pk=competition.pk)
    return render(
        request, "study/competition_form.html", {"form": form, "competition": competition}
    )


@login_required
@require_POST
def competition_publish(request: AuthedRequest, pk: int) -> HttpResponse:
    competition = sel.get_managed_competition(request.user, pk)
    try:
        services.competition_publish(
            actor=request.user, competition=competition, publish=request.POST.get("publish") == "1"
        )
    except Refused as exc:
        messages.error(request, exc.message)
    return redirect("study:competition", pk=competition.pk)


@login_required
@require_POST
def level_add(request: AuthedRequest, pk: int) -> HttpResponse:
    competition = sel.get_managed_competition(request.user, pk)
    form = LevelForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.level_add(
                actor=request.user,
                competition=competition,
                title=d["title"],
                rules=form.rules(),
                duration_minutes=d["duration_minutes"],
                pass_percent=d["pass_percent"],
                attempts_allowed=d["attempts_allowed"],
            )
        except Refused as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "已添加一关")
    else:
        messages.error(
            request, "；".join(str(e) for errors in form.errors.values() for e in errors)
        )
    return redirect("study:competition", pk=competition.pk)


@login_required
@require_POST
def level_remove(request: AuthedRequest, pk: int, number: int) -> HttpResponse:
    competition = sel.get_managed_competition(request.user, pk)
    level = sel.get_level(competition, number)
    try:
        services.level_remove(actor=request.user, level=level)
    except Refused as exc:
        messages.error(request, exc.message)
    return redirect("study:competition", pk=competition.pk)
