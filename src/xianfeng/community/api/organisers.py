"""What an officer does on the 微行动 and 微星光 pages, as JSON (/api/v1/community/), for a
county's own app or a partner's system: post an activity and correct it before it starts,
list the activities of one's orgs, nominate to 微星光, resubmit a returned nomination and
list one's orgs' nominations. The same selectors, services, audit rows and notices as the
pages; the roster, cancelling, hours and deciding live in officers.py.

A retried POST is safe without an idempotency key: posting the same activity (same org,
title and start, by the same person) returns the first one, and nominating the same name
again while it waits returns the pending nomination (both in the services, so a double
click on the page is the same)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Query, Schema

from xianfeng.common.apitools import Id, Moment, aware, errors
from xianfeng.common.errors import Refused
from xianfeng.common.types import actor_of
from xianfeng.community.api import five
from xianfeng.community.enums import REVIEW_ROLES, ActivityKind, Audience, HonorKind, HonorState
from xianfeng.community.selectors import activities as activity_selectors
from xianfeng.community.selectors import honors as honor_selectors
from xianfeng.community.services import activities as activity_services
from xianfeng.community.services import honors as honor_services
from xianfeng.orgs.models import Org, subtree_q
from xianfeng.orgs.selectors import orgs_managed_by
from xianfeng.people.models import User

router = five.router


def _managed_org(user: Any, code: str) -> Org | None:
    """One of the orgs the page offers this officer (None for any other code, whether it
    exists or not: no probing)."""
    return orgs_managed_by(user, REVIEW_ROLES).filter(code=code[:32]).first() if code else None


# --- 微行动 ------------------------------------------------------------------------------------


class ActivityCreateIn(Schema):
    org: str = Field(..., max_length=32, description="发布组织的组织代码（本人任书记、支委的）")
    kind: str = Field(..., max_length=16, description="类别：" + "、".join(ActivityKind.values))
    title: str = Field(..., max_length=60)
    description: str = Field("", max_length=1000)
    starts_at: Moment = Field(..., description="不带时区的按北京时间")
    ends_at: Moment
    place: str = Field(..., max_length=100)
    capacity: int = Field(..., ge=1, le=activity_services.MAX_CAPACITY)
    audience: str = Field(Audience.EVERYONE, max_length=10, description="everyone 或 members")
    signup_deadline: Moment | None = Field(None, description="不填为活动开始时")
    tags: str = Field("", max_length=100, description="空格分隔")
    org_life: bool = Field(False, description="党员可选作组织生活（菜单式）")


@router.post(
    "/activities",
    response={200: five.ActivityDetail, **errors(400, 403)},
    summary="发布微行动（本人任书记、支委或管理员的组织；同一活动重复提交返回同一条）",
)
def activity_create(request: HttpRequest, body: ActivityCreateIn) -> dict[str, Any]:
    user = actor_of(request)
    org = _managed_org(user, body.org)
    if org is None:
        raise PermissionDenied("只有该组织的书记、支委或管理员可以发布活动")
    item = activity_services.activity_create(
        actor=user,
        org=org,
        kind=body.kind,
        title=body.title,
        description=body.description,
        starts_at=aware(body.starts_at),
        ends_at=aware(body.ends_at),
        place=body.place,
        capacity=body.capacity,
        audience=body.audience,
        signup_deadline=aware(body.signup_deadline) if body.signup_deadline else None,
        tags=body.tags,
        org_life=body.org_life,
    )
    return five.activity(request, item.pk)


class ActivityEditIn(Schema):
    kind: str | None = Field(None, max_length=16)
    title: str | None = Field(None, max_length=60)
    description: str | None = Field(None, max_length=1000)
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    place: str | None = Field(None, max_length=100)
    capacity: int | None = Field(None, ge=1, le=activity_services.MAX_CAPACITY)
    audience: str | None = Field(None, max_length=10)
    signup_deadline: Moment | None = None
    tags: str | None = Field(None, max_length=100)
    org_life: bool | None = None


_EDITABLE = tuple(ActivityEditIn.model_fields)


@router.patch(
    "/activities/{int:activity_id}",
    response={200: five.ActivityDetail, **errors(400, 403, 404)},
    summary="修改活动（开始前；只传要改的字段。增加名额时候补依次递补，改时间地点通知报名的人）",
)
def activity_edit(request: HttpRequest, activity_id: Id, body: ActivityEditIn) -> dict[str, Any]:
    user = actor_of(request)
    item = activity_selectors.get_activity(activity_id)
    given = body.model_dump(exclude_unset=True, exclude_none=True)
    values = {name: given.get(name, getattr(item, name)) for name in _EDITABLE}
    for name in ("starts_at", "ends_at", "signup_deadline"):
        values[name] = aware(values[name])
    if "signup_deadline" not in given and item.signup_deadline == item.starts_at:
        values["signup_deadline"] = None  # it was "at the start": it follows a moved start
    activity_services.activity_update(actor=user, activity=item, **values)
    return five.activity(request, activity_id)


class ActivityOrganisedQuery(five.PageQuery):
    org: str = Field("", max_length=32, description="只看这个组织（含下级）；不填为本人所有组织")


@router.get(
    "/activities/organised",
    response={200: five.ActivityPage},
    summary="本人组织的微行动（含已取消、已结束的，开始时间新的在前）",
)
def activities_organised(
    request: HttpRequest, params: Query[ActivityOrganisedQuery]
) -> dict[str, Any]:
    user = actor_of(request)
    org = _managed_org(user, params.org)
    qs = activity_selectors.activities_organised_by(user, org)
    if params.org and org is None:
        qs = qs.none()
    keys = activity_selectors.ORGANISED_KEYS
    return five._page(request, params, qs, keys, five._activity_card)


# --- 微星光 ------------------------------------------------------------------------------------


class HonorNominateIn(Schema):
    org: str = Field(..., max_length=32, description="推荐组织的组织代码（本人任书记、支委的）")
    kind: str = Field(..., max_length=16, description="类别：" + "、".join(HonorKind.values))
    member_id: int | None = Field(
        None, ge=1, description="推荐优秀党员时：本组织党员的 id（/api/v1/members/ 的 id）"
    )
    name: str = Field("", max_length=60, description="党员先锋队、示范岗或支部品牌的名称")
    story: str = Field(..., max_length=1000, description="事迹，至少 20 个字")
    year: int | None = Field(None, ge=2000, le=2100, description="不填为今年")


@router.post(
    "/honors",
    response={200: five.HonorDetail, **errors(400, 403)},
    summary="推荐微星光（上级党组织审批；同一推荐待审批时重复提交返回同一条）",
)
def honor_nominate(request: HttpRequest, body: HonorNominateIn) -> dict[str, Any]:
    user = actor_of(request)
    org = _managed_org(user, body.org)
    if org is None:
        raise PermissionDenied("只有该组织的书记、支委或管理员可以推荐")
    person = None
    if body.kind == HonorKind.MEMBER:
        # The people the page offers: active members within the officer's orgs.
        person = (
            User.objects.filter(subtree_q([org.path], field="member__org__path"))
            .filter(is_active=True, member__pk=body.member_id or 0)
            .first()
        )
        if person is None:
            raise Refused("请选择本组织的党员", field="member_id")
    try:
        item = honor_services.honor_nominate(
            actor=user,
            org=org,
            kind=body.kind,
            name=body.name,
            story=body.story,
            person=person,
            year=body.year,
        )
    except Refused as exc:
        if exc.field == "person":
            raise Refused(exc.message, field="member_id") from exc
        raise
    return five.honor(request, item.pk)


class HonorResubmitIn(Schema):
    story: str = Field(..., max_length=1000, description="修改后的事迹，至少 20 个字")


@router.post(
    "/honors/{int:honor_id}/resubmit",
    response={200: five.HonorDetail, **errors(400, 403, 404)},
    summary="修改被退回的推荐后重新提交（推荐组织）",
)
def honor_resubmit(request: HttpRequest, honor_id: Id, body: HonorResubmitIn) -> dict[str, Any]:
    user = actor_of(request)
    item = honor_selectors.get_honor_for_user(user, honor_id)
    honor_services.honor_resubmit(actor=user, honor=item, story=body.story)
    return five.honor(request, honor_id)


class HonorNominationQuery(five.PageQuery):
    org: str = Field("", max_length=32, description="只看这个组织（含下级）；不填为本人所有组织")
    state: str = Field("", max_length=12, description="nominated、approved 或 returned")


@router.get(
    "/honors/nominations",
    response={200: five.HonorPage},
    summary="本人所在组织的微星光推荐（各状态，新的在前）",
)
def honor_nominations(request: HttpRequest, params: Query[HonorNominationQuery]) -> dict[str, Any]:
    user = actor_of(request)
    org = _managed_org(user, params.org)
    state = params.state if params.state in HonorState.values else ""
    qs = honor_selectors.honors_nominated_in(user, org, state)
    if params.org and org is None:
        qs = qs.none()
    keys = honor_selectors.NOMINATION_KEYS
    return five._page(request, params, qs, keys, five._honor_card)
