"""Contests for mobile clients: contests, entering, deciding, judging, voting, results."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Field, Path, Schema

from xianfeng.common.apitools import ApiRouter, Id, errors
from xianfeng.contests import services
from xianfeng.contests.enums import RoundState
from xianfeng.contests.models import Award, Entry, Review, Round
from xianfeng.contests.rules import can_organise
from xianfeng.contests.selectors import (
    contests_visible_to,
    get_contest_for_user,
    judge_of,
    judge_queue,
    my_entries,
    queue_entry_for_judge,
    round_ranking,
    standings_to_decide,
)
from xianfeng.lessons.selectors import lessons_visible_to
from xianfeng.media.selectors import video_hls_url, video_mp4_url

router = ApiRouter(tags=["竞赛评比"])

# A round's number within its contest (1: the branch round, …).
RoundNumber = Annotated[int, Path(ge=1, le=100)]


class RoundOut(Schema):
    number: int
    name: str
    level: str
    state: str
    starts_on: datetime.date
    ends_on: datetime.date
    quota: int
    aggregation: str
    vote_share: int
    blind: bool
    criteria: list[dict[str, Any]]


class ContestOut(Schema):
    id: int
    title: str
    theme: str
    org: str
    state: str
    starts_on: datetime.date
    ends_on: datetime.date


class ContestDetail(ContestOut):
    description: str
    rounds: list[RoundOut]
    my_entries: list[dict[str, Any]]
    awards: list[dict[str, Any]]


def _contest(c: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "title": c.title,
        "theme": c.theme,
        "org": c.org.name,
        "state": c.state,
        "starts_on": c.starts_on,
        "ends_on": c.ends_on,
    }


def _round_out(r: Round) -> dict[str, Any]:
    return {
        "number": r.number,
        "name": r.name,
        "level": r.level,
        "state": r.state,
        "starts_on": r.starts_on,
        "ends_on": r.ends_on,
        "quota": r.quota,
        "aggregation": r.aggregation,
        "vote_share": r.vote_share,
        "blind": r.blind,
        "criteria": [
            {
                "id": c.pk,
                "name": c.name,
                "weight": str(c.weight),
                "max_score": c.max_score,
                "counted": c.counted,
            }
            for c in r.criteria.all()
        ],
    }


@router.get("/", response=list[ContestOut], summary="我能看到的竞赛")
def contest_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_contest(c) for c in contests_visible_to(request.user).select_related("org")[:100]]


@router.get(
    "/{contest_id}",
    response={200: ContestDetail, **errors(404)},
    summary="竞赛详情、我的作品与获奖名单",
)
def contest_detail(request: HttpRequest, contest_id: Id) -> dict[str, Any]:
    contest = get_contest_for_user(request.user, contest_id)
    rounds = contest.rounds.order_by("number").prefetch_related("criteria")
    return {
        **_contest(contest),
        "description": contest.description,
        "rounds": [_round_out(r) for r in rounds],
        "my_entries": [
            {
                "id": v.entry.pk,
                "code": v.entry.code,
                "lesson": v.entry.lesson.title,
                "results": [{"round": r.number, "result": shown} for r, shown in v.results],
            }
            for v in my_entries(request.user, contest)
        ],
        "awards": [
            {
                "id": a.pk,
                "label": a.label,
                "rank": a.rank,
                "lesson": a.entry.lesson.title if a.entry else None,
                "speaker": a.entry.lesson.speaker_name if a.entry else None,
                "org": a.org.name if a.org else None,
            }
            for a in Award.objects.filter(contest=contest).select_related("entry__lesson", "org")
        ],
    }


class EnterIn(Schema):
    lesson_id: Id


@router.post(
    "/{contest_id}/entries",
    response={200: dict[str, Any], **errors(400, 403, 404)},
    summary="报名（本人或由支部推荐）",
)
def enter(request: HttpRequest, contest_id: Id, body: EnterIn) -> dict[str, Any]:
    contest = get_contest_for_user(request.user, contest_id)
    lesson = (
        lessons_visible_to(request.user)
        .filter(pk=body.lesson_id)
        .select_related("video", "org", "speaker")
        .first()
    )
    if lesson is None:
        raise Http404("找不到该微党课")
    entry = services.entry_submit(actor=request.user, contest=contest, lesson=lesson)
    return {"id": entry.pk, "code": entry.code}


class DecideIn(Schema):
    decision: str = Field(..., max_length=20)


@router.get(
    "/{contest_id}/rounds/{number}/decisions",
    response={200: list[dict[str, Any]], **errors(404)},
    summary="待我推荐的作品",
)
def decisions(request: HttpRequest, contest_id: Id, number: RoundNumber) -> list[dict[str, Any]]:
    contest = get_contest_for_user(request.user, contest_id)
    round_ = contest.rounds.filter(number=number).first()
    if round_ is None:
        raise Http404("找不到该轮次")
    return [
        {
            "standing_id": s.pk,
            "code": s.entry.code,
            "lesson": s.entry.lesson.title,
            "org": s.decider.name,
            "decision": s.decision,
        }
        for s in standings_to_decide(request.user, round_)
    ]


@router.post(
    "/{contest_id}/rounds/{number}/decisions/{standing_id}",
    response={200: dict[str, Any], **errors(400, 403, 404)},
    summary="推荐晋级或不晋级",
)
def decide(
    request: HttpRequest, contest_id: Id, number: RoundNumber, standing_id: Id, body: DecideIn
) -> dict[str, Any]:
    contest = get_contest_for_user(request.user, contest_id)
    round_ = contest.rounds.filter(number=number).first()
    standing = (
        standings_to_decide(request.user, round_).filter(pk=standing_id).first() if round_ else None
    )
    if standing is None:
        raise Http404("找不到该作品")
    saved = services.standing_decide(actor=request.user, standing=standing, decision=body.decision)
    return {"standing_id": saved.pk, "decision": saved.decision}


class QueueOut(Schema):
    done: int
    total: int
    entries: list[dict[str, Any]]


def _judge_round(request: HttpRequest, contest_id: int, number: int) -> Round:
    contest = get_contest_for_user(request.user, contest_id)
    round_ = contest.rounds.filter(number=number).first()
    if round_ is None or judge_of(request.user, round_) is None:
        raise Http404("您不是本轮评委")
    return round_


def _entry_for_judge(entry: Entry, round_: Round) -> dict[str, Any]:
    """What a judge sees: no speaker or org in blind mode."""
    version = entry.versions.order_by("-number").first()
    video = version.video if version else None
    data: dict[str, Any] = {
        "id": entry.pk,
        "code": entry.code,
        "title": entry.lesson.title,
        "story": entry.lesson.story,
        "reflection": entry.lesson.reflection,
        "question": entry.lesson.question,
        "hls": video_hls_url(video),
        "mp4": video_mp4_url(video),
        "version": version.number if version else None,
    }
    if not round_.blind:
        data["speaker"] = entry.lesson.speaker_name
        data["org"] = entry.org.name
    return data


@router.get(
    "/{contest_id}/rounds/{number}/queue",
    response={200: QueueOut, **errors(404)},
    summary="评委的评审队列（评得最少的在前）",
)
def queue(request: HttpRequest, contest_id: Id, number: RoundNumber) -> dict[str, Any]:
    round_ = _judge_round(request, contest_id, number)
    items = judge_queue(request.user, round_)
    return {
        "done": sum(1 for i in items if i.mine is not None),
        "total": len(items),
        "entries": [
            {
                "id": i.entry.pk,
                "code": i.entry.code,
                "title": i.entry.lesson.title,
                "reviewed": i.mine is not None,
                **(
                    {}
                    if round_.blind
                    else {"speaker": i.entry.lesson.speaker_name, "org": i.entry.org.name}
                ),
            }
            for i in items
        ],
    }


@router.get(
    "/{contest_id}/rounds/{number}/entries/{entry_id}",
    response={200: dict[str, Any], **errors(404)},
    summary="评委查看作品",
)
def judge_entry(
    request: HttpRequest, contest_id: Id, number: RoundNumber, entry_id: Id
) -> dict[str, Any]:
    round_ = _judge_round(request, contest_id, number)
    entry = queue_entry_for_judge(request.user, round_, entry_id)
    data = _entry_for_judge(entry, round_)
    user: Any = request.user
    mine = Review.objects.filter(round=round_, entry=entry, judge=user).first()
    data["my_review"] = (
        {"scores": mine.scores, "abstained": mine.abstained, "feedback": mine.feedback}
        if mine
        else None
    )
    if mine is not None and round_.judges_see_others:
        data["others"] = [
            {"scores": r.scores, "abstained": r.abstained}
            for r in Review.objects.filter(round=round_, entry=entry).exclude(judge=user)
        ]
    return data


class ReviewIn(Schema):
    scores: dict[str, Annotated[Decimal, Field(allow_inf_nan=False, max_digits=12)]] = Field(
        {}, max_length=100, description="评分细则 id → 分数"
    )
    feedback: str = Field("", max_length=5000)
    abstain: bool = False


@router.put(
    "/{contest_id}/rounds/{number}/entries/{entry_id}/review",
    response={200: dict[str, Any], **errors(400, 403, 404)},
    summary="提交或修改评分",
)
def review(
    request: HttpRequest, contest_id: Id, number: RoundNumber, entry_id: Id, body: ReviewIn
) -> dict[str, Any]:
    round_ = _judge_round(request, contest_id, number)
    entry = queue_entry_for_judge(request.user, round_, entry_id)
    saved = services.review_save(
        judge=request.user,
        round_=round_,
        entry=entry,
        scores=body.scores,
        feedback=body.feedback,
        abstain=body.abstain,
    )
    nxt = next((i.entry.pk for i in judge_queue(request.user, round_) if i.mine is None), None)
    return {"review_id": saved.pk, "next_entry_id": nxt}


@router.post(
    "/{contest_id}/rounds/{number}/votes/{entry_id}",
    response={200: dict[str, Any], **errors(400, 403, 404)},
    summary="群众投票（每人每件作品一票）",
)
def vote(request: HttpRequest, contest_id: Id, number: RoundNumber, entry_id: Id) -> dict[str, Any]:
    contest = get_contest_for_user(request.user, contest_id)
    round_ = contest.rounds.filter(number=number).first()
    entry = Entry.objects.filter(pk=entry_id, standings__round=round_).first() if round_ else None
    if round_ is None or entry is None:
        raise Http404("找不到该作品")
    services.vote_cast(user=request.user, round_=round_, entry=entry)
    return {"voted": True}


@router.get(
    "/{contest_id}/rounds/{number}/ranking",
    response={200: list[dict[str, Any]], **errors(403, 404)},
    summary="排名（主办方，或公布后）",
)
def ranking(request: HttpRequest, contest_id: Id, number: RoundNumber) -> list[dict[str, Any]]:
    contest = get_contest_for_user(request.user, contest_id)
    round_ = contest.rounds.filter(number=number).first()
    if round_ is None:
        raise Http404("找不到该轮次")
    if not can_organise(request.user, contest) and round_.state != RoundState.PUBLISHED:
        raise PermissionDenied("结果尚未公布")
    rows = round_ranking(round_)
    entries = {
        e.pk: e
        for e in Entry.objects.filter(pk__in=[r.entry_id for r in rows]).select_related(
            "lesson", "org"
        )
    }
    return [
        {
            "rank": r.rank,
            "code": r.code,
            "title": entries[r.entry_id].lesson.title,
            "speaker": entries[r.entry_id].lesson.speaker_name,
            "org": entries[r.entry_id].org.name,
            "judge_score": r.judge_score,
            "vote_score": r.vote_score,
            "final": r.final,
            "reviews": r.reviews,
        }
        for r in rows
    ]
