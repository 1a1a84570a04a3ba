"""Study for mobile clients: exams and 每日一练 (start, save answers as you go, submit;
the key and explanations only after submission), my learning points and rankings, 知识竞赛
(levels, my standing, rankings; a level is played as an exam attempt) and 现场竞答 (join
with the room code, poll the question, answer; the key only once the host reveals it)."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Schema
from pydantic import Field as PydanticField

from xianfeng.common import points as registry
from xianfeng.common.apitools import ApiRouter, Id, PageNumber, errors
from xianfeng.common.types import actor_of
from xianfeng.people.selectors import member_of
from xianfeng.study import grading
from xianfeng.study.enums import AttemptState, Period, RankScope, RoomState
from xianfeng.study.models import Attempt, AttemptAnswer
from xianfeng.study.selectors import competitions as competitions_sel
from xianfeng.study.selectors import points as points_sel
from xianfeng.study.selectors import quizzes as sel
from xianfeng.study.selectors import rooms as rooms_sel
from xianfeng.study.services import quizzes as services
from xianfeng.study.services import rooms as rooms_services

router = ApiRouter(tags=["学习"])
Position = Annotated[int, PydanticField(ge=0, le=999)]


class QuizOut(Schema):
    id: int
    title: str
    org: str
    opens_at: datetime.datetime | None
    closes_at: datetime.datetime | None
    duration_minutes: int
    pass_percent: int
    attempts_allowed: int
    my_attempts: int
    my_best: int | None


class ItemOut(Schema):
    position: int
    kind: str
    stem: str
    options: list[str]
    points: int
    response: list[str]


class ReviewOut(Schema):
    position: int
    correct: bool
    key: list[str]
    explanation: str


class AttemptOut(Schema):
    id: int
    quiz_id: int
    state: str
    started_at: datetime.datetime
    deadline: datetime.datetime | None
    now: datetime.datetime = Field(..., description="服务器时间：计时以服务器为准")
    items: list[ItemOut]
    # Only after submission:
    score: int | None = None
    max_score: int
    passed: bool | None = None
    auto_submitted: bool | None = None
    review: list[ReviewOut] | None = None


class AnswerIn(Schema):
    response: list[str] = Field(..., max_length=6)


class SavedOut(Schema):
    position: int
    saved_at: datetime.datetime


def _quiz_out(quiz: Any) -> dict[str, Any]:
    return {
        "id": quiz.pk,
        "title": quiz.title,
        "org": quiz.org.name,
        "opens_at": quiz.opens_at,
        "closes_at": quiz.closes_at,
        "duration_minutes": quiz.duration_minutes,
        "pass_percent": quiz.pass_percent,
        "attempts_allowed": quiz.attempts_allowed,
        "my_attempts": getattr(quiz, "my_attempts", 0),
        "my_best": getattr(quiz, "my_best", None),
    }


def _attempt_out(attempt: Attempt) -> dict[str, Any]:
    answers = dict(
        AttemptAnswer.objects.filter(attempt=attempt).values_list("position", "response")
    )
    items = [
        {**grading.public_item(item, i), "response": answers.get(i, [])}
        for i, item in enumerate(attempt.paper)
    ]
    out: dict[str, Any] = {
        "id": attempt.pk,
        "quiz_id": attempt.quiz_id,
        "state": attempt.state,
        "started_at": attempt.started_at,
        "deadline": attempt.deadline,
        "now": timezone.now(),
        "items": items,
        "max_score": attempt.max_score,
    }
    if attempt.state == AttemptState.SUBMITTED:
        out.update(
            score=attempt.score,
            passed=attempt.passed,
            auto_submitted=attempt.auto_submitted,
            review=[
                {
                    "position": i,
                    "correct": grading.is_correct(item, answers.get(i, [])),
                    "key": item["key"],
                    "explanation": item["explanation"],
                }
                for i, item in enumerate(attempt.paper)
            ],
        )
    return out


@router.get("/quizzes", response=list[QuizOut], summary="面向我的考试")
def quiz_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_quiz_out(q) for q in sel.quizzes_for(actor_of(request))[:100]]


@router.post(
    "/quizzes/{int:quiz_id}/attempts",
    response={200: AttemptOut, **errors(400, 404)},
    summary="开始（或继续）答题：试卷在服务器上抽定，答案和解析交卷后才返回",
)
def attempt_start(request: HttpRequest, quiz_id: Id) -> dict[str, Any]:
    user = actor_of(request)
    quiz = sel.get_quiz_for_user(user, quiz_id)
    return _attempt_out(services.attempt_start(user=user, quiz=quiz))


@router.post(
    "/daily", response={200: AttemptOut, **errors(400)}, summary="今天的每日一练（每天一份）"
)
def daily_start(request: HttpRequest) -> dict[str, Any]:
    return _attempt_out(services.daily_start(user=actor_of(request)))


@router.get(
    "/attempts/{int:attempt_id}", response={200: AttemptOut, **errors(404)}, summary="我的答卷"
)
def attempt_detail(request: HttpRequest, attempt_id: Id) -> dict[str, Any]:
    attempt = sel.get_attempt_for_user(actor_of(request), attempt_id)
    return _attempt_out(services.attempt_expire_if_due(attempt))


@router.put(
    "/attempts/{int:attempt_id}/answers/{int:position}",
    response={200: SavedOut, **errors(400, 404)},
    summary="保存一道题的答案（可反复保存，截止后拒绝）",
)
def attempt_save(
    request: HttpRequest, attempt_id: Id, position: Position, body: AnswerIn
) -> dict[str, Any]:
    user = actor_of(request)
    attempt = sel.get_attempt_for_user(user, attempt_id)
    row = services.attempt_save(
        user=user, attempt=attempt, position=position, response=body.response
    )
    return {"position": row.position, "saved_at": row.saved_at}


@router.post(
    "/attempts/{int:attempt_id}/submit",
    response={200: AttemptOut, **errors(400, 404)},
    summary="交卷（重复交卷只算一次；超过截止时间拒绝，按截止时保存的答案自动交卷）",
)
def attempt_submit(request: HttpRequest, attempt_id: Id) -> dict[str, Any]:
    user = actor_of(request)
    attempt = sel.get_attempt_for_user(user, attempt_id)
    attempt = services.attempt_submit(user=user, attempt=attempt)
    return _attempt_out(attempt)


# --- points ----------------------------------------------------------------------------------


class RuleLineOut(Schema):
    rule: str
    label: str
    points: int
    daily_cap: int
    earned_today: int
    can_still: int = Field(..., description="今天这一项还能得几分；-1 表示不限")


class MyPointsOut(Schema):
    total: int
    week: int
    month: int
    year: int
    today: int
    today_left: int | None
    rules: list[RuleLineOut]


class EntryOut(Schema):
    id: int
    rule: str
    label: str
    kind: str
    points: int
    day: datetime.date
    source_type: str
    source_id: str
    title: str
    note: str


class LedgerOut(Schema):
    count: int
    page: int
    pages: int
    results: list[EntryOut]


class LedgerQuery(Schema):
    page: PageNumber = 1


class RankingQuery(Schema):
    scope: RankScope = RankScope.BRANCH
    period: Period = Period.WEEK


class RankRowOut(Schema):
    rank: int
    name: str
    org: str
    points: int


class RankingOut(Schema):
    scope: str
    period: str
    org: str
    my_rank: int
    my_points: int
    people: int
    rows: list[RankRowOut]


@router.get("/points", response=MyPointsOut, summary="我的学习积分与今天还能得的分")
def my_points(request: HttpRequest) -> dict[str, Any]:
    user = actor_of(request)
    member = member_of(user)
    mine = points_sel.my_points(user, member.org if member else None, timezone.localdate())
    return {
        "total": mine.total,
        "week": mine.week,
        "month": mine.month,
        "year": mine.year,
        "today": mine.today,
        "today_left": mine.today_left,
        "rules": [
            {
                "rule": line.rule.code,
                "label": line.rule.label,
                "points": line.rule.points,
                "daily_cap": line.rule.daily_cap,
                "earned_today": line.earned,
                "can_still": line.can_still,
            }
            for line in mine.lines
        ],
    }


@router.get("/points/ledger", response=LedgerOut, summary="我的积分明细（每一分的来源）")
def ledger(request: HttpRequest, query: Query[LedgerQuery]) -> dict[str, Any]:
    page = Paginator(points_sel.ledger_of(actor_of(request)), 20).get_page(query.page)
    labels = {r.code: r.label for r in registry.rules()}
    return {
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "results": [
            {
                "id": e.pk,
                "rule": e.rule,
                "label": labels.get(e.rule, e.rule),
                "kind": e.kind,
                "points": e.points,
                "day": e.day,
                "source_type": e.source_type,
                "source_id": e.source_id,
                "title": e.title,
                "note": e.note,
            }
            for e in page.object_list
        ],
    }


@router.get(
    "/points/ranking",
    response={200: RankingOut, **errors(404)},
    summary="积分排行：本支部、本镇街、全县；本周、本月、本年",
)
def ranking(request: HttpRequest, query: Query[RankingQuery]) -> dict[str, Any]:
    from django.http import Http404

    user = actor_of(request)
    member = member_of(user)
    if member is None:
        raise Http404("积分排行只在党员之间进行")
    today = timezone.localdate()
    root = points_sel.scope_orgs(member.org)[query.scope]
    rows = points_sel.ranking(root, query.period, today)
    mine = points_sel.points_within(root, points_sel.my_period_rows(user, query.period, today))
    rank = points_sel.rank_in(root, query.scope, query.period, today, mine)
    return {
        "scope": query.scope,
        "period": query.period,
        "org": root.name,
        "my_rank": rank.rank,
        "my_points": mine,
        "people": rank.of,
        "rows": [
            {
                "rank": i + 1,
                "name": r.user.name or r.user.username,
                "org": r.org.name if r.org else "",
                "points": r.points,
            }
            for i, r in enumerate(rows)
        ],
    }


# --- 知识竞赛 ----------------------------------------------------------------------------------


class StudyContestOut(Schema):
    id: int
    title: str
    org: str
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    level_count: int
    my_passed: int


class LevelOut(Schema):
    level: int
    title: str
    duration_minutes: int
    pass_percent: int
    attempts_allowed: int
    unlocked: bool
    my_attempts: int
    my_passed: bool
    my_best: int | None
    quiz_id: int = Field(..., description="开始闯关：POST /study/quizzes/{quiz_id}/attempts")


class ContestDetailOut(StudyContestOut):
    description: str
    is_open: bool
    can_play: bool
    levels: list[LevelOut]


class StandingOut(Schema):
    levels_passed: int
    score: int
    seconds: int
    rank: int = Field(..., description="名次；0 表示还没有过关")
    of: int = Field(..., description="已过关人数")


class ContestRankRowOut(Schema):
    rank: int
    name: str
    org: str
    levels_passed: int
    score: int
    seconds: int


class ContestBranchRowOut(Schema):
    rank: int
    org: str
    players: int
    finished: int
    average: float


class ContestRankingOut(Schema):
    level_count: int
    people: list[ContestRankRowOut]
    branches: list[ContestBranchRowOut]


def _contest_out(c: Any) -> dict[str, Any]:
    return {
        "id": c.pk,
        "title": c.title,
        "org": c.org.name,
        "opens_at": c.opens_at,
        "closes_at": c.closes_at,
        "level_count": getattr(c, "level_count", 0),
        "my_passed": getattr(c, "my_passed", None) or 0,
    }


@router.get("/contests", response=list[StudyContestOut], summary="面向我的知识竞赛")
def contest_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [_contest_out(c) for c in competitions_sel.competitions_for(actor_of(request))[:50]]


@router.get(
    "/contests/{int:contest_id}",
    response={200: ContestDetailOut, **errors(404)},
    summary="一场知识竞赛：各关和我的进度（前一关通过才解锁下一关）",
)
def contest_detail(request: HttpRequest, contest_id: Id) -> dict[str, Any]:
    user = actor_of(request)
    contest = competitions_sel.get_competition_for_user(user, contest_id)
    levels = competitions_sel.levels_with_progress(user, contest)
    now = timezone.now()
    out = _contest_out(contest)
    out["level_count"] = len(levels)
    place = competitions_sel.my_place(user, contest)
    out["my_passed"] = place.entry.levels_passed if place.entry else 0
    unlocked = True
    rows = []
    for level in levels:
        passed = bool(getattr(level, "my_passed", False))
        rows.append(
            {
                "level": level.level,
                "title": level.title,
                "duration_minutes": level.duration_minutes,
                "pass_percent": level.pass_percent,
                "attempts_allowed": level.attempts_allowed,
                "unlocked": unlocked,
                "my_attempts": getattr(level, "my_attempts", 0),
                "my_passed": passed,
                "my_best": getattr(level, "my_best", None),
                "quiz_id": level.pk,
            }
        )
        unlocked = unlocked and passed
    out.update(
        description=contest.description,
        is_open=contest.opens_at <= now < contest.closes_at,
        can_play=competitions_sel.may_play(user, contest),
        levels=rows,
    )
    return out


@router.get(
    "/contests/{int:contest_id}/standing",
    response={200: StandingOut, **errors(404)},
    summary="我在这场竞赛中的成绩和名次",
)
def contest_standing(request: HttpRequest, contest_id: Id) -> dict[str, Any]:
    user = actor_of(request)
    contest = competitions_sel.get_competition_for_user(user, contest_id)
    place = competitions_sel.my_place(user, contest)
    entry = place.entry
    return {
        "levels_passed": entry.levels_passed if entry else 0,
        "score": entry.score if entry else 0,
        "seconds": entry.seconds if entry else 0,
        "rank": place.rank,
        "of": place.of,
    }


@router.get(
    "/contests/{int:contest_id}/ranking",
    response={200: ContestRankingOut, **errors(404)},
    summary="竞赛排行：个人（前 100 名）与支部",
)
def contest_ranking(request: HttpRequest, contest_id: Id) -> dict[str, Any]:
    contest = competitions_sel.get_competition_for_user(actor_of(request), contest_id)
    level_count = contest.levels.count()
    return {
        "level_count": level_count,
        "people": [
            {
                "rank": i + 1,
                "name": e.user.name or e.user.username,
                "org": e.org.name if e.org else "",
                "levels_passed": e.levels_passed,
                "score": e.score,
                "seconds": e.seconds,
            }
            for i, e in enumerate(competitions_sel.ranking_people(contest))
        ],
        "branches": [
            {
                "rank": i + 1,
                "org": b.name,
                "players": b.players,
                "finished": b.finished,
                "average": b.average,
            }
            for i, b in enumerate(competitions_sel.ranking_branches(contest, level_count))
        ],
    }


# --- 现场竞答 ----------------------------------------------------------------------------------

RoomCode = Annotated[str, PydanticField(pattern=r"^[0-9]{6}$")]


class JoinIn(Schema):
    code: RoomCode = Field(..., description="大屏幕上的六位房间号")


class RoomQuestionOut(Schema):
    position: int
    kind: str
    stem: str
    options: list[str]


class MyRoomAnswerOut(Schema):
    position: int
    response: list[str]
    answered_at: datetime.datetime
    # Only once the host has revealed the question:
    correct: bool | None = None
    points: int | None = None


class RoomOut(Schema):
    id: int
    title: str
    org: str
    state: str
    total: int
    seconds: int
    seconds_left: int
    now: datetime.datetime = Field(..., description="服务器时间：计时以服务器为准")
    question: RoomQuestionOut | None
    mine: MyRoomAnswerOut | None
    # Only once the host has revealed the question:
    key: list[str] | None = None
    explanation: str | None = None
    my_total: int


class RoomAnswerIn(Schema):
    position: Position
    response: list[Annotated[str, PydanticField(max_length=100)]] = Field(..., max_length=6)


def _room_out(user: Any, room: Any) -> dict[str, Any]:
    revealed = room.state in (RoomState.REVEALED, RoomState.FINISHED)
    asked = room.current >= 0 and room.state != RoomState.WAITING
    item = room.paper[room.current] if asked else None
    mine = rooms_sel.my_answer(user, room)
    left = 0
    if room.state == RoomState.ASKING and room.asked_at is not None:
        elapsed = (timezone.now() - room.asked_at).total_seconds()
        left = max(0, room.seconds - int(elapsed))
    out: dict[str, Any] = {
        "id": room.pk,
        "title": room.title,
        "org": room.org.name,
        "state": room.state,
        "total": len(room.paper),
        "seconds": room.seconds,
        "seconds_left": left,
        "now": timezone.now(),
        "question": None,
        "mine": None,
        "my_total": rooms_sel.my_total(user, room),
    }
    if item is not None:
        shown = grading.public_item(item, room.current)
        out["question"] = {k: shown[k] for k in ("position", "kind", "stem", "options")}
        if revealed:
            out.update(key=item["key"], explanation=item["explanation"])
    if mine is not None:
        out["mine"] = {
            "position": mine.position,
            "response": mine.response,
            "answered_at": mine.answered_at,
        }
        if revealed:
            out["mine"].update(correct=mine.correct, points=mine.points)
    return out


@router.post(
    "/rooms/join",
    response={200: RoomOut, **errors(404)},
    summary="用房间号进入现场竞答（只能进入本组织及上级组织的）",
)
def room_join(request: HttpRequest, body: JoinIn) -> dict[str, Any]:
    user = actor_of(request)
    return _room_out(user, rooms_sel.get_room_by_code(user, body.code))


@router.get(
    "/rooms/{int:room_id}",
    response={200: RoomOut, **errors(404)},
    summary="现场竞答的当前题目（主持人公布答案后才有答案和解析）；每两秒查询一次",
)
def room_current(request: HttpRequest, room_id: Id) -> dict[str, Any]:
    user = actor_of(request)
    return _room_out(user, rooms_sel.get_room_to_play(user, room_id))


@router.post(
    "/rooms/{int:room_id}/answers",
    response={200: RoomOut, **errors(400, 404)},
    summary="回答当前题目（每题一次，限时内；对错在公布答案后才返回）",
)
def room_answer(request: HttpRequest, room_id: Id, body: RoomAnswerIn) -> dict[str, Any]:
    user = actor_of(request)
    room = rooms_sel.get_room_to_play(user, room_id)
    member = member_of(user)
    rooms_services.room_answer(
        user=user,
        org=member.org if member else None,
        room=room,
        position=body.position,
        response=body.response,
    )
    return _room_out(user, room)
