"""Writes of 微心愿: post, review, claim, fulfil, confirm, dispute, withdraw, expire.

Every change of state goes through common/transitions (audit row + `wish.<state>` event)
on a row locked for the change, and tells the people concerned through notify.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from xianfeng.audit import events
from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.images import process_image
from xianfeng.common.text import clean_text
from xianfeng.common.transitions import transition
from xianfeng.community import rules, selectors
from xianfeng.community.enums import (
    PHOTO_MAX_BYTES,
    PHOTO_MAX_SIDE,
    PHOTOS_PER_KIND,
    REVIEW_ROLES,
    THUMB_MAX_SIDE,
    WISH_MACHINE,
    WITHDRAWABLE_STATES,
    ClaimEnd,
    NoticeKind,
    PhotoKind,
    WishCategory,
    WishState,
)
from xianfeng.community.models import Wish, WishCampaign, WishClaim, WishContact, WishPhoto
from xianfeng.community.services._common import Upload, optional_in, text_in
from xianfeng.moderation.services import text_check
from xianfeng.notify.services.sending import notify
from xianfeng.orgs.enums import OrgKind, Region
from xianfeng.orgs.models import Org, Role, subtree_q
from xianfeng.people.models import User

COMMUNITY_REGIONS = frozenset({Region.VILLAGE, Region.TOWN})
# A dispute gives the claimer at least this long to put things right.
DISPUTE_GRACE = datetime.timedelta(days=7)
# A second identical post within this long is the same wish (a double click, a resend).
REPEAT_WINDOW = datetime.timedelta(minutes=10)


# --- helpers ----------------------------------------------------------------------------------

_text = text_in
_optional = optional_in


def public_name_for(name: str) -> str:
    """What the wall shows instead of a name: the surname and stars ("孙**")."""
    name = clean_text(name or "", multiline=False).strip()
    if not name:
        return "居民"
    return name[0] + "*" * min(max(len(name) - 1, 1), 3)


def _home_branch(user: User) -> Org | None:
    from xianfeng.people.selectors import member_of

    member = member_of(user)
    return member.org if member is not None else None


def _locked(wish: Wish) -> Wish:
    return Wish.objects.select_for_update().get(pk=wish.pk)


def _wish_url(wish: Wish) -> str:
    return reverse("community:wish", args=[wish.pk])


def _tell(
    user_ids: Iterable[int | None], wish: Wish, *, kind: str, title: str, body: str, actor: Any
) -> None:
    ids = sorted({i for i in user_ids if i is not None and i != getattr(actor, "pk", None)})
    if ids:
        notify(
            users=ids,
            title=title,
            body=body,
            url=_wish_url(wish),
            kind=kind,
            actor=actor,
            org=wish.org,
            about=wish,
        )


def _wisher_side(wish: Wish) -> list[int | None]:
    return [wish.wisher_id, wish.posted_by_id]


def reviewers_for(org: Org) -> list[int]:
    """The officers of the nearest org (the community itself, or up the tree) that has any:
    a village's wishes go to its own branch, not to every county admin."""
    chain = [*org.ancestor_ids(), org.pk]
    holders: dict[int, list[int]] = {}
    for org_id, user_id in Role.objects.filter(org_id__in=chain, kind__in=REVIEW_ROLES).values_list(
        "org_id", "user_id"
    ):
        holders.setdefault(org_id, []).append(user_id)
    for org_id in reversed(chain):
        if holders.get(org_id):
            return sorted(set(holders[org_id]))
    return []


def _event_data(wish: Wish) -> dict[str, Any]:
    return {
        "org_id": wish.org_id,
        "category": wish.category,
        "campaign_id": wish.campaign_id,
        "claimer_id": wish.claimer_id,
        "claimer_org_id": wish.claimer_org_id,
    }


def _save_photos(
    wish: Wish, *, kind: str, uploads: Sequence[Upload], actor: User, written: list[str]
) -> list[WishPhoto]:
    """Shrink and store photos (inside the caller's transaction); `written` collects the
    file names so the caller can remove them if the transaction fails."""
    if not uploads:
        return []
    existing = WishPhoto.objects.filter(wish=wish, kind=kind).count()
    if existing + len(uploads) > PHOTOS_PER_KIND:
        raise Refused(f"每个心愿最多 {PHOTOS_PER_KIND} 张{PhotoKind(kind).label}", field="photo")
    saved = []
    for upload in uploads:
        processed = process_image(
            upload.handle,
            size=upload.size,
            max_side=PHOTO_MAX_SIDE,
            max_bytes=PHOTO_MAX_BYTES,
            thumb_side=THUMB_MAX_SIDE,
        )
        stem = uuid.uuid4().hex
        photo = WishPhoto(
            wish=wish,
            kind=kind,
            width=processed.width,
            height=processed.height,
            uploaded_by=actor,
        )
        photo.image.save(f"{stem}.jpg", ContentFile(processed.image), save=False)
        written.append(photo.image.name or "")
        photo.thumb.save(f"{stem}-s.jpg", ContentFile(processed.thumb), save=False)
        written.append(photo.thumb.name or "")
        photo.save()
        saved.append(photo)
    return saved


def _forget_files(names: list[str]) -> None:
    storage: Any = WishPhoto._meta.get_field("image").storage
    for name in names:
        if name:
            storage.delete(name)


# --- posting and review -----------------------------------------------------------------------


def wish_post(
    *,
    actor: User,
    org: Org,
    category: str,
    title: str,
    detail: str = "",
    value_yuan: int = 0,
    public_name: str = "",
    on_behalf: bool = False,
    contact_name: str = "",
    contact_phone: str = "",
    contact_address: str = "",
    photos: Sequence[Upload] = (),
    now: datetime.datetime | None = None,
) -> Wish:
    """A resident posts a wish for review by the community's branch; a cadre or site admin
    may enter one for someone without a phone (代录), with their contact kept private."""
    now = now or timezone.now()
    if org.region not in COMMUNITY_REGIONS or org.kind == OrgKind.GROUP:
        raise Refused("请选择心愿人所在的村或社区", field="org")
    if category not in WishCategory.values:
        raise Refused("请选择心愿类别", field="category")
    title = _text(title, field="title", label="心愿", minimum=4, maximum=60)
    detail = _optional(detail, field="detail", label="详细说明", maximum=500)
    limit = settings.WISH_MAX_YUAN
    if value_yuan < 0 or value_yuan > limit:
        raise Refused(f"微心愿的估计价值不超过 {limit} 元", field="value_yuan")
    address = _optional(contact_address, field="contact_address", label="住址", maximum=100)
    if on_behalf:
        if not rules.can_post_for_others(actor, org):
            raise PermissionDenied("只有本村社区的书记、支委或站点管理员可以代录心愿")
        name = _text(contact_name, field="contact_name", label="心愿人姓名", minimum=2, maximum=50)
        phone = _optional(contact_phone, field="contact_phone", label="联系电话", maximum=20)
        wisher = None
    else:
        name, phone, wisher = actor.name, actor.phone or "", actor
    shown = _optional(public_name, field="public_name", label="公开称呼", maximum=20)
    shown = shown or public_name_for(name)
    words = text_check(f"{title}\n{detail}\n{shown}")
    with transaction.atomic():
        # One post at a time per person, so a double click finds the first one.
        User.objects.select_for_update().filter(pk=actor.pk).first()
        repeat = (
            Wish.objects.filter(
                posted_by=actor,
                org=org,
                title=title,
                state=WishState.PENDING,
                created_at__gte=now - REPEAT_WINDOW,
            )
            .order_by("-id")
            .first()
        )
        if repeat is not None:
            return repeat
        wish = Wish.objects.create(
            org=org,
            campaign=selectors.campaign_for_org(org, on=timezone.localdate(now)),
            category=category,
            title=title,
            detail=detail,
            value_yuan=value_yuan,
            public_name=shown,
            wisher=wisher,
            posted_by=actor,
            on_behalf=on_behalf,
            flagged_words=words,
        )
        WishContact.objects.create(wish=wish, name=name, phone=phone, address=address)
        written: list[str] = []
        try:
            _save_photos(wish, kind=PhotoKind.WISH, uploads=photos, actor=actor, written=written)
        except BaseException:
            _forget_files(written)
            raise
        events.publish(
            "wish.posted",
            actor=actor,
            obj=wish,
            org=org,
            data={**_event_data(wish), "on_behalf": on_behalf},
        )
        _tell(
            reviewers_for(org),
            wish,
            kind=NoticeKind.REVIEW,
            title=f"新的微心愿待审核：{title}",
            body=f"{org.name} · {WishCategory(category).label}",
            actor=actor,
        )
    return wish


def wish_review(
    *,
    actor: User,
    wish: Wish,
    approve: bool,
    note: str = "",
    title: str | None = None,
    detail: str | None = None,
    public_name: str | None = None,
    now: datetime.datetime | None = None,
) -> Wish:
    """The branch approves a wish (after editing out personal details if need be), making
    it public, or refuses it with a reason."""
    now = now or timezone.now()
    if not rules.can_review(actor, wish):
        raise PermissionDenied("只有本村社区的书记或支委可以审核心愿")
    note = _optional(note, field="note", label="审核意见", maximum=200)
    if not approve and not note:
        raise Refused("请写明未通过的原因", field="note")
    with transaction.atomic():
        wish = _locked(wish)
        if wish.state != WishState.PENDING:
            raise Refused(f"该心愿已{wish.get_state_display()}，无需再审核")
        fields: dict[str, Any] = {"reviewed_by": actor, "reviewed_at": now, "review_note": note}
        if title is not None:
            fields["title"] = _text(title, field="title", label="心愿", minimum=4, maximum=60)
        if detail is not None:
            fields["detail"] = _optional(detail, field="detail", label="详细说明", maximum=500)
        if public_name is not None:
            fields["public_name"] = (
                _optional(public_name, field="public_name", label="公开称呼", maximum=20)
                or wish.public_name
            )
        if approve:
            text = "\n".join(
                [
                    fields.get("title", wish.title),
                    fields.get("detail", wish.detail),
                    fields.get("public_name", wish.public_name),
                ]
            )
            words = text_check(text)
            if words:
                raise Refused(f"请先修改含有敏感词的内容：{'、'.join(words[:5])}", field="title")
            fields["flagged_words"] = []
            fields["published_at"] = now
        target = WishState.OPEN if approve else WishState.REJECTED
        transition(
            wish, WISH_MACHINE, target, actor=actor, org=wish.org, fields=fields,
            data=_event_data(wish),
        )  # fmt: skip
        _tell(
            _wisher_side(wish),
            wish,
            kind=NoticeKind.PROGRESS,
            title=(
                f"您的微心愿已公开，等待认领：{wish.title}"
                if approve
                else f"您的微心愿未通过审核：{wish.title}"
            ),
            body=note,
            actor=actor,
        )
    return wish


# --- claiming ---------------------------------------------------------------------------------


def wish_claim(
    *,
    actor: User,
    wish: Wish,
    org: Org | None = None,
    now: datetime.datetime | None = None,
) -> Wish:
    """Claim an open wish, for oneself or in the name of an org one runs.

    Two claims racing for one wish end with one claim: the wish row is locked and its
    state decides; the partial unique index on active claims backs that up. A claimer's
    open claims are counted under a lock on the claimer (person or org), so two claims by
    one claimer at once cannot both slip under the limit. The same person claiming twice
    (a double click) gets their claim back, not an error.
    """
    now = now or timezone.now()
    if not rules.can_claim(actor, wish):
        raise Refused("不能认领自己提交的心愿")
    if org is not None and not rules.can_claim_for(actor, org):
        raise PermissionDenied("只有该组织的书记、组织委员或管理员可以以组织名义认领")
    limit = settings.WISH_MAX_CLAIMS
    if wish.state in (WishState.CLAIMED, WishState.CONFIRMING) and not (
        wish.claimer_id == actor.pk and wish.claimer_org_id == getattr(org, "pk", None)
    ):
        # Already someone else's when the caller's selector read it (this request): refused
        # without queueing for the wish's lock behind the others racing for it. A release
        # in the milliseconds since is answered as if the claim had come a moment earlier.
        raise Refused("这个心愿刚刚已被认领，请看看其他心愿")
    try:
        with transaction.atomic():
            # Lock order: the claimer first, then the wish, in every claim.
            if org is not None:
                Org.objects.select_for_update().filter(pk=org.pk).first()
            else:
                User.objects.select_for_update().filter(pk=actor.pk).first()
            wish = _locked(wish)
            if wish.state in (WishState.CLAIMED, WishState.CONFIRMING):
                if wish.claimer_id == actor.pk and wish.claimer_org_id == getattr(org, "pk", None):
                    return wish
                raise Refused("这个心愿刚刚已被认领，请看看其他心愿")
            if wish.state != WishState.OPEN:
                raise Refused(f"这个心愿{wish.get_state_display()}，不能认领")
            held = selectors.open_claims_count(claimer=actor, org=org)
            if held >= limit:
                who = f"{org.name}" if org is not None else "您"
                raise Refused(
                    f"{who}已认领 {held} 个尚未实现的心愿，请先实现后再认领（最多 {limit} 个）"
                )
            due = now + datetime.timedelta(days=settings.WISH_CLAIM_DAYS)
            WishClaim.objects.create(wish=wish, claimer=actor, org=org, claimed_at=now, due_at=due)
            transition(
                wish,
                WISH_MACHINE,
                WishState.CLAIMED,
                actor=actor,
                org=wish.org,
                fields={
                    "claimer": actor,
                    "claimer_org": org,
                    "credit_org": org if org is not None else _home_branch(actor),
                    "claimed_at": now,
                    "due_at": due,
                    "dispute_note": "",
                },
                data={
                    **_event_data(wish),
                    "claimer_id": actor.pk,
                    "claimer_org_id": getattr(org, "pk", None),
                },
            )
            by = org.name if org is not None else actor.name
            _tell(
                _wisher_side(wish),
                wish,
                kind=NoticeKind.PROGRESS,
                title=f"您的微心愿已被认领：{wish.title}",
                body=f"认领方：{by}，将在 {timezone.localtime(due):%Y-%m-%d} 前帮您实现",
                actor=actor,
            )
    except IntegrityError as exc:
        # The unique index caught a second active claim that slipped past the lock
        # (SQLite has no row locks): one claim stands.
        raise Refused("这个心愿刚刚已被认领，请看看其他心愿") from exc
    return wish


def _end_claim(wish: Wish, end: str, now: datetime.datetime) -> None:
    WishClaim.objects.filter(wish=wish, active=True).update(active=False, ended_at=now, end=end)


_CLEARED = {
    "claimer": None,
    "claimer_org": None,
    "credit_org": None,
    "claimed_at": None,
    "due_at": None,
    "done_at": None,
    "done_note": "",
    "dispute_note": "",
}


def wish_release(
    *, actor: User, wish: Wish, reason: str = "", now: datetime.datetime | None = None
) -> Wish:
    """The claimer gives the wish back (it is open again for others)."""
    now = now or timezone.now()
    reason = _optional(reason, field="reason", label="原因", maximum=200)
    with transaction.atomic():
        wish = _locked(wish)
        if not rules.is_claimer(actor, wish):
            raise PermissionDenied("只有认领人可以放弃认领")
        if wish.state != WishState.CLAIMED:
            raise Refused(f"这个心愿{wish.get_state_display()}，不能放弃认领")
        _end_claim(wish, ClaimEnd.RELEASED, now)
        transition(
            wish, WISH_MACHINE, WishState.OPEN, actor=actor, org=wish.org, fields=_CLEARED,
            data={**_event_data(wish), "reason": "released"},
        )  # fmt: skip
        _tell(
            _wisher_side(wish),
            wish,
            kind=NoticeKind.PROGRESS,
            title=f"认领人放弃了认领，心愿重新等待认领：{wish.title}",
            body=reason,
            actor=actor,
        )
    return wish


# --- fulfilling and confirming ----------------------------------------------------------------


def wish_fulfil(
    *,
    actor: User,
    wish: Wish,
    note: str,
    photos: Sequence[Upload] = (),
    now: datetime.datetime | None = None,
) -> Wish:
    """The claimer reports the wish done, with a photo and a note, for the wisher to confirm."""
    now = now or timezone.now()
    note = _text(note, field="note", label="实现情况", minimum=4, maximum=300)
    written: list[str] = []
    try:
        with transaction.atomic():
            wish = _locked(wish)
            if not rules.is_claimer(actor, wish):
                raise PermissionDenied("只有认领人可以报告心愿已实现")
            if wish.state == WishState.CONFIRMING:
                return wish  # reported already (a double click)
            if wish.state != WishState.CLAIMED:
                raise Refused(f"这个心愿{wish.get_state_display()}，不能报告实现")
            _save_photos(wish, kind=PhotoKind.FULFIL, uploads=photos, actor=actor, written=written)
            if not WishPhoto.objects.filter(wish=wish, kind=PhotoKind.FULFIL).exists():
                raise Refused("请上传一张实现心愿的照片", field="photo")
            transition(
                wish, WISH_MACHINE, WishState.CONFIRMING, actor=actor, org=wish.org,
                fields={"done_at": now, "done_note": note}, data=_event_data(wish),
            )  # fmt: skip
            _tell(
                _wisher_side(wish),
                wish,
                kind=NoticeKind.PROGRESS,
                title=f"您的微心愿已实现，请确认：{wish.title}",
                body=note,
                actor=actor,
            )
    except BaseException:
        _forget_files(written)
        raise
    return wish


def wish_confirm(
    *, actor: User, wish: Wish, thanks: str = "", now: datetime.datetime | None = None
) -> Wish:
    """The wisher (or the cadre who entered the wish, or the branch) confirms it done."""
    now = now or timezone.now()
    thanks = _optional(thanks, field="thanks", label="感谢的话", maximum=300)
    with transaction.atomic():
        wish = _locked(wish)
        if not (rules.is_wisher_side(actor, wish) or rules.can_review(actor, wish)):
            raise PermissionDenied("只有心愿人、代录人或本村社区支部可以确认")
        if wish.state == WishState.FULFILLED:
            return wish
        if wish.state != WishState.CONFIRMING:
            raise Refused(f"这个心愿{wish.get_state_display()}，不能确认实现")
        _end_claim(wish, ClaimEnd.FULFILLED, now)
        days_to_claim = (
            (wish.claimed_at - wish.published_at).total_seconds() / 86400
            if wish.claimed_at and wish.published_at
            else None
        )
        transition(
            wish,
            WISH_MACHINE,
            WishState.FULFILLED,
            actor=actor,
            org=wish.org,
            fields={"confirmed_at": now, "thanks_note": thanks},
            data={
                **_event_data(wish),
                "value_yuan": wish.value_yuan,
                "days_to_claim": round(days_to_claim, 2) if days_to_claim is not None else None,
            },
        )
        _tell(
            [wish.claimer_id],
            wish,
            kind=NoticeKind.CLAIM,
            title=f"心愿人确认您已实现心愿：{wish.title}",
            body=thanks or "谢谢您的帮助！",
            actor=actor,
        )
    return wish


def wish_dispute(
    *, actor: User, wish: Wish, note: str, now: datetime.datetime | None = None
) -> Wish:
    """The wisher says it is not done: back to the claimer, with time to put it right."""
    now = now or timezone.now()
    note = _text(note, field="note", label="异议说明", minimum=4, maximum=300)
    with transaction.atomic():
        wish = _locked(wish)
        if not rules.is_wisher_side(actor, wish):
            raise PermissionDenied("只有心愿人或代录人可以提出异议")
        if wish.state != WishState.CONFIRMING:
            raise Refused(f"这个心愿{wish.get_state_display()}，不能提出异议")
        due = max(wish.due_at or now, now + DISPUTE_GRACE)
        WishClaim.objects.filter(wish=wish, active=True).update(due_at=due)
        transition(
            wish, WISH_MACHINE, WishState.CLAIMED, actor=actor, org=wish.org,
            fields={"dispute_note": note, "due_at": due, "done_at": None}, data=_event_data(wish),
        )  # fmt: skip
        _tell(
            [wish.claimer_id],
            wish,
            kind=NoticeKind.CLAIM,
            title=f"心愿人对实现情况有异议：{wish.title}",
            body=note,
            actor=actor,
        )
    return wish


def wish_withdraw(
    *, actor: User, wish: Wish, reason: str = "", now: datetime.datetime | None = None
) -> Wish:
    """The wisher's side (or the branch) takes a wish back before it is done."""
    now = now or timezone.now()
    reason = _optional(reason, field="reason", label="原因", maximum=200)
    with transaction.atomic():
        wish = _locked(wish)
        if not (rules.is_wisher_side(actor, wish) or rules.can_review(actor, wish)):
            raise PermissionDenied("只有心愿人、代录人或本村社区支部可以撤回心愿")
        if wish.state == WishState.WITHDRAWN:
            return wish
        if wish.state not in WITHDRAWABLE_STATES:
            raise Refused(f"这个心愿{wish.get_state_display()}，不能撤回")
        claimer_id = wish.claimer_id
        _end_claim(wish, ClaimEnd.WITHDRAWN, now)
        transition(
            wish, WISH_MACHINE, WishState.WITHDRAWN, actor=actor, org=wish.org,
            fields={**_CLEARED, "review_note": reason or wish.review_note},
            data={**_event_data(wish), "claimer_id": claimer_id},
        )  # fmt: skip
        _tell(
            [claimer_id],
            wish,
            kind=NoticeKind.CLAIM,
            title=f"您认领的心愿已撤回：{wish.title}",
            body=reason,
            actor=actor,
        )
    return wish


# --- deadlines --------------------------------------------------------------------------------


def wishes_expire(*, now: datetime.datetime | None = None) -> tuple[int, int]:
    """The periodic job: claims past their deadline reopen the wish (both sides told,
    once: the second run finds it open); wishes unclaimed too long expire.
    Returns (reopened, expired)."""
    now = now or timezone.now()
    reopened = expired = 0
    overdue = list(
        Wish.objects.filter(state=WishState.CLAIMED, due_at__lt=now).values_list("pk", flat=True)[
            :1000
        ]
    )
    for pk in overdue:
        with transaction.atomic():
            wish = Wish.objects.select_for_update().select_related("org").get(pk=pk)
            # Checked again under the lock: a fulfilment may have come in meanwhile.
            if wish.state != WishState.CLAIMED or wish.due_at is None or wish.due_at >= now:
                continue
            claimer_id = wish.claimer_id
            _end_claim(wish, ClaimEnd.OVERDUE, now)
            transition(
                wish, WISH_MACHINE, WishState.OPEN, actor=None, org=wish.org, fields=_CLEARED,
                data={**_event_data(wish), "claimer_id": claimer_id, "reason": "overdue"},
            )  # fmt: skip
            _tell(
                [claimer_id],
                wish,
                kind=NoticeKind.CLAIM,
                title=f"认领已逾期，心愿重新开放认领：{wish.title}",
                body=f"认领后 {settings.WISH_CLAIM_DAYS} 天内未实现，心愿已重新等待认领。",
                actor=None,
            )
            _tell(
                _wisher_side(wish),
                wish,
                kind=NoticeKind.PROGRESS,
                title=f"认领人未按期实现，心愿重新等待认领：{wish.title}",
                body="我们会继续为您寻找认领人。",
                actor=None,
            )
            reopened += 1
    stale = now - datetime.timedelta(days=settings.WISH_OPEN_DAYS)
    old = list(
        Wish.objects.filter(state=WishState.OPEN, published_at__lt=stale).values_list(
            "pk", flat=True
        )[:1000]
    )
    for pk in old:
        with transaction.atomic():
            wish = Wish.objects.select_for_update().select_related("org").get(pk=pk)
            if (
                wish.state != WishState.OPEN
                or wish.published_at is None
                or wish.published_at >= stale
            ):
                continue
            transition(
                wish, WISH_MACHINE, WishState.EXPIRED, actor=None, org=wish.org,
                data=_event_data(wish),
            )  # fmt: skip
            _tell(
                _wisher_side(wish),
                wish,
                kind=NoticeKind.PROGRESS,
                title=f"心愿长期无人认领，已过期：{wish.title}",
                body="可以联系村社区支部，或重新提交心愿。",
                actor=None,
            )
            expired += 1
    return reopened, expired


# --- campaigns --------------------------------------------------------------------------------


def campaign_create(
    *,
    actor: User,
    org: Org,
    title: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    target: int = 0,
    theme: str = "",
    covers: Sequence[Org] = (),
    meeting_id: int | None = None,
) -> WishCampaign:
    """A county or town launches a 点亮微心愿 campaign: wishes posted in the orgs it covers
    during its period are collected into it (and open wishes there without one join it).
    It may be held together with a 主题党日 of a branch it covers (`meeting_id`)."""
    if not rules.can_run_campaign(actor, org):
        raise PermissionDenied("只有县、镇（街道）党组织的书记、组织委员或管理员可以发起活动")
    title = _text(title, field="title", label="活动名称", minimum=4, maximum=60)
    theme = _optional(theme, field="theme", label="主题", maximum=200)
    if ends_on < starts_on:
        raise Refused("结束日期不能早于开始日期", field="ends_on")
    if (ends_on - starts_on).days > 366:
        raise Refused("活动时间不能超过一年", field="ends_on")
    if not 0 <= target <= 1_000_000:
        raise Refused("目标心愿数应在 0 到 1000000 之间", field="target")
    outside = [o.name for o in covers if not o.path.startswith(org.path)]
    if outside:
        raise Refused(f"只能覆盖本组织的下级组织：{'、'.join(outside[:3])}", field="covers")
    meeting = None
    if meeting_id is not None:
        meeting = (
            selectors.theme_days_for(actor, list(covers) or [org], on=timezone.localdate())
            .filter(pk=meeting_id)
            .first()
        )
        if meeting is None:
            raise Refused("只能结合本活动范围内、近期的主题党日", field="meeting")
    with transaction.atomic():
        campaign = WishCampaign.objects.create(
            org=org,
            title=title,
            theme=theme,
            starts_on=starts_on,
            ends_on=ends_on,
            target=target,
            meeting=meeting,
            created_by=actor,
        )
        if covers:
            campaign.covers.set(covers)
        area = [o.path for o in covers] or [org.path]
        joined = Wish.objects.filter(
            subtree_q(area, field="org__path"),
            campaign__isnull=True,
            state__in=[WishState.PENDING, WishState.OPEN],
        ).update(campaign=campaign)
        audit_log(
            actor=actor,
            action="campaign.create",
            obj=campaign,
            org=org,
            data={
                "title": title,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "joined": joined,
                "meeting": meeting.pk if meeting else None,
            },
        )
    return campaign
