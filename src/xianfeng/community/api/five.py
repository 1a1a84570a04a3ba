"""微实事 (projects and votes), 微行动 (activities and sign-ups), 微星光 (the honor roll) and
微平台 (an org's public page) as JSON: the same selectors and services as the pages, the
same refusals (a miss 404, a refused action 403 or 400 with its Chinese message). What is
public stays public (no login); who proposed, who signed up and live vote counts do not
leave the places the pages keep them."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Query, Schema

from xianfeng.common.apitools import ApiRouter, Id, PageNumber, errors
from xianfeng.common.pagination import Key, keyset_page_by
from xianfeng.common.types import actor_of
from xianfeng.community import rules
from xianfeng.community.enums import ActivityKind, ActivityState, HonorKind, ProjectState
from xianfeng.community.forms import community_orgs
from xianfeng.community.models import Activity, CivicProject, Honor, Signup, VoteRound
from xianfeng.community.selectors import activities as activity_selectors
from xianfeng.community.selectors import civic as civic_selectors
from xianfeng.community.selectors import honors as honor_selectors
from xianfeng.community.services import activities as activity_services
from xianfeng.community.services import civic as civic_services
from xianfeng.orgs.models import Org
from xianfeng.people.apiauth import PUBLIC_AUTH

router = ApiRouter(tags=["五微社区"])


class PageQuery(Schema):
    after: str = Field("", max_length=80, description="上一页返回的 next_cursor；不填为第一页")
    page_size: PageNumber = 20


def _page(
    request: HttpRequest, params: PageQuery, qs: Any, keys: tuple[Key, ...], card: Any
) -> dict[str, Any]:
    # Walked by a cursor as the pages are (no OFFSET, no COUNT): a deep page costs what
    # the first does, and rows added meanwhile shift nothing.
    page = keyset_page_by(request, qs, keys, per_page=max(1, min(params.page_size, 50)))
    return {"results": [card(row) for row in page.object_list], "next_cursor": page.next_cursor}


def _community(code: str) -> Org | None:
    if not code:
        return None
    org = community_orgs().filter(code=code[:32]).first()
    if org is None:
        raise Http404("找不到该村社区")
    return org


# --- 微实事 ------------------------------------------------------------------------------------


_UNCOUNTED = {ProjectState.PENDING, ProjectState.CANDIDATE, ProjectState.REJECTED}


class ProjectCard(Schema):
    id: int
    title: str
    state: str
    state_label: str
    org_code: str
    org_name: str
    cost_yuan: int
    proposer: str = Field(..., description="公开的提议人称呼（不含账号）")
    round_id: int | None
    votes: int | None = Field(..., description="计票后的得票数；计票前为 null")
    created_at: datetime.datetime


class ProjectPage(Schema):
    next_cursor: str | None = Field(
        ..., description="下一页：把它作为 after 再请求一次；null 表示已经到底了"
    )
    results: list[ProjectCard]


class ProjectUpdateOut(Schema):
    state: str
    state_label: str
    note: str
    created_at: datetime.datetime


class ProjectDetail(ProjectCard):
    description: str
    ballots: int | None = Field(..., description="当前票数：投票截止后（或本轮公开实时票数时）才有")
    voted: bool = Field(..., description="我是否投了这个项目")
    votes_left: int = Field(..., description="本轮我还剩几票")
    rating: float | None
    ratings: int
    log: list[ProjectUpdateOut]
    actions: list[str] = Field(..., description="当前用户可以做的操作")


def _project_card(p: CivicProject) -> dict[str, Any]:
    return {
        "id": p.pk,
        "title": p.title,
        "state": p.state,
        "state_label": p.get_state_display(),
        "org_code": p.org.code,
        "org_name": p.org.name,
        "cost_yuan": p.cost_yuan,
        "proposer": p.proposer_shown,
        "round_id": p.round_id,
        # Set by the count: a candidate's standing is not public while its vote runs.
        "votes": p.votes if p.round_id and p.state not in _UNCOUNTED else None,
        "created_at": p.created_at,
    }


def _project_detail(user: Any, p: CivicProject) -> dict[str, Any]:
    vote_round = p.round
    open_now = vote_round is not None and civic_selectors.round_is_open(vote_round)
    mine = civic_selectors.my_ballots(user, vote_round) if open_now else set()
    shown = vote_round is not None and civic_selectors.results_shown(vote_round)
    can_vote = open_now and p.state == ProjectState.CANDIDATE and rules.lives_in(user, p.org)
    actions = []
    if can_vote:
        actions.append("unvote" if p.pk in mine else "vote")
    if p.state == ProjectState.DONE and rules.lives_in(user, p.org):
        actions.append("rate")
    if getattr(user, "is_authenticated", False):
        actions.append("comment")
    rating = civic_selectors.projects_rating([p]).get(p.pk)
    return {
        **_project_card(p),
        "description": p.description,
        "ballots": p.ballots.count() if shown else None,
        "voted": p.pk in mine,
        "votes_left": (vote_round.votes_each - len(mine)) if vote_round and open_now else 0,
        "rating": rating[0] if rating else None,
        "ratings": rating[1] if rating else 0,
        "log": [
            {
                "state": u.state,
                "state_label": u.get_state_display(),
                "note": u.note,
                "created_at": u.created_at,
            }
            for u in civic_selectors.project_log(p)
        ],
        "actions": actions,
    }


class ProjectQuery(PageQuery):
    org: str = Field("", max_length=32, description="村社区或镇街的组织代码（含下级）")
    state: str = Field("", max_length=12)


@router.get(
    "/projects",
    response={200: ProjectPage, **errors(404)},
    auth=PUBLIC_AUTH,
    summary="微实事项目（公开的候选、立项和进展）",
)
def projects(request: HttpRequest, params: Query[ProjectQuery]) -> dict[str, Any]:
    state = params.state if params.state in ProjectState.values else ""
    filters = civic_selectors.ProjectFilters(org=_community(params.org), state=state)
    qs = civic_selectors.project_list(request.user, filters)
    return _page(request, params, qs, civic_selectors.PROJECT_KEYS, _project_card)


@router.get(
    "/projects/{int:project_id}",
    response={200: ProjectDetail, **errors(404)},
    auth=PUBLIC_AUTH,
    summary="一个微实事项目（票数在投票截止后公开）",
)
def project(request: HttpRequest, project_id: Id) -> dict[str, Any]:
    user = request.user
    return _project_detail(user, civic_selectors.get_project_for_user(user, project_id))


@router.post(
    "/projects/{int:project_id}/vote",
    response={200: ProjectDetail, **errors(400, 403, 404)},
    summary="给项目投一票（每人每轮 K 票，每个项目一票，截止前可改投）",
)
def vote(request: HttpRequest, project_id: Id) -> dict[str, Any]:
    user = actor_of(request)
    item = civic_selectors.get_project_for_user(user, project_id)
    civic_services.ballot_cast(actor=user, project=item)
    return _project_detail(user, civic_selectors.get_project_for_user(user, project_id))


@router.post(
    "/projects/{int:project_id}/unvote",
    response={200: ProjectDetail, **errors(400, 403, 404)},
    summary="撤回投给项目的一票",
)
def unvote(request: HttpRequest, project_id: Id) -> dict[str, Any]:
    user = actor_of(request)
    item = civic_selectors.get_project_for_user(user, project_id)
    civic_services.ballot_withdraw(actor=user, project=item)
    return _project_detail(user, civic_selectors.get_project_for_user(user, project_id))


class ProjectCommentIn(Schema):
    text: str = Field(..., max_length=500)


@router.post(
    "/projects/{int:project_id}/comment",
    response={200: ProjectDetail, **errors(400, 403, 404)},
    summary="现场监督：给项目留言",
)
def comment(request: HttpRequest, project_id: Id, body: ProjectCommentIn) -> dict[str, Any]:
    user = actor_of(request)
    item = civic_selectors.get_project_for_user(user, project_id)
    civic_services.project_comment(actor=user, project=item, text=body.text)
    return _project_detail(user, item)


class ProjectRateIn(Schema):
    score: int = Field(..., ge=1, le=5)


@router.post(
    "/projects/{int:project_id}/rate",
    response={200: ProjectDetail, **errors(400, 403, 404)},
    summary="给已完成的项目打分（1–5，本村社区居民）",
)
def rate(request: HttpRequest, project_id: Id, body: ProjectRateIn) -> dict[str, Any]:
    user = actor_of(request)
    item = civic_selectors.get_project_for_user(user, project_id)
    civic_services.project_rate(actor=user, project=item, score=body.score)
    return _project_detail(user, item)


class RoundProject(Schema):
    id: int
    title: str
    state: str
    ballots: int | None = Field(..., description="投票截止后（或公开实时票数时）才有")


class VoteRoundOut(Schema):
    id: int
    title: str
    org_code: str
    org_name: str
    opens_at: datetime.datetime
    closes_at: datetime.datetime
    votes_each: int
    winners: int
    budget_yuan: int
    open: bool
    counted: bool
    my_votes: list[int]
    projects: list[RoundProject]


@router.get(
    "/votes/{int:round_id}",
    response={200: VoteRoundOut, **errors(404)},
    auth=PUBLIC_AUTH,
    summary="一轮微实事投票：候选项目，截止后的票数，我投了哪些",
)
def vote_round(request: HttpRequest, round_id: Id) -> dict[str, Any]:
    item: VoteRound = civic_selectors.get_round(round_id)
    shown = civic_selectors.results_shown(item)
    return {
        "id": item.pk,
        "title": item.title,
        "org_code": item.org.code,
        "org_name": item.org.name,
        "opens_at": item.opens_at,
        "closes_at": item.closes_at,
        "votes_each": item.votes_each,
        "winners": item.winners,
        "budget_yuan": item.budget_yuan,
        "open": civic_selectors.round_is_open(item),
        "counted": item.counted_at is not None,
        "my_votes": sorted(civic_selectors.my_ballots(request.user, item)),
        "projects": [
            {
                "id": p.pk,
                "title": p.title,
                "state": p.state,
                "ballots": getattr(p, "ballot_count", 0) if shown else None,
            }
            for p in civic_selectors.round_projects(item)
        ],
    }


# --- 微行动 ------------------------------------------------------------------------------------


class ActivityCard(Schema):
    id: int
    kind: str
    kind_label: str
    title: str
    org_code: str
    org_name: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    place: str
    capacity: int
    confirmed: int
    waiting: int
    audience: str
    signup_deadline: datetime.datetime
    tags: str
    org_life: bool
    state: str


class ActivityPage(Schema):
    next_cursor: str | None = Field(
        ..., description="下一页：把它作为 after 再请求一次；null 表示已经到底了"
    )
    results: list[ActivityCard]


class SignupOut(Schema):
    state: str
    state_label: str
    waiting_place: int = Field(..., description="候补第几位；不在候补为 0")
    checked_in_at: datetime.datetime | None
    checked_out_at: datetime.datetime | None
    hours: Decimal


class ActivityDetail(ActivityCard):
    description: str
    mine: SignupOut | None = Field(..., description="我的报名（未报名或已取消为 null）")
    actions: list[str]


def _activity_card(a: Activity) -> dict[str, Any]:
    return {
        "id": a.pk,
        "kind": a.kind,
        "kind_label": a.get_kind_display(),
        "title": a.title,
        "org_code": a.org.code,
        "org_name": a.org.name,
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "place": a.place,
        "capacity": a.capacity,
        "confirmed": a.confirmed_count,
        "waiting": a.waiting_count,
        "audience": a.audience,
        "signup_deadline": a.signup_deadline,
        "tags": a.tags,
        "org_life": a.org_life,
        "state": a.state,
    }


def _signup(row: Signup | None) -> dict[str, Any] | None:
    if row is None or row.state == "cancelled":
        return None
    return {
        "state": row.state,
        "state_label": row.get_state_display(),
        "waiting_place": activity_selectors.waiting_place(row) if row.state == "waiting" else 0,
        "checked_in_at": row.checked_in_at,
        "checked_out_at": row.checked_out_at,
        "hours": row.hours,
    }


def _activity_detail(user: Any, a: Activity) -> dict[str, Any]:
    mine = _signup(activity_selectors.my_signup(user, a))
    now = timezone.now()
    actions = []
    if getattr(user, "is_authenticated", False):
        if mine is None and a.state == ActivityState.PUBLISHED and now <= a.signup_deadline:
            actions.append("join")
        if mine is not None and now < a.starts_at:
            actions.append("leave")
    return {**_activity_card(a), "description": a.description, "mine": mine, "actions": actions}


class ActivityQuery(PageQuery):
    when: str = Field("upcoming", max_length=12, description="upcoming、week、past")
    kind: str = Field("", max_length=16)
    menu: bool = Field(False, description="只看可作为组织生活的活动（菜单式）")


@router.get(
    "/activities",
    response={200: ActivityPage},
    auth=PUBLIC_AUTH,
    summary="微行动（本村社区的在前，按时间）",
)
def activities(request: HttpRequest, params: Query[ActivityQuery]) -> dict[str, Any]:
    filters = activity_selectors.ActivityFilters(
        when=params.when if params.when in activity_selectors.WHEN_CHOICES else "upcoming",
        org_life=params.menu,
        kind=params.kind if params.kind in ActivityKind.values else "",
    )
    qs = activity_selectors.activity_list(request.user, filters)
    keys = activity_selectors.activity_keys(filters)
    return _page(request, params, qs, keys, _activity_card)


@router.get(
    "/activities/{int:activity_id}",
    response={200: ActivityDetail, **errors(404)},
    auth=PUBLIC_AUTH,
    summary="一个微行动（报名名单只给组织者看，这里只有我的报名）",
)
def activity(request: HttpRequest, activity_id: Id) -> dict[str, Any]:
    return _activity_detail(request.user, activity_selectors.get_activity(activity_id))


@router.post(
    "/activities/{int:activity_id}/join",
    response={200: ActivityDetail, **errors(400, 403, 404)},
    summary="报名（满员进入候补，有人取消时自动递补）",
)
def join(request: HttpRequest, activity_id: Id) -> dict[str, Any]:
    user = actor_of(request)
    item = activity_selectors.get_activity(activity_id)
    activity_services.signup_join(actor=user, activity=item)
    return _activity_detail(user, activity_selectors.get_activity(activity_id))


@router.post(
    "/activities/{int:activity_id}/leave",
    response={200: ActivityDetail, **errors(400, 403, 404)},
    summary="取消报名",
)
def leave(request: HttpRequest, activity_id: Id) -> dict[str, Any]:
    user = actor_of(request)
    item = activity_selectors.get_activity(activity_id)
    activity_services.signup_cancel(actor=user, activity=item)
    return _activity_detail(user, activity_selectors.get_activity(activity_id))


class ScanIn(Schema):
    token: str = Field(..., max_length=200, description="活动现场二维码中的签到码")


@router.post(
    "/activities/scan",
    response={200: ActivityDetail, **errors(400, 403, 404)},
    summary="扫码签到或签退（现场二维码一分钟一换）",
)
def scan(request: HttpRequest, body: ScanIn) -> dict[str, Any]:
    user = actor_of(request)
    row = activity_services.signup_scan(actor=user, token=body.token)
    return _activity_detail(user, activity_selectors.get_activity(row.activity_id))


class HoursRow(Schema):
    activity_id: int
    title: str
    starts_at: datetime.datetime
    hours: Decimal


class HoursOut(Schema):
    year: int
    total: Decimal
    rows: list[HoursRow]


@router.get("/activities/hours", response={200: HoursOut}, summary="我今年的活动和服务时长")
def my_hours(request: HttpRequest) -> dict[str, Any]:
    user = actor_of(request)
    year = timezone.localdate().year
    record = activity_selectors.hours_of(user, year)
    return {
        "year": year,
        "total": record.total,
        "rows": [
            {
                "activity_id": r.activity_id,
                "title": r.activity.title,
                "starts_at": r.activity.starts_at,
                "hours": r.hours,
            }
            for r in record.rows
        ],
    }


# --- 微星光 ------------------------------------------------------------------------------------


class HonorCard(Schema):
    id: int
    kind: str
    kind_label: str
    year: int
    name: str
    org_code: str
    org_name: str
    state: str
    photo_url: str | None


class HonorPage(Schema):
    next_cursor: str | None = Field(
        ..., description="下一页：把它作为 after 再请求一次；null 表示已经到底了"
    )
    results: list[HonorCard]


class HonorDetail(HonorCard):
    story: str


def _honor_card(h: Honor) -> dict[str, Any]:
    url = reverse("community:honor_photo", args=[h.pk]) if h.image else None
    return {
        "id": h.pk,
        "kind": h.kind,
        "kind_label": h.get_kind_display(),
        "year": h.year,
        "name": h.name,
        "org_code": h.org.code,
        "org_name": h.org.name,
        "state": h.state,
        "photo_url": url,
    }


class HonorQuery(PageQuery):
    year: int | None = Field(None, ge=2000, le=2100)
    org: str = Field("", max_length=32)
    kind: str = Field("", max_length=16)


@router.get(
    "/honors",
    response={200: HonorPage},
    auth=PUBLIC_AUTH,
    summary="微星光榜（已批准的，按年度、组织、类别）",
)
def honors(request: HttpRequest, params: Query[HonorQuery]) -> dict[str, Any]:
    # As the page: an unknown org code filters nothing.
    org = Org.objects.filter(code=params.org).first() if params.org else None
    filters = honor_selectors.HonorFilters(
        year=params.year, org=org, kind=params.kind if params.kind in HonorKind.values else ""
    )
    qs = honor_selectors.honor_roll(filters)
    return _page(request, params, qs, honor_selectors.HONOR_KEYS, _honor_card)


@router.get(
    "/honors/{int:honor_id}",
    response={200: HonorDetail, **errors(404)},
    auth=PUBLIC_AUTH,
    summary="一项微星光（未批准的只给提名组织及其上级看）",
)
def honor(request: HttpRequest, honor_id: Id) -> dict[str, Any]:
    item = honor_selectors.get_honor_for_user(request.user, honor_id)
    return {**_honor_card(item), "story": item.story}


# --- 微平台 ------------------------------------------------------------------------------------


class NoticeOut(Schema):
    id: int
    text: str
    created_at: datetime.datetime


class LessonRef(Schema):
    id: int
    title: str


class WishRef(Schema):
    id: int
    title: str
    public_name: str
    org_name: str


class OrgPageOut(Schema):
    code: str
    name: str
    notices: list[NoticeOut]
    lessons: list[LessonRef]
    activities: list[ActivityCard]
    wishes: list[WishRef]
    projects: list[ProjectCard]
    honors: list[HonorCard]


@router.get(
    "/orgs/{code}",
    response={200: OrgPageOut, **errors(404)},
    auth=PUBLIC_AUTH,
    summary="组织的微平台主页（公开的通知、微党课、活动、心愿、微实事和微星光）",
)
def org_page(request: HttpRequest, code: str) -> dict[str, Any]:
    org = honor_selectors.get_org_page(code[:32])
    page = honor_selectors.org_page(request.user, org)
    return {
        "code": org.code,
        "name": org.name,
        "notices": [{"id": n.pk, "text": n.text, "created_at": n.created_at} for n in page.notices],
        "lessons": [{"id": x.pk, "title": x.title} for x in page.lessons],
        "activities": [_activity_card(a) for a in page.activities],
        "wishes": [
            {"id": w.pk, "title": w.title, "public_name": w.public_name, "org_name": w.org.name}
            for w in page.wishes
        ],
        "projects": [_project_card(p) for p in page.projects],
        "honors": [_honor_card(h) for h in page.honors],
    }
