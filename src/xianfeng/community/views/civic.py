"""微实事 pages: the project list, a project (vote, progress log, comments, rating),
proposing, a vote's page, opening a vote and counting it. Thin: parse, select, call."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.pagination import keyset_page_by, query_without
from xianfeng.common.parse import ascii_int
from xianfeng.common.types import AuthedRequest
from xianfeng.community import rules
from xianfeng.community.enums import PROJECT_WORK_STATES, REVIEW_ROLES, ProjectState
from xianfeng.community.forms import ProjectFilterForm, ProjectForm, RoundForm, community_orgs
from xianfeng.community.selectors import civic as selectors
from xianfeng.community.services import Upload
from xianfeng.community.services import civic as services
from xianfeng.orgs.enums import Region
from xianfeng.orgs.selectors import orgs_managed_by
from xianfeng.people.selectors import member_of


def _error(request: HttpRequest, exc: Exception) -> None:
    messages.error(request, getattr(exc, "message", None) or str(exc) or "没有权限")


def _photo(request: HttpRequest) -> Upload | None:
    f = request.FILES.get("photo")
    return Upload(handle=f, size=f.size or 0) if f is not None else None


@require_GET
def projects(request: HttpRequest) -> HttpResponse:
    """Every public project, for everyone: candidates, what was approved, progress."""
    user: Any = request.user
    form = ProjectFilterForm(request.GET or None)
    filters = selectors.ProjectFilters()
    if form.is_valid():
        d = form.cleaned_data
        org = community_orgs().filter(code=d["org"]).first() if d["org"] else None
        filters = selectors.ProjectFilters(org=org, state=d["state"])
    page = keyset_page_by(request, selectors.project_list(user, filters), selectors.PROJECT_KEYS)
    return render(
        request,
        "community/projects.html",
        {
            "page": page,
            "query": query_without(request, "after", "page"),
            "form": form,
            "filters": filters,
            "towns": list(community_orgs().filter(region=Region.TOWN).only("code", "name")),
            "rounds": selectors.open_rounds_for(user),
            "to_review": selectors.projects_to_review(user).count()
            if getattr(user, "is_authenticated", False)
            else 0,
        },
    )


@require_GET
def project(request: HttpRequest, pk: int) -> HttpResponse:
    user: Any = request.user
    item = selectors.get_project_for_user(user, pk)
    vote_round = item.round
    open_now = vote_round is not None and selectors.round_is_open(vote_round)
    mine = selectors.my_ballots(user, vote_round) if open_now else set()
    officer = rules.manages(user, item.org)
    rating = selectors.projects_rating([item]).get(item.pk)
    return render(
        request,
        "community/project.html",
        {
            "project": item,
            "round": vote_round,
            "open_now": open_now,
            "voted": item.pk in mine,
            "votes_left": (vote_round.votes_each - len(mine)) if vote_round else 0,
            "can_vote": open_now
            and item.state == ProjectState.CANDIDATE
            and rules.lives_in(user, item.org),
            "show_votes": vote_round is not None and selectors.results_shown(vote_round),
            "ballot_count": item.ballots.count() if vote_round is not None else 0,
            "log": selectors.project_log(item),
            "comments": selectors.project_comments(item),
            "can_review": officer and item.state == ProjectState.PENDING,
            "can_update": officer and item.state in PROJECT_WORK_STATES,
            "can_rate": item.state == ProjectState.DONE and rules.lives_in(user, item.org),
            "my_rating": selectors.my_rating(user, item),
            "rating": rating,
            "signed_in": bool(getattr(user, "is_authenticated", False)),
        },
    )


PROJECT_ACTIONS = {"vote", "unvote", "review", "progress", "comment", "rate"}


@login_required
@require_POST
def project_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    if action not in PROJECT_ACTIONS:
        raise Http404("没有这个操作")
    item = selectors.get_project_for_user(request.user, pk)
    post, actor = request.POST, request.user
    try:
        if action == "vote":
            services.ballot_cast(actor=actor, project=item)
            messages.success(request, "投票成功，截止前可以改投")
        elif action == "unvote":
            services.ballot_withdraw(actor=actor, project=item)
            messages.success(request, "已撤回这一票")
        elif action == "review":
            approve = post.get("decision") == "approve"
            services.project_review(
                actor=actor, project=item, approve=approve, note=post.get("note", "")
            )
            messages.success(request, "已列为候选项目" if approve else "已退回")
        elif action == "progress":
            services.project_progress(
                actor=actor,
                project=item,
                note=post.get("note", ""),
                state=post.get("state", ""),
                photo=_photo(request),
            )
            messages.success(request, "进展已公布")
        elif action == "comment":
            services.project_comment(actor=actor, project=item, text=post.get("text", ""))
            messages.success(request, "留言已发布")
        else:
            score = ascii_int(post.get("score", "")) or 0
            services.project_rate(actor=actor, project=item, score=score)
            messages.success(request, "谢谢您的评价")
    except (Refused, PermissionDenied) as exc:
        _error(request, exc)
    if post.get("back") == "round" and item.round_id is not None:
        return redirect("community:round", pk=item.round_id)  # voted from the vote's page
    return redirect("community:project", pk=item.pk)


@require_GET
def project_photo(request: HttpRequest, pk: int, update_id: int = 0) -> FileResponse:
    """A project's photo (or a progress entry's), to whoever may see the project."""
    item = selectors.get_project_for_user(request.user, pk)
    row: Any = item
    if update_id:
        row = item.updates.filter(pk=update_id).first()
        if row is None:
            raise Http404("找不到该照片")
    field = row.thumb if request.GET.get("size") == "thumb" else row.image
    if not field:
        raise Http404("找不到该照片")
    try:
        handle = field.open("rb")
    except OSError as exc:
        raise Http404("文件不存在") from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def project_new(request: AuthedRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProjectForm(request.POST, request.FILES)
        if form.is_valid():
            d = form.cleaned_data
            try:
                item = services.project_propose(
                    actor=user,
                    org=d["org"],
                    title=d["title"],
                    description=d["description"],
                    cost_yuan=d["cost_yuan"],
                    photo=_photo(request),
                )
            except Refused as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            except PermissionDenied as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    "项目已列为候选"
                    if item.state == ProjectState.CANDIDATE
                    else "提议已提交，村社区支部审核后列为候选",
                )
                return redirect("community:project", pk=item.pk)
    else:
        member = member_of(user)
        form = ProjectForm(initial={"org": user.home_org_id or (member.org_id if member else None)})
    return render(request, "community/project_new.html", {"form": form})


@require_GET
def vote_round(request: HttpRequest, pk: int) -> HttpResponse:
    """A vote's page: its candidates, the person's votes, standings when they are shown."""
    user: Any = request.user
    item = selectors.get_round(pk)
    open_now = selectors.round_is_open(item)
    mine = selectors.my_ballots(user, item)
    return render(
        request,
        "community/round.html",
        {
            "round": item,
            "projects": selectors.round_projects(item),
            "open_now": open_now,
            "mine": mine,
            "votes_left": item.votes_each - len(mine),
            "can_vote": open_now and rules.lives_in(user, item.org),
            "show_votes": selectors.results_shown(item),
            "can_count": item.counted_at is None
            and timezone.now() >= item.closes_at
            and rules.manages(user, item.org),
            "signed_in": bool(getattr(user, "is_authenticated", False)),
        },
    )


@login_required
@require_POST
def round_count(request: AuthedRequest, pk: int) -> HttpResponse:
    item = selectors.get_round(pk)
    try:
        approved = services.round_count(item=item, actor=request.user)
        messages.success(request, f"计票完成，{len(approved)} 个项目立项")
    except (Refused, PermissionDenied) as exc:
        _error(request, exc)
    return redirect("community:round", pk=item.pk)


def _round_orgs(user: Any) -> Any:
    return community_orgs().filter(
        pk__in=list(orgs_managed_by(user, REVIEW_ROLES).values_list("pk", flat=True)[:500])
    )


@login_required
@require_http_methods(["GET", "POST"])
def round_new(request: AuthedRequest) -> HttpResponse:
    orgs = _round_orgs(request.user)
    if not orgs.exists():
        raise PermissionDenied("只有村社区支部的书记或支委可以发起投票")
    form = RoundForm(request.POST or None, orgs=orgs)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            item = services.round_open(
                actor=request.user,
                org=d["org"],
                title=d["title"],
                opens_at=d["opens_at"],
                closes_at=d["closes_at"],
                votes_each=d["votes_each"],
                winners=d["winners"],
                budget_yuan=d["budget_yuan"] or 0,
                show_live=d["show_live"],
            )
        except Refused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "投票已发起，本村社区的候选项目已加入")
            return redirect("community:round", pk=item.pk)
    return render(request, "community/round_new.html", {"form": form})
