from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from xianfeng.common.errors import Refused
from xianfeng.common.parse import int_param
from xianfeng.common.types import AuthedRequest
from xianfeng.contests import services
from xianfeng.contests.certificates import certificate_pdf
from xianfeng.contests.enums import ContestState, Decision, Level, RoundState
from xianfeng.contests.exports import results_workbook
from xianfeng.contests.forms import AwardsForm, ContestForm, JudgeForm, RoundForm
from xianfeng.contests.models import Award, Contest, Entry, Review, Round, Standing, Vote
from xianfeng.contests.rules import ORGANISER_ROLES, can_decide, can_organise
from xianfeng.contests.scoring import TIE_BREAK_RULES
from xianfeng.contests.selectors import (
    contests_visible_to,
    get_contest_for_user,
    get_round,
    judge_of,
    judge_queue,
    my_entries,
    queue_entry_for_judge,
    ranking_page,
    round_ranking,
    standings_to_decide,
)
from xianfeng.lessons.enums import LessonState
from xianfeng.lessons.models import Lesson
from xianfeng.lessons.rules import LESSON_MANAGE_ROLES, is_lesson_owner
from xianfeng.lessons.selectors import showcases_curated_by
from xianfeng.notify.selectors import latest_reach_about
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.rules import holds_any
from xianfeng.orgs.selectors import orgs_managed_by
from xianfeng.people.selectors import user_by_login


def _messages_for(request: AuthedRequest, exc: Exception) -> None:
    messages.error(request, getattr(exc, "message", None) or str(exc))


def _post_int(request: AuthedRequest, name: str) -> int | None:
    """An id from the posted form (None when missing); a malformed one is a 400."""
    return int_param(request.POST.get(name), field=name)


def _round(contest: Contest, number: int | None) -> Round:
    return get_round(contest, number)


@login_required
def contest_list(request: AuthedRequest) -> HttpResponse:
    contests = (
        contests_visible_to(request.user).select_related("org").order_by("-starts_on", "-id")[:100]
    )
    can_create = holds_any(request.user, ORGANISER_ROLES)
    return render(request, "contests/list.html", {"contests": contests, "can_create": can_create})


@login_required
@require_http_methods(["GET", "POST"])
def contest_create(request: AuthedRequest) -> HttpResponse:
    orgs = orgs_managed_by(request.user, ORGANISER_ROLES).filter(
        kind__in=[OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE, OrgKind.GENERAL_BRANCH]
    )
    if not orgs.exists():
        raise PermissionDenied("只有党委、党工委的管理员可以举办竞赛")
    form = ContestForm(request.POST or None, orgs=orgs.order_by("path"))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            contest = services.contest_create(
                actor=request.user,
                org=d["org"],
                title=d["title"],
                theme=d["theme"],
                description=d["description"],
                starts_on=d["starts_on"],
                ends_on=d["ends_on"],
                recurrence=d.get("recurrence") or "",
            )
        except Refused as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "竞赛已建立，请设置评选轮次")
            return redirect("contests:detail", pk=contest.pk)
    return render(request, "contests/form.html", {"form": form})


def _enterable_lessons(request: AuthedRequest, contest: Contest) -> Any:
    """Published lessons the person may enter: their own, or those of orgs they manage."""
    managed = orgs_managed_by(request.user, LESSON_MANAGE_ROLES).values("pk")
    entered = Entry.objects.filter(contest=contest).values("lesson_id")
    return (
        Lesson.objects.filter(state=LessonState.PUBLISHED)
        .filter(
            Q(author_id=request.user.pk) | Q(speaker__user_id=request.user.pk) | Q(org__in=managed)
        )
        .exclude(pk__in=entered)
        .order_by("-published_at")
    )


@login_required
def contest_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    contest = get_contest_for_user(request.user, pk)
    rounds = list(contest.rounds.order_by("number").prefetch_related("criteria"))
    organiser = can_organise(request.user, contest)
    first = rounds[0] if rounds else None
    judging = {r.pk for r in rounds if judge_of(request.user, r) is not None}
    deciding = {
        r.pk
        for r in rounds
        if r.level != Level.ORGANISER and standings_to_decide(request.user, r).exists()
    }
    awards = list(
        Award.objects.filter(contest=contest)
        .select_related("entry__lesson", "org")
        .order_by("rank", "id")
    )
    mine = my_entries(request.user, contest)
    my_award_ids = {a.pk for a in awards if a.entry and any(v.entry.pk == a.entry_id for v in mine)}
    # The channels this person curates, for 加入我的展播 (only when there is something to add).
    curated = (
        list(
            showcases_curated_by(request.user)
            .select_related("org")
            .order_by("org__path", "title")[:100]
        )
        if any(a.entry_id for a in awards)
        else []
    )
    return render(
        request,
        "contests/detail.html",
        {
            "contest": contest,
            "rounds": rounds,
            "organiser": organiser,
            "accepting": contest.state == ContestState.OPEN
            and first is not None
            and first.state == RoundState.OPEN,
            "lessons": _enterable_lessons(request, contest)
            if contest.state == ContestState.OPEN
            else [],
            "mine": mine,
            "judging": judging,
            "deciding": deciding,
            "awards": awards,
            "my_award_ids": my_award_ids,
            "curated_channels": curated,
            "round_form": RoundForm()
            if organiser and contest.state != ContestState.FINISHED
            else None,
            "judge_form": JudgeForm() if organiser else None,
            "awards_form": AwardsForm() if organiser else None,
            "levels": Level,
            # How the latest published results reached the entrants (for the organiser).
            "notice_reach": latest_reach_about(
                contest, kinds_in=("contest.result", "contest.award")
            )
            if organiser
            else None,
        },
    )


@login_required
@require_POST
def contest_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    contest = get_contest_for_user(request.user, pk)
    try:
        if action == "open":
            services.contest_open(actor=request.user, contest=contest)
            messages.success(request, "竞赛已开始，第一轮开始报名")
        elif action == "enter":
            lesson = (
                _enterable_lessons(request, contest).filter(pk=_post_int(request, "lesson")).first()
            )
            if lesson is None:
                raise Refused("请选择一节已发布的微党课")
            entry = services.entry_submit(actor=request.user, contest=contest, lesson=lesson)
            messages.success(request, f"已报名，作品编号 {entry.code}")
        elif action == "round":
            form = RoundForm(request.POST)
            if not form.is_valid():
                raise Refused("；".join(str(e) for errs in form.errors.values() for e in errs))
            d = form.cleaned_data
            services.round_add(
                actor=request.user,
                contest=contest,
                name=d["name"],
                level=d["level"],
                starts_on=d["starts_on"],
                ends_on=d["ends_on"],
                quota=d["quota"],
                aggregation=d["aggregation"],
                vote_share=d["vote_share"],
                blind=d["blind"],
                judges_see_others=d["judges_see_others"],
                criteria=form.criteria(),
                on_stage=d["on_stage"],
                warn_seconds=form.stage_timing()[0],
                stop_seconds=form.stage_timing()[1],
                show_judge_scores=d["show_judge_scores"],
            )
            messages.success(request, "已添加评选轮次")
        elif action == "judge":
            round_ = _round(contest, _post_int(request, "round"))
            who = user_by_login(request.POST.get("who", ""))
            if who is None:
                raise Refused("找不到该用户，请核对手机号或用户名")
            services.judge_assign(actor=request.user, round_=round_, user=who)
            messages.success(request, f"已聘请 {who.name} 为{round_.name}评委")
        elif action == "publish":
            round_ = _round(contest, _post_int(request, "round"))
            services.round_publish(actor=request.user, round_=round_)
            messages.success(request, f"{round_.name}结果已公布")
        elif action == "awards":
            awards_form = AwardsForm(request.POST)
            if not awards_form.is_valid():
                raise Refused("请填写各奖项名额")
            awards = services.awards_assign(
                actor=request.user, contest=contest, counts=awards_form.cleaned_data
            )
            messages.success(request, f"已评定 {len(awards)} 个奖项并通知获奖者")
        elif action == "org_award":
            org = (
                orgs_managed_by(request.user, ORGANISER_ROLES)
                .filter(code=request.POST.get("org", ""))
                .first()
            )
            if org is None:
                raise Refused("找不到该组织代码")
            services.org_award_give(actor=request.user, contest=contest, org=org)
            messages.success(request, f"已授予{org.name}优秀组织奖")
        elif action == "showcase":
            showcase = services.awards_to_showcase(actor=request.user, contest=contest)
            messages.success(request, f"获奖作品已加入“{showcase.title}”")
            return redirect("lessons:showcase", pk=showcase.pk)
        elif action == "to_channel":
            # Any curator, any contest they may see (get_contest_for_user above), any
            # channel they curate; another's channel is a 404 like a missing one.
            showcase_id = _post_int(request, "showcase")
            showcase = (
                showcases_curated_by(request.user)
                .select_related("org")
                .filter(pk=showcase_id or 0)
                .first()
            )
            if showcase is None:
                raise Http404("找不到该展播")
            added, hidden = services.awards_to_channel(
                actor=request.user, contest=contest, showcase=showcase
            )
            note = f"，{hidden} 节您看不到的作品未加入" if hidden else ""
            messages.success(request, f"已把 {added} 节获奖作品加入“{showcase.title}”{note}")
            return redirect("lessons:showcase_manage", pk=showcase.pk)
        else:
            raise Http404("未知操作")
    except (Refused, PermissionDenied) as exc:
        _messages_for(request, exc)
    return redirect("contests:detail", pk=contest.pk)


@login_required
def decide(request: AuthedRequest, pk: int, number: int) -> HttpResponse:
    """A branch or committee decides which entries go up (within its quota)."""
    contest = get_contest_for_user(request.user, pk)
    round_ = _round(contest, number)
    standings = list(standings_to_decide(request.user, round_))
    if not standings and not can_organise(request.user, contest):
        raise Http404("您在本轮没有需要推荐的作品")
    if request.method == "POST":
        standing = next((s for s in standings if s.pk == _post_int(request, "standing")), None)
        if standing is None:
            raise Http404("找不到该作品")
        try:
            services.standing_decide(
                actor=request.user, standing=standing, decision=request.POST.get("decision", "")
            )
        except (Refused, PermissionDenied) as exc:
            _messages_for(request, exc)
        return redirect("contests:decide", pk=pk, number=number)
    scores = {s.entry_id: s for s in round_ranking(round_)} if round_.criteria.exists() else {}
    deciders: dict[int, dict[str, Any]] = {}
    for s in standings:
        group = deciders.setdefault(s.decider_id, {"org": s.decider, "rows": [], "used": 0})
        group["rows"].append({"standing": s, "score": scores.get(s.entry_id)})
        group["used"] += s.decision == Decision.ADVANCED
    return render(
        request,
        "contests/decide.html",
        {
            "contest": contest,
            "round": round_,
            "groups": list(deciders.values()),
            "Decision": Decision,
        },
    )


@login_required
def judge_home(request: AuthedRequest, pk: int, number: int) -> HttpResponse:
    contest = get_contest_for_user(request.user, pk)
    round_ = _round(contest, number)
    if judge_of(request.user, round_) is None:
        raise Http404("您不是本轮评委")
    if round_.on_stage:
        return redirect("contests:stage_judge", pk=pk, number=number)
    queue = judge_queue(request.user, round_)
    done = sum(1 for item in queue if item.mine is not None)
    return render(
        request,
        "contests/judge_queue.html",
        {"contest": contest, "round": round_, "queue": queue, "done": done, "total": len(queue)},
    )


def _next_for_judge(user: Any, round_: Round, after: int | None = None) -> Entry | None:
    for item in judge_queue(user, round_):
        if item.mine is None and item.entry.pk != after:
            return item.entry
    return None


@login_required
@require_http_methods(["GET", "POST"])
def judge_entry(request: AuthedRequest, pk: int, number: int, entry_id: int) -> HttpResponse:
    """Score one entry; "save and next" goes to the entry with the fewest reviews."""
    contest = get_contest_for_user(request.user, pk)
    round_ = _round(contest, number)
    if judge_of(request.user, round_) is None:
        raise Http404("您不是本轮评委")
    entry = queue_entry_for_judge(request.user, round_, entry_id)
    criteria = list(round_.criteria.order_by("order", "id"))
    mine = Review.objects.filter(round=round_, entry=entry, judge=request.user).first()
    error = ""
    if request.method == "POST":
        scores = {c.pk: request.POST.get(f"score_{c.pk}", "") for c in criteria}
        try:
            services.review_save(
                judge=request.user,
                round_=round_,
                entry=entry,
                scores=scores,
                feedback=request.POST.get("feedback", ""),
                abstain=request.POST.get("abstain") == "1",
            )
        except (Refused, PermissionDenied) as exc:
            error = getattr(exc, "message", None) or str(exc)
        else:
            if request.POST.get("next") == "1":
                nxt = _next_for_judge(request.user, round_, after=entry.pk)
                if nxt is not None:
                    return redirect("contests:judge_entry", pk=pk, number=number, entry_id=nxt.pk)
                messages.success(request, "本轮作品已全部评完，谢谢！")
                return redirect("contests:judge", pk=pk, number=number)
            messages.success(request, "已保存")
            return redirect("contests:judge_entry", pk=pk, number=number, entry_id=entry.pk)
    queue = judge_queue(request.user, round_)
    done = sum(1 for item in queue if item.mine is not None)
    others: list[Review] = []
    if mine is not None and round_.judges_see_others:
        others = list(
            Review.objects.filter(round=round_, entry=entry)
            .exclude(judge=request.user)
            .select_related("judge")
        )
    version = entry.versions.order_by("-number").first()
    values = {
        c.pk: (mine.scores.get(str(c.pk), "") if mine else request.POST.get(f"score_{c.pk}", ""))
        for c in criteria
    }
    return render(
        request,
        "contests/judge_entry.html",
        {
            "contest": contest,
            "round": round_,
            "entry": entry,
            "lesson": entry.lesson,
            "video": version.video if version else None,
            "criteria": [(c, values[c.pk]) for c in criteria],
            "mine": mine,
            "others": others,
            "error": error,
            "done": done,
            "total": len(queue),
            "blind": round_.blind,
        },
    )


@login_required
def ranking(request: AuthedRequest, pk: int, number: int) -> HttpResponse:
    """The organiser's ranking of a round (and everyone's once it is published)."""
    page = ranking_page(request.user, pk, number)
    return render(
        request,
        "contests/ranking.html",
        {
            "contest": page.contest,
            "round": page.round,
            "rows": page.rows,
            "tie_breaks": TIE_BREAK_RULES,
            "organiser": page.organiser,
        },
    )


@login_required
def results_export(request: AuthedRequest, pk: int) -> HttpResponse:
    contest = get_contest_for_user(request.user, pk)
    if not can_organise(request.user, contest):
        raise Http404("找不到该竞赛")
    return results_workbook(contest)


@login_required
def certificate(request: AuthedRequest, pk: int, award_id: int) -> HttpResponseBase:
    """A winner's certificate (the winner, or the organiser)."""
    contest = get_contest_for_user(request.user, pk)
    award = (
        Award.objects.filter(pk=award_id, contest=contest)
        .select_related(
            "entry__lesson__speaker__user", "entry__lesson__author", "entry__org", "org"
        )
        .first()
    )
    if award is None:
        raise Http404("找不到该奖项")
    allowed = can_organise(request.user, contest)
    if award.entry is not None:
        allowed = allowed or is_lesson_owner(request.user, award.entry.lesson)
    elif award.org is not None:
        allowed = allowed or any(r.org_id == award.org_id for r in request.user.roles.all())
    if not allowed:
        raise Http404("找不到该奖项")
    response = FileResponse(
        certificate_pdf(award),
        content_type="application/pdf",
        as_attachment=True,
        filename=f"证书-{award.certificate_no}.pdf",
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def vote(request: AuthedRequest, pk: int, number: int) -> HttpResponse:
    contest = get_contest_for_user(request.user, pk)
    round_ = _round(contest, number)
    if not round_.vote_share:
        raise Http404("本轮没有群众投票")
    if request.method == "POST":
        entry_id = _post_int(request, "entry")
        entry = (
            Entry.objects.filter(pk=entry_id, standings__round=round_).first()
            if entry_id is not None
            else None
        )
        if entry is None:
            raise Http404("找不到该作品")
        try:
            services.vote_cast(user=request.user, round_=round_, entry=entry)
            messages.success(request, f"已为 {entry.code} 投票")
        except (Refused, PermissionDenied) as exc:
            _messages_for(request, exc)
        return redirect("contests:vote", pk=pk, number=number)
    entries = (
        Entry.objects.filter(standings__round=round_)
        .select_related("lesson", "org")
        .order_by("code")
    )
    voted = set(
        Vote.objects.filter(round=round_, user=request.user).values_list("entry_id", flat=True)
    )
    return render(
        request,
        "contests/vote.html",
        {"contest": contest, "round": round_, "entries": entries, "voted": voted},
    )


@login_required
def entry_detail(request: AuthedRequest, pk: int, entry_id: int) -> HttpResponse:
    """An entrant's page: versions, published results and the judges' coaching notes."""
    contest = get_contest_for_user(request.user, pk)
    entry = (
        Entry.objects.filter(pk=entry_id, contest=contest)
        .select_related("lesson__speaker", "org")
        .first()
    )
    if entry is None:
        raise Http404("找不到该作品")
    own = is_lesson_owner(request.user, entry.lesson)
    if not (
        own
        or can_organise(request.user, contest)
        or any(can_decide(request.user, s) for s in entry.standings.all())
    ):
        raise Http404("找不到该作品")
    published_rounds = Round.objects.filter(contest=contest, state=RoundState.PUBLISHED)
    feedback = (
        Review.objects.filter(entry=entry, round__in=published_rounds)
        .exclude(feedback="")
        .select_related("round", "version")
        .order_by("round__number", "id")
    )
    standings = (
        Standing.objects.filter(entry=entry).select_related("round").order_by("round__number")
    )
    return render(
        request,
        "contests/entry.html",
        {
            "contest": contest,
            "entry": entry,
            "versions": entry.versions.select_related("video"),
            "feedback": feedback,
            "standings": standings,
            "own": own,
            "upload_url": reverse("contests:entry", args=[contest.pk, entry.pk]),
        },
    )
