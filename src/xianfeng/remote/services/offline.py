"""Offline packs (离线包, what counties burn on discs today): a published plan, or a site's
fixed menu of a week, packed for one site without a usable network (the zip is built by a
task: it can be large); back online, the site admin enters each roll-call sheet's figures,
which become the viewing, its 代签 attendance and its 集体收看 credit through the same
services as an online viewing — once per sheet, however often it is entered."""

from __future__ import annotations

import datetime
import logging
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.transitions import transition
from xianfeng.lessons.models import Lesson
from xianfeng.orgs.enums import RoleKind
from xianfeng.orgs.rules import has_role_over
from xianfeng.people.enums import ON_ROLL
from xianfeng.people.models import Member
from xianfeng.remote import offline
from xianfeng.remote.enums import PACK_MACHINE, PackState, PlanState, ViewingState
from xianfeng.remote.models import MenuSlot, OfflinePack, OfflineSlot, Site, Viewing, ViewingPlan
from xianfeng.remote.services.loop import (
    can_plan,
    viewing_credit,
    viewing_end,
    viewing_proxy_sign,
    viewing_record,
    viewing_start,
)
from xianfeng.remote.services.menu import menu_slot_start

if TYPE_CHECKING:
    from xianfeng.people.models import User

log = logging.getLogger(__name__)
SITE_RUNNERS = frozenset({RoleKind.SITE_ADMIN, RoleKind.ADMIN})
# Entry codes are printed under the QR as well, for typing: no 0/O, 1/I/L.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
OFFLINE_PLACE = "离线收看"


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_entry_code(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch in CODE_ALPHABET)[:CODE_LENGTH]


class PackError(Exception):
    """A pack cannot be made; `hint` says why, for the person who asked for it."""

    def __init__(self, hint: str) -> None:
        super().__init__(hint)
        self.hint = hint


def can_pack_for(user: User, site: Site, plan: ViewingPlan | None) -> bool:
    """The site's admins (and the org admins above it), or the plan's publisher."""
    if has_role_over(user, site.org, SITE_RUNNERS):
        return True
    return plan is not None and can_plan(user, plan.org)


def _queue_build(pack: OfflinePack) -> None:
    from xianfeng.audit.enqueue import enqueue_on_commit
    from xianfeng.remote.tasks import build_offline_pack

    pack_id = pack.pk

    def queue_down(exc: Exception) -> None:
        OfflinePack.objects.filter(pk=pack_id, state=PackState.QUEUED).update(
            state=PackState.FAILED, failure_reason="任务队列暂时不可用，请稍后点“重新生成”"
        )

    enqueue_on_commit(build_offline_pack, on_failure=queue_down, pack_id=pack_id)


def _create_pack(
    *,
    actor: User,
    site: Site,
    plan: ViewingPlan | None,
    week: datetime.date | None,
    slots: Sequence[tuple[Lesson, datetime.datetime | None, MenuSlot | None]],
) -> OfflinePack:
    with transaction.atomic():
        pack = OfflinePack.objects.create(site=site, plan=plan, week=week, created_by=actor)
        OfflineSlot.objects.bulk_create(
            OfflineSlot(
                pack=pack,
                number=number,
                lesson=lesson,
                starts_at=starts_at,
                menu_slot=menu_slot,
                code=_new_code(),
            )
            for number, (lesson, starts_at, menu_slot) in enumerate(slots, start=1)
        )
        audit_log(
            actor=actor,
            action="offline_pack.request",
            obj=pack,
            org=site.org,
            data={"site": site.code, "plan": plan.pk if plan else None, "week": week},
        )
        _queue_build(pack)
    return pack


def offline_pack_for_plan(*, actor: User, plan: ViewingPlan, site: Site) -> OfflinePack:
    """Ask for a pack of a published plan for one of its sites (built in the background)."""
    if not can_pack_for(actor, site, plan):
        raise PermissionDenied("只有本站点的管理员或计划发布者可以生成离线包")
    if plan.state != PlanState.PUBLISHED:
        raise Refused("收看计划发布后才能生成离线包")
    if not plan.sites.filter(pk=site.pk).exists():
        raise Refused("该收看计划不包括本站点", field="site")
    lessons = list(plan.lessons.order_by("pk"))
    return _create_pack(
        actor=actor,
        site=site,
        plan=plan,
        week=None,
        slots=[(lesson, None, None) for lesson in lessons],
    )


def offline_pack_for_menu(*, actor: User, site: Site, week: datetime.date) -> OfflinePack:
    """Ask for a pack of a site's fixed menu of a week (one viewing per menu item)."""
    if not can_pack_for(actor, site, None):
        raise PermissionDenied("只有本站点的管理员可以生成离线包")
    if week.weekday() != 0:
        raise Refused("周的第一天应为周一", field="week")
    slots = list(
        MenuSlot.objects.filter(site=site, offer__week=week)
        .select_related("offer__lesson")
        .order_by("starts_at", "pk")
    )
    if not slots:
        raise Refused("本周还没有确定菜单，确定菜单后才能生成离线包")
    return _create_pack(
        actor=actor,
        site=site,
        plan=None,
        week=week,
        slots=[(slot.offer.lesson, slot.starts_at, slot) for slot in slots],
    )


def offline_pack_retry(*, actor: User, pack: OfflinePack) -> OfflinePack:
    """Build a failed pack again (or rebuild a ready one: a lesson's video was replaced)."""
    if not can_pack_for(actor, pack.site, pack.plan):
        raise PermissionDenied("只有本站点的管理员或计划发布者可以生成离线包")
    with transaction.atomic():
        pack = OfflinePack.objects.select_for_update().select_related("site__org").get(pk=pack.pk)
        if pack.state not in (PackState.FAILED, PackState.READY):
            raise Refused("离线包正在生成，请稍候")
        transition(
            pack,
            PACK_MACHINE,
            PackState.QUEUED,
            actor=actor,
            org=pack.site.org,
            fields={"progress": 0, "failure_reason": ""},
        )
        _queue_build(pack)
    return pack


# --- the build (the task's body) ---------------------------------------------------------------


def site_members(site: Site) -> list[Member]:
    """The members on the roll of the site's org and below: the names on the sheet."""
    return list(
        Member.objects.filter(org__path__startswith=site.org.path, status__in=ON_ROLL)
        .select_related("user", "org")
        .order_by("org__path", "user__name", "pk")
    )


def entry_url(slot: OfflineSlot) -> str:
    return settings.SITE_URL + reverse("remote:offline_entry", args=[slot.code])


def _set_state(pack: OfflinePack, state: str, **fields: object) -> None:
    with transaction.atomic():
        locked = OfflinePack.objects.select_for_update().select_related("site__org").get(pk=pack.pk)
        transition(locked, PACK_MACHINE, state, actor=None, org=locked.site.org, fields=fields)
    for name, value in {"state": state, **fields}.items():
        setattr(pack, name, value)


def offline_pack_build(*, pack_id: int) -> str:
    """Make the zip of a pack and keep it in private storage; a failure is recorded on the
    pack (with a retry button on its page), not raised. Safe to run twice."""
    pack = OfflinePack.objects.select_related("site__org", "plan__org").filter(pk=pack_id).first()
    if pack is None or pack.state not in (PackState.QUEUED, PackState.BUILDING):
        return pack.state if pack is not None else "missing"
    _set_state(pack, PackState.BUILDING, progress=0)
    try:
        _build(pack)
    except Exception as exc:
        log.exception("offline pack %s failed", pack_id)
        # The reason is shown on the page: no paths, no server details.
        hint = getattr(exc, "hint", "") or f"内部错误（{type(exc).__name__}）"
        _set_state(pack, PackState.FAILED, failure_reason=f"生成失败：{hint}"[:300])
        return PackState.FAILED
    return PackState.READY


def _build(pack: OfflinePack) -> None:
    site = pack.site
    slots = list(pack.slots.select_related("lesson__video", "lesson__org").order_by("number"))
    if pack.plan is not None:
        plan = pack.plan
        title = plan.title
        period = f"{plan.starts_on:%Y年%m月%d日} — {plan.ends_on:%Y年%m月%d日}"
        heading = [
            f"收看计划：{plan.title}",
            f"发布组织：{plan.org.name}",
            f"时间：{period}",
            f"受众：{plan.get_audience_display()}",
            f"站点：{site.name}（{site.code}）",
        ]
        note = plan.note
    else:
        assert pack.week is not None
        title = f"点菜式学习菜单（{pack.week:%Y年%m月%d日}起一周）"
        period = f"{pack.week:%Y年%m月%d日}起一周"
        heading = [title, f"站点：{site.name}（{site.code}）"]
        note = ""
    with offline.workdir() as scratch:
        root = Path(scratch)
        videos: dict[str, Path] = {}
        items: list[offline.PackItem] = []
        total = max(1, sum(len(offline.renditions_for_pack(s.lesson.video)) for s in slots))
        done = 0
        for slot in slots:
            lesson = slot.lesson
            video = lesson.video
            files = []
            for rendition in offline.renditions_for_pack(video):
                label = "高清 720p" if rendition["name"] == "720p" else "标清"
                name = f"videos/{slot.number:02d}-{rendition['name']}.mp4"
                local = root / name.replace("/", "_")
                try:
                    offline.remux_rendition(rendition, local, root)
                except OSError:
                    raise PackError(
                        f"《{lesson.title}》的视频文件缺失，请重新处理该视频后再生成"
                    ) from None
                videos[name] = local
                files.append(offline.PackVideo(label=label, name=name))
                done += 1
                OfflinePack.objects.filter(pk=pack.pk).update(progress=min(95, 95 * done // total))
            items.append(
                offline.PackItem(
                    number=slot.number,
                    title=lesson.title,
                    speaker=getattr(lesson, "speaker_name", "") or "",
                    duration=video.duration if video is not None else 0.0,
                    starts_at=slot.starts_at,
                    code=slot.code,
                    entry_url=entry_url(slot),
                    video=video,
                    files=files,
                )
            )
        names = [m.user.name or m.user.username for m in site_members(site)]
        texts: dict[str, str | bytes] = {
            "index.html": offline.index_html(
                title=title, site_name=site.name, period=period, items=items
            ),
            "plan.txt": offline.plan_text(heading=heading, items=items, note=note),
            "roll-call.pdf": offline.roll_call_pdf(
                title=title,
                site_name=site.name,
                org_name=site.org.name,
                members=names,
                items=items,
            ),
        }
        target = root / "pack.zip"
        size = offline.write_zip(target, texts=texts, videos=videos)
        old = pack.file.name
        stamp = timezone.localtime()
        with target.open("rb") as handle:
            pack.file.save(
                f"{site.code}-{stamp:%Y%m%d%H%M%S}-{pack.pk}.zip", File(handle), save=False
            )
        if old and old != pack.file.name:
            pack.file.storage.delete(old)
    _set_state(
        pack,
        PackState.READY,
        progress=100,
        file=pack.file.name,
        size=size,
        ready_at=timezone.now(),
        failure_reason="",
    )


# --- back online: the sheet's figures -------------------------------------------------------


def offline_slot_record(
    *,
    actor: User,
    slot: OfflineSlot,
    member_ids: Sequence[int],
    residents: int,
    starts_at: datetime.datetime,
) -> Viewing:
    """Enter a filled roll-call sheet: the pack slot's viewing is created the first time
    (through viewing_start / menu_slot_start) and reused after, the ticked members are
    signed in as 代签 and credited as 集体收看 (as when an online viewing ends), and the
    number of 群众 is set. Entering the same sheet again changes nothing; a later entry
    may add names and correct the 群众 count (the date stays the first entry's, and a
    credit once given is not taken back)."""
    pack = slot.pack
    site = pack.site
    if not has_role_over(actor, site.org, SITE_RUNNERS):
        raise PermissionDenied("只有本站点的管理员可以录入签到表")
    if not 0 <= residents <= 10_000:
        raise Refused("群众人数应在 0 到 10000 之间", field="residents")
    if starts_at > timezone.now() + datetime.timedelta(hours=1):
        raise Refused("收看时间不能晚于现在", field="starts_at")
    if starts_at < timezone.now() - datetime.timedelta(days=366):
        raise Refused("收看时间不能早于一年前", field="starts_at")
    allowed = {m.pk: m for m in site_members(site)}
    unknown = [pk for pk in member_ids if pk not in allowed]
    if unknown:
        raise Refused("所选党员不在本站点所属组织的名单中", field="members")
    with transaction.atomic():
        slot = (
            # Lock the slot row only: PostgreSQL refuses FOR UPDATE on an outer join's side.
            OfflineSlot.objects.select_for_update(of=("self",))
            .select_related("pack__site__org", "pack__plan", "lesson", "menu_slot")
            .get(pk=slot.pk)
        )
        viewing = slot.viewing
        if viewing is not None and viewing.state == ViewingState.CANCELLED:
            raise Refused("本场收看已取消，不能再录入")
        created = viewing is None
        if viewing is None:
            viewing = _slot_viewing(actor=actor, slot=slot, starts_at=starts_at)
            slot.viewing = viewing
        for pk in sorted(set(member_ids)):
            viewing_proxy_sign(actor=actor, viewing=viewing, member=allowed[pk])
        viewing = viewing_record(actor=actor, viewing=viewing, residents=residents)
        if viewing.state == ViewingState.OPEN:
            viewing = viewing_end(actor=actor, viewing=viewing)
        else:
            viewing_credit(actor=actor, viewing=viewing)
        slot.recorded_at = timezone.now()
        slot.save(update_fields=["viewing", "recorded_at"])
        audit_log(
            actor=actor,
            action="offline_slot.record",
            obj=viewing,
            org=site.org,
            data={
                "pack": pack.pk,
                "slot": slot.number,
                "members": sorted(set(member_ids)),
                "residents": residents,
                "created": created,
            },
        )
    return viewing


def _slot_viewing(*, actor: User, slot: OfflineSlot, starts_at: datetime.datetime) -> Viewing:
    pack = slot.pack
    if slot.menu_slot is not None:
        menu_slot = slot.menu_slot
        if menu_slot.viewing_id is not None:
            # Started online already (the network came back that day): the same viewing.
            return Viewing.objects.select_related("site__org").get(pk=menu_slot.viewing_id)
        return menu_slot_start(actor=actor, slot=menu_slot, starts_at=starts_at)
    plan = pack.plan
    assert plan is not None  # the check constraint: a plan or a week
    return viewing_start(
        actor=actor,
        site=pack.site,
        plan=plan,
        title=f"{plan.title}：{slot.lesson.title}",
        lessons=[slot.lesson],
        place=OFFLINE_PLACE,
        starts_at=starts_at,
    )
