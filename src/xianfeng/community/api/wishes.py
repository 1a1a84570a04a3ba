"""The 微心愿 API: the same selectors and services as the pages, the same refusals.

The wall and a public wish are open to everyone; the contact block appears only for those
the page shows it to (the wisher's side, the branch, the current claimer).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest
from ninja import Field, File, Form, Query, Schema
from ninja.files import UploadedFile

from xianfeng.common.apitools import ApiRouter, Id, PageNumber, errors
from xianfeng.common.pagination import keyset_page
from xianfeng.common.types import actor_of
from xianfeng.community import rules, selectors, services
from xianfeng.community.forms import community_orgs
from xianfeng.community.models import Wish, WishPhoto
from xianfeng.community.services import Upload
from xianfeng.orgs.models import Org
from xianfeng.people.apiauth import PUBLIC_AUTH

router = ApiRouter(tags=["微心愿"])
BINARY = {"type": "string", "format": "binary"}


class PhotoOut(Schema):
    id: int
    kind: str
    url: str
    thumb_url: str


class ContactOut(Schema):
    name: str
    phone: str
    address: str


class WishCard(Schema):
    id: int
    title: str
    category: str
    category_label: str
    state: str
    state_label: str
    public_name: str = Field(..., description="公开称呼，不含全名")
    org_code: str
    org_name: str
    value_yuan: int
    claimer_name: str | None
    claimer_org_name: str | None
    published_at: datetime.datetime | None
    due_at: datetime.datetime | None


class WishDetail(WishCard):
    detail: str
    done_note: str
    thanks_note: str
    campaign_id: int | None
    photos: list[PhotoOut]
    contact: ContactOut | None = Field(
        None, description="心愿人联系方式：仅心愿人、代录人、本村社区支部和当前认领人可见"
    )
    actions: list[str] = Field(..., description="当前用户可以做的操作")


class WishPage(Schema):
    results: list[WishCard]
    next_cursor: str | None = Field(
        ..., description="下一页：把它作为 after 再请求一次；null 表示已经到底了"
    )


def _card(wish: Wish) -> dict[str, Any]:
    return {
        "id": wish.pk,
        "title": wish.title,
        "category": wish.category,
        "category_label": wish.get_category_display(),
        "state": wish.state,
        "state_label": wish.get_state_display(),
        "public_name": wish.public_name,
        "org_code": wish.org.code,
        "org_name": wish.org.name,
        "value_yuan": wish.value_yuan,
        "claimer_name": wish.claimer.name if wish.claimer_id and wish.claimer else None,
        "claimer_org_name": wish.claimer_org.name if wish.claimer_org else None,
        "published_at": wish.published_at,
        "due_at": wish.due_at,
    }


def _photo(wish: Wish, photo: WishPhoto) -> dict[str, Any]:
    from django.urls import reverse

    url = reverse("api:wish_photo", args=[wish.pk, photo.pk])
    return {"id": photo.pk, "kind": photo.kind, "url": url, "thumb_url": f"{url}?size=thumb"}


def _actions(user: Any, wish: Wish) -> list[str]:
    state = wish.state
    found = []
    if state == "pending" and rules.can_review(user, wish):
        found.append("review")
    if state == "open" and rules.can_claim(user, wish):
        found.append("claim")
    if state == "claimed" and rules.is_claimer(user, wish):
        found += ["fulfil", "release"]
    if state == "confirming" and (rules.is_wisher_side(user, wish) or rules.can_review(user, wish)):
        found.append("confirm")
    if state == "confirming" and rules.is_wisher_side(user, wish):
        found.append("dispute")
    if state in {"pending", "open", "claimed"} and (
        rules.is_wisher_side(user, wish) or rules.can_review(user, wish)
    ):
        found.append("withdraw")
    return found


def _detail(user: Any, wish: Wish) -> dict[str, Any]:
    contact = None
    c = getattr(wish, "contact", None) if rules.can_see_contact(user, wish) else None
    if c is not None:
        contact = {"name": c.name, "phone": c.phone, "address": c.address}
    return {
        **_card(wish),
        "detail": wish.detail,
        "done_note": wish.done_note,
        "thanks_note": wish.thanks_note,
        "campaign_id": wish.campaign_id,
        "photos": [_photo(wish, p) for p in selectors.photos_of(wish)],
        "contact": contact,
        "actions": _actions(user, wish),
    }


class WallQuery(Schema):
    org: str = Field("", max_length=32, description="村社区或镇街的组织代码（含下级）")
    category: str = Field("", max_length=16)
    state: str = Field("", max_length=12, description="open、claimed、confirming、fulfilled")
    campaign: Id | None = None
    after: str = Field("", max_length=40, description="上一页返回的 next_cursor；不填为最新的一页")
    page_size: PageNumber = 20


@router.get(
    "/",
    response={200: WishPage, **errors(404)},
    auth=PUBLIC_AUTH,
    summary="心愿墙（公开的心愿，不含心愿人全名和联系方式；按 next_cursor 翻页）",
)
def wall(request: HttpRequest, params: Query[WallQuery]) -> dict[str, Any]:
    org = None
    if params.org:
        org = community_orgs().filter(code=params.org).first()
        if org is None:
            raise Http404("找不到该村社区")
    campaign = None
    if params.campaign:
        campaign = selectors.get_campaign(params.campaign)
    qs = selectors.wish_wall(
        selectors.WishFilters(
            org=org, category=params.category, state=params.state, campaign=campaign
        )
    )
    # Walked by a cursor as the page is (no OFFSET, no COUNT): a deep page of a county's
    # 100,000 wishes costs what the first does, and wishes published meanwhile shift nothing.
    page = keyset_page(
        request, qs, field="published_at", per_page=max(1, min(params.page_size, 50))
    )
    return {"results": [_card(w) for w in page.object_list], "next_cursor": page.next_cursor}


class MineQuery(Schema):
    role: str = Field("wisher", description="wisher：我的心愿；claimer：我认领的")


@router.get("/mine", response={200: list[WishCard]}, summary="我的心愿或我认领的心愿")
def mine(request: HttpRequest, params: Query[MineQuery]) -> list[dict[str, Any]]:
    user = actor_of(request)
    qs = selectors.my_claims(user) if params.role == "claimer" else selectors.my_wishes(user)
    return [_card(w) for w in qs[:100]]


@router.get(
    "/{int:wish_id}",
    response={200: WishDetail, **errors(404)},
    auth=PUBLIC_AUTH,
    summary="一个心愿",
)
def detail(request: HttpRequest, wish_id: Id) -> dict[str, Any]:
    return _detail(request.user, selectors.get_wish_for_user(request.user, wish_id))


def _org(code: str) -> Org:
    org = community_orgs().filter(code=code).first()
    if org is None:
        raise Http404("找不到该村社区")
    return org


@router.post(
    "/",
    response={200: WishDetail, **errors(400, 403, 404)},
    summary="提交心愿（代录时 on_behalf=true 并填写心愿人姓名）",
)
def post(
    request: HttpRequest,
    org: Form[str],
    category: Form[str],
    title: Form[str],
    detail: Form[str] = "",
    value_yuan: Form[int] = 0,
    public_name: Form[str] = "",
    on_behalf: Form[bool] = False,
    contact_name: Form[str] = "",
    contact_phone: Form[str] = "",
    contact_address: Form[str] = "",
    photo: File[UploadedFile | None] = None,
) -> dict[str, Any]:
    user = actor_of(request)
    if not 0 <= value_yuan <= 1_000_000:
        value_yuan = -1  # refused by the service with the limit in Chinese
    wish = services.wish_post(
        actor=user,
        org=_org(org[:32]),
        category=category,
        title=title,
        detail=detail,
        value_yuan=value_yuan,
        public_name=public_name,
        on_behalf=on_behalf,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_address=contact_address,
        photos=[Upload(handle=photo, size=photo.size or 0)] if photo else [],
    )
    return _detail(user, selectors.get_wish_for_user(user, wish.pk))


class WishReviewIn(Schema):
    approve: bool
    note: str = Field("", max_length=200)
    title: str | None = Field(None, max_length=60)
    detail: str | None = Field(None, max_length=500)
    public_name: str | None = Field(None, max_length=20)


def _after(request: HttpRequest, wish_id: int) -> dict[str, Any]:
    return _detail(request.user, selectors.get_wish_for_user(request.user, wish_id))


@router.post(
    "/{int:wish_id}/review",
    response={200: WishDetail, **errors(400, 403, 404)},
    summary="审核心愿（本村社区支部）",
)
def review(request: HttpRequest, wish_id: Id, body: WishReviewIn) -> dict[str, Any]:
    wish = selectors.get_wish_for_user(request.user, wish_id)
    services.wish_review(
        actor=actor_of(request),
        wish=wish,
        approve=body.approve,
        note=body.note,
        title=body.title,
        detail=body.detail,
        public_name=body.public_name,
    )
    return _after(request, wish_id)


class ClaimIn(Schema):
    org: str = Field("", max_length=32, description="以组织名义认领时填组织代码")


@router.post(
    "/{int:wish_id}/claim",
    response={200: WishDetail, **errors(400, 403, 404)},
    summary="认领心愿（同一时刻只有一人能认领成功）",
)
def claim(request: HttpRequest, wish_id: Id, body: ClaimIn) -> dict[str, Any]:
    user = actor_of(request)
    wish = selectors.get_wish_for_user(user, wish_id)
    org = None
    if body.org:
        org = next((o for o in selectors.claim_orgs_for(user) if o.code == body.org), None)
        if org is None:
            raise PermissionDenied("只能以您任职的组织名义认领")
    services.wish_claim(actor=user, wish=wish, org=org)
    return _after(request, wish_id)


class WishNoteIn(Schema):
    note: str = Field("", max_length=300)


@router.post(
    "/{int:wish_id}/release",
    response={200: WishDetail, **errors(400, 403, 404)},
    summary="放弃认领",
)
def release(request: HttpRequest, wish_id: Id, body: WishNoteIn) -> dict[str, Any]:
    wish = selectors.get_wish_for_user(request.user, wish_id)
    services.wish_release(actor=actor_of(request), wish=wish, reason=body.note[:200])
    return _after(request, wish_id)


@router.post(
    "/{int:wish_id}/fulfil",
    response={200: WishDetail, **errors(400, 403, 404)},
    summary="报告心愿已实现（附照片）",
)
def fulfil(
    request: HttpRequest,
    wish_id: Id,
    note: Form[str],
    photo: File[UploadedFile | None] = None,
) -> dict[str, Any]:
    wish = selectors.get_wish_for_user(request.user, wish_id)
    services.wish_fulfil(
        actor=actor_of(request),
        wish=wish,
        note=note,
        photos=[Upload(handle=photo, size=photo.size or 0)] if photo else [],
    )
    return _after(request, wish_id)


@router.post(
    "/{int:wish_id}/confirm",
    response={200: WishDetail, **errors(400, 403, 404)},
    summary="确认心愿已实现（心愿人、代录人或支部）",
)
def confirm(request: HttpRequest, wish_id: Id, body: WishNoteIn) -> dict[str, Any]:
    wish = selectors.get_wish_for_user(request.user, wish_id)
    services.wish_confirm(actor=actor_of(request), wish=wish, thanks=body.note)
    return _after(request, wish_id)


@router.post(
    "/{int:wish_id}/dispute",
    response={200: WishDetail, **errors(400, 403, 404)},
    summary="对实现情况提出异议",
)
def dispute(request: HttpRequest, wish_id: Id, body: WishNoteIn) -> dict[str, Any]:
    wish = selectors.get_wish_for_user(request.user, wish_id)
    services.wish_dispute(actor=actor_of(request), wish=wish, note=body.note)
    return _after(request, wish_id)


@router.post(
    "/{int:wish_id}/withdraw",
    response={200: WishDetail, **errors(400, 403, 404)},
    summary="撤回心愿",
)
def withdraw(request: HttpRequest, wish_id: Id, body: WishNoteIn) -> dict[str, Any]:
    wish = selectors.get_wish_for_user(request.user, wish_id)
    services.wish_withdraw(actor=actor_of(request), wish=wish, reason=body.note[:200])
    return _after(request, wish_id)


@router.get(
    "/{int:wish_id}/photos/{int:photo_id}",
    url_name="wish_photo",
    response={200: None, **errors(404)},
    auth=PUBLIC_AUTH,
    summary="心愿照片（size=thumb 为缩略图；与心愿同样的可见范围）",
    openapi_extra={
        "responses": {200: {"description": "JPEG", "content": {"image/jpeg": {"schema": BINARY}}}}
    },
)
def photo(request: HttpRequest, wish_id: Id, photo_id: Id, size: str = "") -> FileResponse:
    item = selectors.get_photo_for_user(request.user, wish_id, photo_id)
    field = item.thumb if size == "thumb" else item.image
    try:
        handle = field.open("rb")
    except OSError as exc:
        raise Http404("文件不存在") from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response
