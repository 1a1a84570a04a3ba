"""What the community pages offer officers, as JSON: the wish review queue and 点亮微心愿
campaigns (/api/v1/wishes/), the proposal queue, vote rounds opened and counted, an
activity's roster, cancellation and hours corrections, nominations to decide
(/api/v1/community/). The same selectors, services and refusals as the pages: a person
outside the org gets the page's 404 or 403 and nothing changes. Wish review and
confirm/dispute live with the other wish actions in wishes.py."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Field, Query, Schema

from xianfeng.common.apitools import Id, Moment, aware, errors
from xianfeng.common.types import actor_of
from xianfeng.community import rules, selectors
from xianfeng.community.api import five, wishes
from xianfeng.community.enums import ORG_CLAIM_ROLES, REVIEW_ROLES
from xianfeng.community.selectors import activities as activity_selectors
from xianfeng.community.selectors import civic as civic_selectors
from xianfeng.community.selectors import honors as honor_selectors
from xianfeng.community.services import activities as activity_services
from xianfeng.community.services import campaign_create
from xianfeng.community.services import civic as civic_services
from xianfeng.community.services import honors as honor_services
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.rules import holds_any
from xianfeng.orgs.selectors import orgs_managed_by
from xianfeng.people.apiauth import PUBLIC_AUTH

QUEUE_LIMIT = 50  # as the pages: the oldest first, a queue is worked from its head


class Queue(Schema):
    limit: int = Field(20, ge=1, le=QUEUE_LIMIT)


# --- 微心愿: the review queue and campaigns -----------------------------------------------------


class ReviewItem(wishes.WishCard):
    detail: str
    flagged_words: list[str] = Field(..., description="命中的敏感词（审核时删改）")
    created_at: datetime.datetime


@wishes.router.get(
    "/review",
    response={200: list[ReviewItem], **errors(403)},
    summary="待审核的心愿（本人任书记、支委的村社区，先到先审）",
)
def review_queue(request: HttpRequest, params: Query[Queue]) -> list[dict[str, Any]]:
    user = actor_of(request)
    if not holds_any(user, REVIEW_ROLES):
        raise PermissionDenied("只有村社区支部的书记或支委审核心愿")
    rows = selectors.wishes_to_review(user).select_related("claimer", "claimer_org")
    return [
        {
            **wishes._card(w),
            "detail": w.detail,
            "flagged_words": list(w.flagged_words or []),
            "created_at": w.created_at,
        }
        for w in rows[: params.limit]
    ]


class CampaignIn(Schema):
    org: str = Field(..., max_length=32, description="发起组织（县、镇街党委）的组织代码")
    title: str = Field(..., max_length=60)
    theme: str = Field("", max_length=200)
    starts_on: datetime.date
    ends_on: datetime.date
    target: int = Field(0, ge=0, le=1_000_000)
    meeting: int | None = Field(None, ge=1, description="同时举行的主题党日（会议 id）")


class CampaignOut(Schema):
    id: int
    title: str
    theme: str
    org_code: str
    org_name: str
    starts_on: datetime.date
    ends_on: datetime.date
    target: int
    total: int
    fulfilled: int
    meeting_id: int | None


def _campaign(pk: int) -> dict[str, Any]:
    item = selectors.get_campaign(pk)
    stats = selectors.campaign_stats(item)
    return {
        "id": item.pk,
        "title": item.title,
        "theme": item.theme,
        "org_code": item.org.code,
        "org_name": item.org.name,
        "starts_on": item.starts_on,
        "ends_on": item.ends_on,
        "target": item.target,
        "total": stats.total,
        "fulfilled": stats.fulfilled,
        "meeting_id": item.meeting_id,
    }


@wishes.router.get(
    "/campaigns/{int:campaign_id}",
    response={200: CampaignOut, **errors(404)},
    auth=PUBLIC_AUTH,
    summary="一次点亮微心愿活动：进度（公开）",
)
def campaign(request: HttpRequest, campaign_id: Id) -> dict[str, Any]:
    return _campaign(campaign_id)


@wishes.router.post(
    "/campaigns",
    response={200: CampaignOut, **errors(400, 403)},
    summary="发起点亮微心愿活动（县、镇街党委的书记、组织委员或管理员）",
)
def campaign_new(request: HttpRequest, body: CampaignIn) -> dict[str, Any]:
    user = actor_of(request)
    # The orgs the page offers; any other code is refused alike (its existence not told).
    org = (
        orgs_managed_by(user, ORG_CLAIM_ROLES)
        .filter(kind__in=[OrgKind.COMMITTEE, OrgKind.WORKING_COMMITTEE], code=body.org)
        .first()
    )
    if org is None:
        raise PermissionDenied("只有县、镇（街道）党组织的书记、组织委员或管理员可以发起活动")
    item = campaign_create(
        actor=user,
        org=org,
        title=body.title,
        theme=body.theme,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        target=body.target,
        meeting_id=body.meeting,
    )
    return _campaign(item.pk)


# --- 微实事: proposals to review, vote rounds ---------------------------------------------------


class ProposalItem(five.ProjectCard):
    description: str


@five.router.get(
    "/projects/review",
    response={200: list[ProposalItem], **errors(403)},
    summary="待审核的居民提议（本人任书记、支委的村社区）",
)
def projects_to_review(request: HttpRequest, params: Query[Queue]) -> list[dict[str, Any]]:
    user = actor_of(request)
    if not holds_any(user, REVIEW_ROLES):
        raise PermissionDenied("只有村社区支部的书记或支委审核微实事")
    rows = civic_selectors.projects_to_review(user).select_related("round")
    return [{**five._project_card(p), "description": p.description} for p in rows[: params.limit]]


class OfficerDecisionIn(Schema):
    approve: bool
    note: str = Field("", max_length=300, description="不通过、退回时必填原因")


@five.router.post(
    "/projects/{int:project_id}/review",
    response={200: five.ProjectDetail, **errors(400, 403, 404)},
    summary="审核居民提议：列为候选或退回（本村社区支部）",
)
def project_review(request: HttpRequest, project_id: Id, body: OfficerDecisionIn) -> dict[str, Any]:
    user = actor_of(request)
    item = civic_selectors.get_project_for_user(user, project_id)
    civic_services.project_review(actor=user, project=item, approve=body.approve, note=body.note)
    return five._project_detail(user, civic_selectors.get_project_for_user(user, project_id))


class VoteRoundIn(Schema):
    org: str = Field(..., max_length=32, description="村社区的组织代码")
    title: str = Field(..., max_length=60)
    opens_at: Moment = Field(..., description="不带时区的按北京时间")
    closes_at: Moment
    votes_each: int = Field(3, ge=1, le=10)
    winners: int = Field(3, ge=1, le=50)
    budget_yuan: int = Field(0, ge=0, le=10_000_000, description="0 表示不限")
    show_live: bool = False


@five.router.post(
    "/votes",
    response={200: five.VoteRoundOut, **errors(400, 403)},
    summary="发起一轮微实事投票（本村社区的候选项目自动加入）",
)
def round_new(request: HttpRequest, body: VoteRoundIn) -> dict[str, Any]:
    user = actor_of(request)
    org = orgs_managed_by(user, REVIEW_ROLES).filter(code=body.org).first()
    if org is None:
        raise PermissionDenied("只有村社区支部的书记或支委可以发起投票")
    item = civic_services.round_open(
        actor=user,
        org=org,
        title=body.title,
        opens_at=aware(body.opens_at),
        closes_at=aware(body.closes_at),
        votes_each=body.votes_each,
        winners=body.winners,
        budget_yuan=body.budget_yuan,
        show_live=body.show_live,
    )
    return five.vote_round(request, item.pk)


@five.router.post(
    "/votes/{int:round_id}/count",
    response={200: five.VoteRoundOut, **errors(400, 403, 404)},
    summary="截止后计票：票多且在预算内的项目立项（计两次不变）",
)
def round_count(request: HttpRequest, round_id: Id) -> dict[str, Any]:
    user = actor_of(request)
    item = civic_selectors.get_round(round_id)
    civic_services.round_count(item=item, actor=user)
    return five.vote_round(request, round_id)


# --- 微行动: the organiser's roster, cancelling, hours ------------------------------------------


class RosterRow(Schema):
    id: int
    name: str
    state: str
    state_label: str
    checked_in_at: datetime.datetime | None
    checked_out_at: datetime.datetime | None
    hours: Decimal
    hours_note: str


def _organised(user: Any, activity_id: int) -> Any:
    """The activity, to its organisers; a 404 to anyone else (as the page's roster)."""
    item = activity_selectors.get_activity(activity_id)
    if not rules.manages(user, item.org):
        raise Http404("找不到该活动")
    return item


def _roster(item: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": s.pk,
            "name": s.user.name,
            "state": s.state,
            "state_label": s.get_state_display(),
            "checked_in_at": s.checked_in_at,
            "checked_out_at": s.checked_out_at,
            "hours": s.hours,
            "hours_note": s.hours_note,
        }
        for s in activity_selectors.signups_of(item)
    ]


@five.router.get(
    "/activities/{int:activity_id}/signups",
    response={200: list[RosterRow], **errors(404)},
    summary="活动的报名名单和服务时长（组织者）",
)
def roster(request: HttpRequest, activity_id: Id) -> list[dict[str, Any]]:
    return _roster(_organised(actor_of(request), activity_id))


class ActivityNoteIn(Schema):
    note: str = Field("", max_length=200)


@five.router.post(
    "/activities/{int:activity_id}/cancel",
    response={200: five.ActivityDetail, **errors(400, 403, 404)},
    summary="取消活动（通知已报名的人；组织者）",
)
def activity_cancel(request: HttpRequest, activity_id: Id, body: ActivityNoteIn) -> dict[str, Any]:
    user = actor_of(request)
    item = activity_selectors.get_activity(activity_id)
    activity_services.activity_cancel(actor=user, activity=item, reason=body.note)
    return five.activity(request, activity_id)


class HoursIn(Schema):
    signup: int = Field(..., ge=1, description="报名名单里的 id")
    hours: Decimal = Field(..., ge=0, le=24, max_digits=4, decimal_places=1)
    reason: str = Field(..., max_length=200)


@five.router.post(
    "/activities/{int:activity_id}/hours",
    response={200: list[RosterRow], **errors(400, 403, 404)},
    summary="更正一人的服务时长（组织者，须写明原因）",
)
def hours_correct(request: HttpRequest, activity_id: Id, body: HoursIn) -> list[dict[str, Any]]:
    user = actor_of(request)
    item = _organised(user, activity_id)
    target = item.signups.filter(pk=body.signup).first()
    if target is None:
        raise Http404("找不到该报名")
    activity_services.hours_correct(actor=user, signup=target, hours=body.hours, reason=body.reason)
    return _roster(item)


# --- 微星光: nominations to decide --------------------------------------------------------------


@five.router.get(
    "/honors/to-decide",
    response={200: list[five.HonorDetail]},
    summary="下级组织的提名，待本人审批",
)
def honors_to_decide(request: HttpRequest, params: Query[Queue]) -> list[dict[str, Any]]:
    user = actor_of(request)
    rows = honor_selectors.honors_to_decide(user)[: params.limit]
    return [{**five._honor_card(h), "story": h.story} for h in rows]


@five.router.post(
    "/honors/{int:honor_id}/decide",
    response={200: five.HonorDetail, **errors(400, 403, 404)},
    summary="审批提名：批准上榜或退回（上级组织）",
)
def honor_decide(request: HttpRequest, honor_id: Id, body: OfficerDecisionIn) -> dict[str, Any]:
    user = actor_of(request)
    item = honor_selectors.get_honor_for_user(user, honor_id)
    honor_services.honor_decide(actor=user, honor=item, approve=body.approve, note=body.note)
    return five.honor(request, honor_id)
