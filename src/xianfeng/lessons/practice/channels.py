"""展播 channels: an org's officers curate an ordered list of lessons for an audience and a
period; members find the current ones. (The Showcase model predates this module.)"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Max

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import clean_text, is_blank
from xianfeng.lessons.models import Lesson, Showcase, ShowcaseItem
from xianfeng.lessons.rules import can_manage_lessons
from xianfeng.lessons.selectors import published_lessons_for
from xianfeng.orgs.models import Org
from xianfeng.people.models import User


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


def showcase_add(*, actor: User, showcase: Showcase, lesson: Lesson) -> ShowcaseItem:
    """Append a published lesson the curator may see (once: a second add changes nothing)."""
    _check(actor, showcase)
    if not published_lessons_for(actor).filter(pk=lesson.pk).exists():
        raise Refused("只能加入已发布的微党课", field="lesson")
    with transaction.atomic():
        Showcase.objects.select_for_update().filter(pk=showcase.pk).first()
        existing = ShowcaseItem.objects.filter(showcase=showcase, lesson=lesson).first()
        if existing is not None:
            return existing
        last = ShowcaseItem.objects.filter(showcase=showcase).aggregate(m=Max("position"))["m"]
        item = ShowcaseItem.objects.create(
            showcase=showcase, lesson=lesson, position=0 if last is None else last + 1
        )
        audit_log(
            actor=actor,
            action="showcase.item_added",
            obj=showcase,
            org=showcase.org,
            data={"lesson_id": lesson.pk},
        )
    return item


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
