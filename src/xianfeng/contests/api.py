"""Contests for mobile clients: contests, entering, deciding, judging, voting, results."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Field, Path, Schema, Status

from xianfeng.common.apitools import ApiRouter, ErrorOut, Id, errors
from xianfeng.common.errors import Refused
from xianfeng.common.types import actor_of
from xianfeng.contests import services
from xianfeng.contests.enums import (
    STAGE_STOP_SECONDS,
    STAGE_WARN_SECONDS,
    Aggregation,
    Level,
    Recurrence,
)
from xianfeng.contests.models import Award, Entry, Review, Round
from xianfeng.contests.rules import ORGANISER_ROLES, can_organise
from xianfeng.contests.selectors import (
    contests_visible_to,
    get_contest_for_user,
    get_round,
    get_stage_round,
    get_stage_slot,
    judge_of,
    judge_queue,
    my_entries,
    queue_entry_for_judge,
    ranking_page,
    stage_state,
    standings_to_decide,
)
from xianfeng.lessons.selectors import lessons_visible_to
from xianfeng.media.selectors import video_hls_url, video_mp4_url
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.selectors import orgs_managed_by

# Who may hold a contest: the page's rule (党委, 党工委, 党总支).
ORGANISER_ORG_KINDS = [OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE, OrgKind.GENERAL_BRANCH]

router = ApiRouter(tags=["竞赛评比"])

# A round's number within its contest (1: the branch round, …).
RoundNumber = Annotated[int, Path(ge=1, le=100)]


class ContestRoundOut(Schema):
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
    on_stage: bool
    warn_seconds: int
    stop_seconds: int
    show_judge_scores: bool
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
    rounds: list[ContestRoundOut]
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
        "on_stage": r.on_stage,
        "warn_seconds": r.warn_seconds,
        "stop_seconds": r.stop_seconds,
        "show_judge_scores": r.show_judge_scores,
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
    "/{int:contest_id}",
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
    "/{int:contest_id}/entries",
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
    entry = services.entry_submit(actor=actor_of(request), contest=contest, lesson=lesson)
    return {"id": entry.pk, "code": entry.code}


class DecideIn(Schema):
    decision: str = Field(..., max_length=20)


@router.get(
    "/{int:contest_id}/rounds/{number}/decisions",
    response={200: list[dict[str, Any]], **errors(404)},
    summary="待我推荐的作品",
)
def decisions(request: HttpRequest, contest_id: Id, number: RoundNumber) -> list[dict[str, Any]]:
    contest = get_contest_for_user(request.user, contest_id)
    round_ = get_round(contest, number)
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
    "/{int:contest_id}/rounds/{number}/decisions/{int:standing_id}",
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
    saved = services.standing_decide(
        actor=actor_of(request), standing=standing, decision=body.decision
    )
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
    "/{int:contest_id}/rounds/{number}/queue",
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
    "/{int:contest_id}/rounds/{number}/entries/{int:entry_id}",
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


class EntryReviewIn(Schema):
    scores: dict[str, Annotated[Decimal, Field(allow_inf_nan=False, max_digits=12)]] = Field(
        {}, max_length=100, description="评分细则 id → 分数"
    )
    feedback: str = Field("", max_length=5000)
    abstain: bool = False


@router.put(
    "/{int:contest_id}/rounds/{number}/entries/{int:entry_id}/review",
    response={200: dict[str, Any], **errors(400, 403, 404)},
    summary="提交或修改评分",
)
def review(
    request: HttpRequest, contest_id: Id, number: RoundNumber, entry_id: Id, body: EntryReviewIn
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
    "/{int:contest_id}/rounds/{number}/votes/{int:entry_id}",
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
    "/{int:contest_id}/rounds/{number}/ranking",
    response={200: list[dict[str, Any]], **errors(404)},
    summary="排名（主办方，或公布后）",
)
def ranking(request: HttpRequest, contest_id: Id, number: RoundNumber) -> list[dict[str, Any]]:
    page = ranking_page(request.user, contest_id, number)
    return [
        {
            "rank": r.rank,
            "code": r.code,
            "title": entry.lesson.title,
            "speaker": entry.lesson.speaker_name,
            "org": entry.org.name,
            "judge_score": r.judge_score,
            "vote_score": r.vote_score,
            "final": r.final,
            "reviews": r.reviews,
        }
        for r, entry in page.rows
    ]


# --- organising: what the organiser's page does ---------------------------------------------

Score = Annotated[Decimal, Field(ge=0, le=100, max_digits=6, decimal_places=2)]


class ContestIn(Schema):
    org: str = Field(
        ..., max_length=32, description="主办组织代码（本人管理的党委、党工委或党总支）"
    )
    title: str = Field(..., max_length=100)
    theme: str = Field("", max_length=100)
    description: str = Field("", max_length=5000)
    starts_on: datetime.date
    ends_on: datetime.date
    recurrence: Recurrence = Recurrence.NONE


@router.post(
    "/",
    response={201: ContestOut, **errors(400, 403, 404)},
    summary="举办竞赛（党委、党工委的管理员）",
)
def contest_add(request: HttpRequest, body: ContestIn) -> Status[dict[str, Any]]:
    org = (
        orgs_managed_by(request.user, ORGANISER_ROLES)
        .filter(kind__in=ORGANISER_ORG_KINDS, code=body.org)
        .first()
    )
    if org is None:
        raise Http404("找不到该组织")
    contest = services.contest_create(
        actor=actor_of(request),
        org=org,
        title=body.title,
        theme=body.theme,
        description=body.description,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        recurrence=body.recurrence,
    )
    return Status(201, _contest(contest))


class CriterionIn(Schema):
    name: str = Field(..., max_length=30)
    weight: Score
    max_score: int = Field(100, ge=1, le=1000)
    counted: bool = True


class ContestRoundIn(Schema):
    name: str = Field(..., max_length=50)
    level: Level
    starts_on: datetime.date
    ends_on: datetime.date
    quota: int = Field(0, ge=0, le=10_000, description="每个组织可推荐（0 为不限）")
    aggregation: Aggregation = Aggregation.MEAN
    vote_share: int = Field(0, ge=0, le=100)
    blind: bool = False
    judges_see_others: bool = False
    criteria: list[CriterionIn] = Field([], max_length=20)
    on_stage: bool = Field(False, description="现场比赛（走上讲台）：选手现场演讲，评委当场打分")
    warn_seconds: int = Field(STAGE_WARN_SECONDS, ge=30, le=3600, description="演讲提醒时间（秒）")
    stop_seconds: int = Field(STAGE_STOP_SECONDS, ge=60, le=3600, description="演讲限时（秒）")
    show_judge_scores: bool = Field(True, description="大屏显示各评委的分数")


def _organised(request: HttpRequest, contest_id: int) -> Any:
    contest = get_contest_for_user(request.user, contest_id)
    if not can_organise(request.user, contest):
        raise PermissionDenied("只有主办方可以操作")
    return contest


@router.post(
    "/{int:contest_id}/rounds",
    response={200: ContestRoundOut, **errors(400, 403, 404)},
    summary="添加评选轮次（主办方）",
)
def round_add(request: HttpRequest, contest_id: Id, body: ContestRoundIn) -> dict[str, Any]:
    contest = _organised(request, contest_id)
    created = services.round_add(
        actor=actor_of(request),
        contest=contest,
        name=body.name,
        level=body.level,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        quota=body.quota,
        aggregation=body.aggregation,
        vote_share=body.vote_share,
        blind=body.blind,
        judges_see_others=body.judges_see_others,
        on_stage=body.on_stage,
        warn_seconds=body.warn_seconds,
        stop_seconds=body.stop_seconds,
        show_judge_scores=body.show_judge_scores,
        criteria=[
            services.CriterionData(
                name=c.name,
                weight=c.weight,
                max_score=c.max_score,
                counted=c.counted,
                required=c.counted,
            )
            for c in body.criteria
        ],
    )
    return _round_out(Round.objects.prefetch_related("criteria").get(pk=created.pk))


@router.post(
    "/{int:contest_id}/open",
    response={200: ContestOut, **errors(400, 403, 404)},
    summary="开始竞赛（第一轮开始报名）",
)
def contest_open(request: HttpRequest, contest_id: Id) -> dict[str, Any]:
    contest = services.contest_open(
        actor=actor_of(request), contest=_organised(request, contest_id)
    )
    return _contest(contest)


class JudgeIn(Schema):
    who: str = Field(..., max_length=64, description="评委的手机号或用户名")


def _round_of(contest: Any, number: int) -> Round:
    return get_round(contest, number)


@router.post(
    "/{int:contest_id}/rounds/{number}/judges",
    response={200: dict[str, Any], **errors(400, 403, 404)},
    summary="聘请评委（主办方）",
)
def judge_add(
    request: HttpRequest, contest_id: Id, number: RoundNumber, body: JudgeIn
) -> dict[str, Any]:
    from xianfeng.people.selectors import user_by_login

    round_ = _round_of(_organised(request, contest_id), number)
    who = user_by_login(body.who)
    if who is None:
        raise Refused("找不到该用户，请核对手机号或用户名", field="who")
    services.judge_assign(actor=actor_of(request), round_=round_, user=who)
    return {"judge": who.name, "round": round_.number}


@router.post(
    "/{int:contest_id}/rounds/{number}/publish",
    response={200: ContestRoundOut, **errors(400, 403, 404)},
    summary="公布本轮结果（主办方）",
)
def round_publish(request: HttpRequest, contest_id: Id, number: RoundNumber) -> dict[str, Any]:
    round_ = _round_of(_organised(request, contest_id), number)
    services.round_publish(actor=actor_of(request), round_=round_)
    return _round_out(Round.objects.prefetch_related("criteria").get(pk=round_.pk))


AwardCount = Annotated[int, Field(ge=0, le=10_000)]


class AwardsIn(Schema):
    first: AwardCount = 1
    second: AwardCount = 2
    third: AwardCount = 3
    excellent: AwardCount = 4


class OrgAwardIn(Schema):
    org: str = Field(..., max_length=32)


def _awards(contest: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": a.pk,
            "label": a.label,
            "rank": a.rank,
            "lesson": a.entry.lesson.title if a.entry else None,
            "org": a.org.name if a.org else None,
        }
        for a in Award.objects.filter(contest=contest).select_related("entry__lesson", "org")
    ]


@router.post(
    "/{int:contest_id}/awards",
    response={200: list[dict[str, Any]], **errors(400, 403, 404)},
    summary="评定奖项并公布终评（主办方）",
)
def awards(request: HttpRequest, contest_id: Id, body: AwardsIn) -> list[dict[str, Any]]:
    contest = _organised(request, contest_id)
    services.awards_assign(actor=actor_of(request), contest=contest, counts=body.dict())
    return _awards(contest)


@router.post(
    "/{int:contest_id}/org-awards",
    response={200: list[dict[str, Any]], **errors(400, 403, 404)},
    summary="授予优秀组织奖（主办方）",
)
def org_award(request: HttpRequest, contest_id: Id, body: OrgAwardIn) -> list[dict[str, Any]]:
    contest = _organised(request, contest_id)
    org = orgs_managed_by(request.user, ORGANISER_ROLES).filter(code=body.org).first()
    if org is None:
        raise Http404("找不到该组织")
    services.org_award_give(actor=actor_of(request), contest=contest, org=org)
    return _awards(contest)


@router.post(
    "/{int:contest_id}/showcase",
    response={200: dict[str, Any], **errors(400, 403, 404)},
    summary="获奖作品加入展播（主办方）",
)
def showcase(request: HttpRequest, contest_id: Id) -> dict[str, Any]:
    show = services.awards_to_showcase(
        actor=actor_of(request), contest=_organised(request, contest_id)
    )
    return {"showcase_id": show.pk, "title": show.title}


# --- on-stage rounds (走上讲台) ----------------------------------------------------------


class StageSlotOut(Schema):
    entry_id: int
    position: int
    code: str
    speaker: str
    org: str
    topic: str
    state: str
    state_label: str
    started_at: str | None
    ended_at: str | None
    score: str | None = Field(None, description="揭晓后的得分（揭晓前不返回）")
    rank: int | None = Field(None, description="在已揭晓选手中的名次")
    judge_totals: list[str] = Field([], description="各评委总分（竞赛设置为显示时）")
    dropped: list[int] = Field([], description="去掉的最高分和最低分在 judge_totals 中的位置")
    submitted: int | None = Field(None, description="已提交评分的评委数（仅主办方）")
    mine: bool | None = Field(None, description="我的评分是否已送达（仅评委）")
    my_key: str | None = Field(None, description="我最近一次送达的提交标识（仅评委）")


class StageOut(Schema):
    round: int
    name: str
    contest: str
    now: str
    warn_seconds: int
    stop_seconds: int
    aggregation: str
    show_judge_scores: bool
    judges: int | None
    current: int | None
    slots: list[StageSlotOut]


class StageConflictOut(ErrorOut):
    retry: bool = Field(
        ..., description="true：演讲尚未结束，稍后重发；false：成绩已揭晓，不会再收"
    )


@router.get(
    "/{int:contest_id}/rounds/{number}/stage",
    response={200: StageOut, **errors(404)},
    summary="现场比赛的出场顺序、计时和已揭晓的成绩（大屏、主持人、评委轮询）",
)
def stage(request: HttpRequest, contest_id: Id, number: RoundNumber) -> dict[str, Any]:
    contest, round_ = get_stage_round(request.user, contest_id, number)
    return stage_state(request.user, contest, round_)


class StageScoreIn(EntryReviewIn):
    key: str = Field(
        "",
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]*$",
        description="设备为这次提交生成的标识：断网后重发同一标识只记一次",
    )


@router.put(
    "/{int:contest_id}/rounds/{number}/stage/{int:entry_id}/score",
    response={200: dict[str, Any], 409: StageConflictOut, **errors(400, 403, 404)},
    summary="评委现场评分（演讲结束后送达；揭晓后锁定；同一标识重发只记一次）",
)
def stage_score(
    request: HttpRequest, contest_id: Id, number: RoundNumber, entry_id: Id, body: StageScoreIn
) -> Any:
    _, round_ = get_stage_round(request.user, contest_id, number)
    if judge_of(request.user, round_) is None:
        raise Http404("您不是本轮评委")
    entry = queue_entry_for_judge(request.user, round_, entry_id)
    try:
        saved = services.review_save(
            judge=request.user,
            round_=round_,
            entry=entry,
            scores=body.scores,
            feedback=body.feedback,
            abstain=body.abstain,
            client_key=body.key,
        )
    except services.StageRefused as exc:
        return Status(409, {"detail": exc.message, "field": None, "retry": exc.retry})
    return {"review_id": saved.pk, "key": saved.client_key}


class StageActionIn(Schema):
    allow_missing: bool = Field(False, description="揭晓时：有评委未提交也揭晓")


@router.post(
    "/{int:contest_id}/rounds/{number}/stage/{int:entry_id}/{action}",
    response={200: StageOut, **errors(400, 403, 404)},
    summary="主持人：开始演讲（start）、结束演讲（stop）、揭晓成绩（reveal）",
)
def stage_action(
    request: HttpRequest,
    contest_id: Id,
    number: RoundNumber,
    entry_id: Id,
    action: Literal["start", "stop", "reveal"],
    body: StageActionIn,
) -> dict[str, Any]:
    contest, round_ = get_stage_round(request.user, contest_id, number)
    if not can_organise(request.user, contest):
        raise PermissionDenied("只有主办方可以主持现场比赛")
    slot = get_stage_slot(round_, entry_id)
    actor = actor_of(request)
    if action == "start":
        services.stage_start(actor=actor, slot=slot)
    elif action == "stop":
        services.stage_stop(actor=actor, slot=slot)
    else:
        services.stage_reveal(actor=actor, slot=slot, allow_missing=body.allow_missing)
    return stage_state(request.user, contest, round_)
