from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import authenticate
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Schema, Status

from xianfeng.common.apitools import ApiRouter, ErrorOut, Id, PageNumber, errors
from xianfeng.common.types import actor_of
from xianfeng.orgs.enums import RoleKind
from xianfeng.orgs.rules import can_manage_roster, holds_any
from xianfeng.orgs.selectors import orgs_managed_by, roles_of
from xianfeng.people import services
from xianfeng.people.apiauth import bearer_key
from xianfeng.people.auth import INVALID_LOGIN, Throttle, locked_message, login_was_locked
from xianfeng.people.models import Member
from xianfeng.people.qr import qr_data_uri
from xianfeng.people.rules import check_may_manage_login
from xianfeng.people.selectors import MemberFilters, get_member_for_user, member_list
from xianfeng.people.services.two_step import two_step_check, two_step_device

auth_router = ApiRouter(tags=["登录"])
TWO_STEP_NEEDED = "该账号已开启两步验证，请同时提交验证器中的 6 位数字（code）"
members_router = ApiRouter(tags=["党员"])


class TokenIn(Schema):
    username: str
    password: str
    label: str = ""
    code: str = ""  # the authenticator's 6 digits, for accounts with two-step sign-in


class TokenOut(Schema):
    token: str
    expires_at: datetime.datetime


class RoleOut(Schema):
    kind: str
    kind_label: str
    org_code: str
    org_name: str


class MeOut(Schema):
    id: int
    name: str
    phone: str
    is_member: bool
    member_id: int | None
    org_code: str | None
    roles: list[RoleOut]


@auth_router.post(
    "/token",
    auth=None,
    response={200: TokenOut, 401: ErrorOut, 429: ErrorOut},
    summary="用手机号或用户名和密码（开启两步验证的账号还需验证码）换取接口令牌",
)
def token(request: HttpRequest, body: TokenIn) -> Status[dict[str, Any]]:

    # The backend counts failures per account and address and refuses while locked.
    user = authenticate(request, username=body.username, password=body.password)
    if user is None:
        if login_was_locked(request):
            return Status(429, {"detail": locked_message(), "field": None})
        return Status(401, {"detail": INVALID_LOGIN, "field": "password"})
    device = two_step_device(user)
    if device is not None:
        throttle = Throttle.for_user(user, request)
        if throttle.locked():
            return Status(429, {"detail": locked_message(), "field": None})
        if not body.code.strip():
            return Status(401, {"detail": TWO_STEP_NEEDED, "field": "code"})
        problem = two_step_check(device=device, code=body.code)
        if problem is not None:
            throttle.failed()
            return Status(401, {"detail": problem, "field": "code"})
        throttle.succeeded()
    tok, key = services.api_token_issue(user=user, label=body.label)
    return Status(200, {"token": key, "expires_at": tok.expires_at})


@auth_router.delete(
    "/token", response={204: None}, summary="注销当前令牌（之后用它的请求一律 401）"
)
def token_revoke(request: HttpRequest) -> Status[None]:
    key = bearer_key(request)
    if key:
        services.api_token_revoke(user=request.user, key=key)  # type: ignore[arg-type]
    return Status(204, None)


@auth_router.get("/me", response=MeOut, summary="当前用户")
def me(request: HttpRequest) -> dict[str, Any]:
    user: Any = request.user
    member = getattr(user, "member", None)
    return {
        "id": user.pk,
        "name": user.name,
        "phone": user.masked_phone,
        "is_member": member is not None,
        "member_id": member.pk if member else None,
        "org_code": member.org.code if member else None,
        "roles": [
            {
                "kind": r.kind,
                "kind_label": r.get_kind_display(),
                "org_code": r.org.code,
                "org_name": r.org.name,
            }
            for r in roles_of(user)
        ],
    }


class MemberOut(Schema):
    id: int
    name: str
    gender: str
    phone: str
    id_number: str
    status: str
    status_label: str
    org_code: str
    org_name: str
    group_name: str
    joined_on: datetime.date | None
    confirmed_on: datetime.date | None
    is_mobile: bool
    mobile_place: str
    position: str
    masked: bool


class MemberPage(Schema):
    count: int
    page: int
    pages: int
    results: list[MemberOut]


class MemberQuery(Schema):
    q: str = ""
    org: str = ""
    status: str = ""
    gender: str = ""
    education: str = ""
    mobile: str = ""
    page: PageNumber = 1
    page_size: PageNumber = 20


def _member_out(user: Any, m: Member) -> dict[str, Any]:
    private = can_manage_roster(user, m.org)
    return {
        "id": m.pk,
        "name": m.user.name,
        "gender": m.gender,
        "phone": (m.user.phone or "") if private else m.user.masked_phone,
        "id_number": (m.id_number or "") if private else m.masked_id_number,
        "status": m.status,
        "status_label": m.get_status_display(),
        "org_code": m.org.code,
        "org_name": m.org.name,
        "group_name": m.group.name if m.group else "",
        "joined_on": m.joined_on,
        "confirmed_on": m.confirmed_on,
        "is_mobile": m.is_mobile,
        "mobile_place": m.mobile_place,
        "position": m.position,
        "masked": not private,
    }


@members_router.get(
    "/", response={200: MemberPage, **errors(404)}, summary="党员名册（按权限范围）"
)
def members(request: HttpRequest, filters: Query[MemberQuery]) -> dict[str, Any]:
    user: Any = request.user
    org = None
    if filters.org:
        org = orgs_managed_by(user).filter(code=filters.org).first()
        if org is None:
            from django.http import Http404

            raise Http404("找不到该组织")
    if not holds_any(user, RoleKind.values):
        qs = member_list(user, MemberFilters())  # only their own record
    else:
        qs = member_list(
            user,
            MemberFilters(
                q=filters.q,
                org=org,
                status=filters.status,
                gender=filters.gender,
                education=filters.education,
                mobile=filters.mobile,
            ),
        )
    paginator = Paginator(qs, max(1, min(filters.page_size, 100)))
    page = paginator.get_page(filters.page)
    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "results": [_member_out(user, m) for m in page.object_list],
    }


@members_router.get(
    "/{int:member_id}", response={200: MemberOut, **errors(404)}, summary="党员详情"
)
def member_detail(request: HttpRequest, member_id: Id) -> dict[str, Any]:
    return _member_out(request.user, get_member_for_user(request.user, member_id))


def _member_login(request: HttpRequest, member_id: int) -> Member:
    """As the page: 404 outside the person's sight, 403 with the reason for someone seen
    but not theirs to manage (people/rules.py)."""
    member = get_member_for_user(request.user, member_id)
    check_may_manage_login(request.user, member.user)
    return member


class PasswordIn(Schema):
    password: str


class PasswordLinkOut(Schema):
    url: str
    qr: str
    expires_at: datetime.datetime


@members_router.post(
    "/{int:member_id}/password-link",
    response={201: PasswordLinkOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="生成一次性设置密码链接（本人打开后自己设置密码）",
)
def member_password_link(request: HttpRequest, member_id: int) -> Status[dict[str, Any]]:
    member = _member_login(request, member_id)
    link, key = services.password_link_issue(actor=actor_of(request), user=member.user)
    url = request.build_absolute_uri(reverse("people:password_link", args=[key]))
    return Status(201, {"url": url, "qr": qr_data_uri(url), "expires_at": link.expires_at})


@members_router.post(
    "/{int:member_id}/password",
    response={204: None, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="直接为党员设置登录密码（建议改用一次性链接）",
)
def member_set_password(request: HttpRequest, member_id: int, body: PasswordIn) -> Status[None]:
    member = _member_login(request, member_id)
    services.user_set_password(actor=actor_of(request), user=member.user, password=body.password)
    return Status(204, None)
