"""展播 channels: an org's officers curate an ordered list of lessons for an audience and a
period; members find the current ones. (The Showcase model predates this module.)"""

from __future__ import annotations

import datetime
import uuid
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.images import process_image
from xianfeng.common.text import clean_text, is_blank
from xianfeng.lessons.models import Lesson, Showcase, ShowcaseItem
from xianfeng.lessons.rules import can_manage_lessons
from xianfeng.lessons.selectors import published_lessons_for
from xianfeng.notify.services.sending import notify
from xianfeng.orgs.models import Org
from xianfeng.people.models import User
from xianfeng.people.selectors import members_on

# The notice a channel's audience gets when an issue comes out.
SHOWCASE_NOTICE_KIND = "lessons.showcase"
COVER_MAX_BYTES = 10 * 1024 * 1024
# Sized for a 360 px wide phone: the channel page's cover is 360 CSS px wide at 2x; the
# feed's tile (half the width) at 2x too.
COVER_SIDE = 720
COVER_THUMB_SIDE = 360


def _check(actor: Any, showcase: Showcase) -> None:
    if not can_manage_lessons(actor, showcase.org):
        raise PermissionDenied("只有本组织的书记、宣传委员或管理员可以编排展播")


def showcase_settings(
    *,
    actor: User,
    showcase: Showcase,
    title: str,
    description: str = "",
    audience: Org | None = None,
    starts_on: datetime.date | None = None,
    ends_on: datetime.date | None = None,
    numbered: bool = False,
) -> Showcase:
    """A channel's title, audience (inside its org's subtree), period and numbering."""
    _check(actor, showcase)
    title = " ".join(clean_text(title, multiline=False).split())
    if is_blank(title):
        raise Refused("请填写展播名称", field="title")
    if audience is not None and not audience.path.startswith(showcase.org.path):
        raise Refused("展播范围应在本组织之内", field="audience")
    if starts_on and ends_on and ends_on < starts_on:
        raise Refused("结束日期不能早于开始日期", field="ends_on")
    with transaction.atomic():
        showcase.title, showcase.description = title[:100], clean_text(description).strip()[:200]
        showcase.audience, showcase.numbered = audience, numbered
        showcase.starts_on, showcase.ends_on = starts_on, ends_on
        try:
            with transaction.atomic():
                showcase.save()
        except IntegrityError:
            raise Refused("本组织已有同名展播", field="title") from None
        audit_log(actor=actor, action="showcase.settings", obj=showcase, org=showcase.org)
    return showcase


def showcase_cover_set(
    *, actor: User, showcase: Showcase, handle: IO[bytes], size: int
) -> Showcase:
    """A channel's cover picture: checked, turned upright, shrunk and re-encoded as JPEG
    (the photo handling of the rest of the project, which drops EXIF and GPS), kept in the
    private storage; the old files go once the new ones are committed."""
    _check(actor, showcase)
    processed = process_image(
        handle,
        size=size,
        max_side=COVER_SIDE,
        max_bytes=COVER_MAX_BYTES,
        thumb_side=COVER_THUMB_SIDE,
    )
    stem = uuid.uuid4().hex
    with transaction.atomic():
        show = Showcase.objects.select_for_update().get(pk=showcase.pk)
        old = [name for name in (show.cover.name, show.cover_thumb.name) if name]
        show.cover.save(f"{stem}.jpg", ContentFile(processed.image), save=False)
        show.cover_thumb.save(f"{stem}-s.jpg", ContentFile(processed.thumb), save=False)
        show.save(update_fields=["cover", "cover_thumb"])
        audit_log(actor=actor, action="showcase.cover", obj=show, org=show.org)
        storage = show.cover.storage

        def drop_old() -> None:
            for name in old:
                storage.delete(name)

        transaction.on_commit(drop_old)
    showcase.cover, showcase.cover_thumb = show.cover, show.cover_thumb
    return showcase


def showcase_append(*, actor: User, showcase: Showcase, lessons: list[Lesson]) -> list[Lesson]:
    """Add these lessons after the channel's own, in the order given (a contest's
    results, in award order); those already in it stay where they are. Released through
    the same step as the rest (a numbered channel numbers them in turn, its audience told
    once). Returns the lessons that were new. Visibility of the lessons is the caller's."""
    _check(actor, showcase)
    with transaction.atomic():
        show = Showcase.objects.select_for_update(of=("self",)).get(pk=showcase.pk)
        have = list(
            ShowcaseItem.objects.filter(showcase=show)
            .order_by("position", "id")
            .values_list("lesson_id", flat=True)
        )
        had = set(have)
        new = [lesson for lesson in dict.fromkeys(lessons) if lesson.pk not in had]
        if not new:
            return []
        by_id = Lesson.objects.in_bulk(have)
        # Under the lock taken above (showcase_put takes it again in the same transaction),
        # so an item added meanwhile cannot be dropped by the rewrite.
        showcase_put(
            actor=actor, showcase=show, lessons=[by_id[i] for i in have if i in by_id] + new
        )
        audit_log(
            actor=actor,
            action="showcase.items_appended",
            obj=show,
            org=show.org,
            data={"lessons": [lesson.pk for lesson in new]},
        )
    return new


def _check_schedule(publish_at: datetime.datetime | None, now: datetime.datetime) -> None:
    if publish_at is None:
        return
    if publish_at <= now:
        raise Refused("定时发布时间应晚于现在；要立即发布请留空", field="publish_at")
    if publish_at > now + datetime.timedelta(days=366):
        raise Refused("定时发布时间不能超过一年", field="publish_at")


def showcase_add(
    *,
    actor: User,
    showcase: Showcase,
    lesson: Lesson,
    publish_at: datetime.datetime | None = None,
) -> ShowcaseItem:
    """Append a published lesson the curator may see (once: a second add changes nothing).
    Shown at once (in a numbered channel as the next 第 N 期), or at `publish_at` when the
    periodic job releases it."""
    _check(actor, showcase)
    if not published_lessons_for(actor).filter(pk=lesson.pk).exists():
        raise Refused("只能加入已发布的微党课", field="lesson")
    now = timezone.now()
    _check_schedule(publish_at, now)
    with transaction.atomic():
        show = (
            Showcase.objects.select_for_update(of=("self",))
            .select_related("org", "audience")
            .get(pk=showcase.pk)
        )
        existing = ShowcaseItem.objects.filter(showcase=show, lesson=lesson).first()
        if existing is not None:
            return existing
        last = ShowcaseItem.objects.filter(showcase=show).aggregate(m=Max("position"))["m"]
        item = ShowcaseItem.objects.create(
            showcase=show,
            lesson=lesson,
            position=0 if last is None else last + 1,
            publish_at=publish_at,
        )
        audit_log(
            actor=actor,
            action="showcase.item_added",
            obj=show,
            org=show.org,
            data={"lesson_id": lesson.pk, "publish_at": publish_at},
        )
        if publish_at is None:
            _release(show, item, lesson, now, actor=actor, scheduled=False)
    return item


def showcase_put(*, actor: User | None, showcase: Showcase, lessons: list[Lesson]) -> None:
    """Make the channel hold exactly these lessons, in this order (a contest's winners, in
    award order). A lesson already there keeps its item (its 第 N 期, release and schedule);
    one not yet there is added and released now through the same step as a hand-added
    lesson, so a numbered channel gives the new ones the next issue numbers in the order
    given. The audience is told once for the lot (a numbered channel on now), not once per
    lesson. Visibility and permission are the caller's."""
    now = timezone.now()
    with transaction.atomic():
        show = (
            Showcase.objects.select_for_update(of=("self",))
            .select_related("org", "audience")
            .get(pk=showcase.pk)
        )
        wanted = list({lesson.pk: lesson for lesson in lessons}.values())
        keep = {lesson.pk for lesson in wanted}
        ShowcaseItem.objects.filter(showcase=show).exclude(lesson_id__in=keep).delete()
        items = {i.lesson_id: i for i in ShowcaseItem.objects.filter(showcase=show)}
        fresh: list[tuple[ShowcaseItem, Lesson]] = []
        for position, lesson in enumerate(wanted):
            item = items.get(lesson.pk)
            if item is None:
                item = ShowcaseItem.objects.create(showcase=show, lesson=lesson, position=position)
                fresh.append((item, lesson))
            elif item.position != position:
                item.position = position
                ShowcaseItem.objects.filter(pk=item.pk).update(position=position)
        released = [
            (item, lesson)
            for item, lesson in fresh
            if _release(show, item, lesson, now, actor=actor, scheduled=False, tell=False)
        ]
        if released and show.numbered and _is_on(show, now):
            first, last = released[0][0].issue_no, released[-1][0].issue_no
            issues = f"第 {first} 期" if first == last else f"第 {first}–{last} 期"
            titles = "、".join(f"《{lesson.title}》" for _, lesson in released[:3])
            more = f"等 {len(released)} 节课" if len(released) > 3 else ""
            _announce(show, f"{show.title} {issues}：{titles}{more}上线了", now, actor)


def _announce(show: Showcase, title: str, now: datetime.datetime, actor: User | None) -> None:
    """Tell the channel's audience (as of `now`) that something came out on it."""
    notify(
        users=audience_user_ids(show, timezone.localdate(now)),
        title=title,
        url=reverse("lessons:showcase", args=[show.pk]),
        kind=SHOWCASE_NOTICE_KIND,
        actor=actor,
        org=show.org,
        about=show,
    )


def _is_on(show: Showcase, now: datetime.datetime) -> bool:
    today = timezone.localdate(now)
    return (show.starts_on is None or show.starts_on <= today) and (
        show.ends_on is None or show.ends_on >= today
    )


def _next_issue(show: Showcase) -> int:
    last = ShowcaseItem.objects.filter(showcase=show).aggregate(m=Max("issue_no"))["m"]
    return (last or 0) + 1


def _release(
    show: Showcase,
    item: ShowcaseItem,
    lesson: Lesson,
    now: datetime.datetime,
    *,
    actor: User | None,
    scheduled: bool,
    tell: bool = True,
) -> bool:
    """Release one item under its channel's lock: claim it (a second run finds it taken),
    number it in a numbered channel, and tell the audience when it is news to them (a
    numbered issue, or a scheduled one coming out) and the channel is on now (unless the
    caller tells them itself: `tell=False`)."""
    if not ShowcaseItem.objects.filter(pk=item.pk, released_at__isnull=True).update(
        released_at=now
    ):
        return False
    item.released_at = now
    if show.numbered:
        item.issue_no = _next_issue(show)
        ShowcaseItem.objects.filter(pk=item.pk).update(issue_no=item.issue_no)
    audit_log(
        actor=actor,
        action="showcase.item_released",
        obj=show,
        org=show.org,
        data={"lesson_id": lesson.pk, "issue_no": item.issue_no},
    )
    if tell and _is_on(show, now) and (show.numbered or scheduled):
        issue = f"第 {item.issue_no} 期：" if item.issue_no else ""
        _announce(show, f"{show.title} {issue}《{lesson.title}》上线了", now, actor)
    return True


def audience_user_ids(show: Showcase, today: datetime.date) -> list[int]:
    """The active members on the roll in the channel's audience (its org when none)."""
    return list(
        members_on(show.audience or show.org, today, subtree=True)
        .filter(user__is_active=True)
        .values_list("user_id", flat=True)
    )


def showcase_release_now(*, actor: User, showcase: Showcase, lesson_id: int) -> ShowcaseItem:
    """Release a scheduled item before its time (the curator's 立即发布)."""
    _check(actor, showcase)
    with transaction.atomic():
        show = (
            Showcase.objects.select_for_update(of=("self",))
            .select_related("org", "audience")
            .get(pk=showcase.pk)
        )
        item = (
            ShowcaseItem.objects.select_related("lesson")
            .filter(showcase=show, lesson_id=lesson_id)
            .first()
        )
        if item is None:
            raise Refused("展播中没有这节课")
        if item.released_at is None and item.publish_at is not None:
            _release(show, item, item.lesson, timezone.now(), actor=actor, scheduled=True)
    return item


def showcase_release_due(*, now: datetime.datetime | None = None) -> int:
    """Release every scheduled item whose time has come (the periodic job); idempotent:
    each item is claimed once, so overlapping or repeated runs release and notify once."""
    now = now or timezone.now()
    due = list(
        ShowcaseItem.objects.filter(released_at__isnull=True, publish_at__lte=now)
        .order_by("publish_at", "position", "id")
        .values_list("pk", "showcase_id")[:500]
    )
    released = 0
    for item_id, showcase_id in due:
        with transaction.atomic():
            show = (
                Showcase.objects.select_for_update(of=("self",))
                .select_related("org", "audience")
                .get(pk=showcase_id)
            )
            item = (
                ShowcaseItem.objects.select_related("lesson")
                .filter(pk=item_id, released_at__isnull=True)
                .first()
            )
            if item is None:
                continue
            if _release(show, item, item.lesson, now, actor=None, scheduled=True):
                released += 1
    return released


def showcase_remove(*, actor: User, showcase: Showcase, lesson_id: int) -> None:
    _check(actor, showcase)
    with transaction.atomic():
        ShowcaseItem.objects.filter(showcase=showcase, lesson_id=lesson_id).delete()
        audit_log(
            actor=actor,
            action="showcase.item_removed",
            obj=showcase,
            org=showcase.org,
            data={"lesson_id": lesson_id},
        )


def showcase_reorder(*, actor: User, showcase: Showcase, lesson_ids: list[int]) -> list[int]:
    """Put the channel's lessons in the order given (the lessons named first, the rest
    after them in their old order). Positions are rewritten 0..n-1 in one transaction."""
    _check(actor, showcase)
    with transaction.atomic():
        Showcase.objects.select_for_update().filter(pk=showcase.pk).first()
        items = list(ShowcaseItem.objects.filter(showcase=showcase).order_by("position", "id"))
        by_lesson = {i.lesson_id: i for i in items}
        named = [by_lesson[i] for i in dict.fromkeys(lesson_ids) if i in by_lesson]
        ordered = named + [i for i in items if i not in named]
        for position, item in enumerate(ordered):
            item.position = position
        ShowcaseItem.objects.bulk_update(ordered, ["position"])
        audit_log(actor=actor, action="showcase.items", obj=showcase, org=showcase.org)
    return [i.lesson_id for i in ordered]


def showcase_move(*, actor: User, showcase: Showcase, lesson_id: int, up: bool) -> list[int]:
    """Move one lesson a place up or down (the buttons of the page and the TV remote)."""
    order = list(
        ShowcaseItem.objects.filter(showcase=showcase)
        .order_by("position", "id")
        .values_list("lesson_id", flat=True)
    )
    if lesson_id not in order:
        raise Refused("展播中没有这节课")
    i = order.index(lesson_id)
    j = i - 1 if up else i + 1
    if 0 <= j < len(order):
        order[i], order[j] = order[j], order[i]
    return showcase_reorder(actor=actor, showcase=showcase, lesson_ids=order)
