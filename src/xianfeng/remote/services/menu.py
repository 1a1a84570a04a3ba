"""The 点菜式 weekly menu: a site (or a town for all its sites) offers at most 10 lessons a
week; members and residents of the community order them until the deadline (once per
person and offer, changeable); the site admin fixes the menu (which offers, when, for which
audience), and each fixed item is started as a viewing when its time comes. Also the
festival calendar of 户外示范点."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import clean_text
from xianfeng.lessons.models import Lesson
from xianfeng.lessons.selectors import published_lessons_for
from xianfeng.orgs.enums import RoleKind
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import has_role_over
from xianfeng.remote.bulletin import local_day_start
from xianfeng.remote.enums import AudienceGroup
from xianfeng.remote.models import Festival, MenuOffer, MenuOrder, MenuSlot, Site, Viewing
from xianfeng.remote.services.loop import viewing_start

if TYPE_CHECKING:
    from xianfeng.people.models import User

MENU_SIZE = 10
ORG_ADMIN = frozenset({RoleKind.ADMIN})
SITE_RUNNERS = frozenset({RoleKind.SITE_ADMIN, RoleKind.ADMIN})

# The festival calendar every county starts from (the list); each county edits its own.
DEFAULT_FESTIVALS: tuple[tuple[str, int, int, str], ...] = (
    ("学雷锋日", 3, 5, "学雷锋志愿服务主题影片"),
    ("建党节", 7, 1, "党史题材影片、入党誓词重温"),
    ("建军节", 8, 1, "军事题材影片、双拥宣传"),
    ("国庆节", 10, 1, "爱国主义题材影片"),
    ("119 消防宣传日", 11, 9, "消防安全宣传片、火场逃生演示"),
    ("122 交通安全宣传日", 12, 2, "交通安全警示片"),
)


def week_of(day: datetime.date) -> datetime.date:
    """The Monday of a day's week (the menu's week)."""
    return day - datetime.timedelta(days=day.weekday())


def default_deadline(
    week: datetime.date, *, now: datetime.datetime | None = None
) -> datetime.datetime:
    """Orders close when the week begins (Monday 00:00 local); for a week already under
    way, two days from now (within the week)."""
    now = now or timezone.now()
    start = local_day_start(week)
    if now < start:
        return start
    return min(now + datetime.timedelta(days=2), local_day_start(week + datetime.timedelta(days=7)))


def site_town(site: Site) -> Org | None:
    """The town above a site (its org's nearest ancestor whose region is 镇街)."""
    from xianfeng.orgs.enums import Region
    from xianfeng.orgs.selectors import org_ancestors

    return next((o for o in reversed(org_ancestors(site.org)) if o.region == Region.TOWN), None)


def menu_offer_add(
    *,
    actor: User,
    week: datetime.date,
    lesson: Lesson,
    pitch: str = "",
    site: Site | None = None,
    org: Org | None = None,
    deadline: datetime.datetime | None = None,
) -> MenuOffer:
    """Add a lesson to a week's offers of a site, or of a town for all its sites."""
    if (site is None) == (org is None):
        raise ValueError("an offer belongs to a site or to an org")
    if site is not None and not has_role_over(actor, site.org, SITE_RUNNERS):
        raise PermissionDenied("只有本站点的管理员可以发布点单课件")
    if org is not None and not has_role_over(actor, org, ORG_ADMIN):
        raise PermissionDenied("只有本级或上级组织管理员可以为全镇站点发布点单课件")
    if week.weekday() != 0:
        raise Refused("周的第一天应为周一", field="week")
    if not published_lessons_for(actor).filter(pk=lesson.pk).exists():
        raise Refused("所选课件未发布或您看不到", field="lesson")
    pitch = clean_text(pitch, multiline=False).strip()[:100]
    deadline = deadline or default_deadline(week)
    if deadline > local_day_start(week + datetime.timedelta(days=7)):
        raise Refused("点单截止时间不能晚于本周结束", field="deadline")
    owner = {"site": site} if site is not None else {"org": org}
    try:
        with transaction.atomic():
            # The owner row is the lock: two admins adding the 10th offer at once.
            if site is not None:
                Site.objects.select_for_update().get(pk=site.pk)
            else:
                assert org is not None
                Org.objects.select_for_update().get(pk=org.pk)
            if MenuOffer.objects.filter(week=week, **owner).count() >= MENU_SIZE:
                raise Refused(f"每周最多 {MENU_SIZE} 个点单课件", field="lesson")
            offer = MenuOffer.objects.create(
                week=week,
                lesson=lesson,
                pitch=pitch,
                deadline=deadline,
                created_by=actor,
                **owner,
            )
            audit_log(
                actor=actor,
                action="menu_offer.add",
                obj=offer,
                org=site.org if site is not None else org,
                data={"week": week, "lesson": lesson.pk},
            )
    except IntegrityError:
        raise Refused("该课件已在本周的点单里", field="lesson") from None
    return offer


def _offer_org(offer: MenuOffer) -> Org:
    """The org an offer belongs to (its site's, or the town's)."""
    owner = offer.site.org if offer.site is not None else offer.org
    assert owner is not None  # the check constraint: a site or an org
    return owner


def _can_manage_offer(user: User, offer: MenuOffer) -> bool:
    if offer.site is not None:
        return has_role_over(user, offer.site.org, SITE_RUNNERS)
    return has_role_over(user, _offer_org(offer), ORG_ADMIN)


def menu_offer_remove(*, actor: User, offer: MenuOffer) -> None:
    """Take an offer off the week (its orders go with it); not once it is on a menu."""
    if not _can_manage_offer(actor, offer):
        raise PermissionDenied("只有发布者所在的站点或组织管理员可以撤下点单课件")
    with transaction.atomic():
        if MenuSlot.objects.filter(offer=offer).exists():
            raise Refused("该课件已排入本周菜单，不能撤下")
        audit_log(
            actor=actor,
            action="menu_offer.remove",
            obj=offer,
            org=_offer_org(offer),
            data={"orders": offer.orders.count()},
        )
        offer.delete()


def menu_order_set(
    *,
    user: User,
    offer: MenuOffer,
    audience: str = AudienceGroup.ALL,
    now: datetime.datetime | None = None,
) -> MenuOrder:
    """Order an offer (or change the audience group of one's order) until the deadline.
    The caller has checked that the offer reaches the person (selectors)."""
    now = now or timezone.now()
    if now >= offer.deadline:
        raise Refused("点单已截止")
    if audience not in AudienceGroup.values:
        raise Refused("人群不正确", field="audience")
    with transaction.atomic():
        order, _ = MenuOrder.objects.update_or_create(
            offer=offer, user=user, defaults={"audience": audience}
        )
    return order


def menu_order_cancel(
    *, user: User, offer: MenuOffer, now: datetime.datetime | None = None
) -> None:
    now = now or timezone.now()
    if now >= offer.deadline:
        raise Refused("点单已截止，不能再取消")
    MenuOrder.objects.filter(offer=offer, user=user).delete()


@dataclass(frozen=True)
class MenuChoice:
    offer: MenuOffer
    starts_at: datetime.datetime
    audience: str = AudienceGroup.ALL


def menu_fix(
    *, actor: User, site: Site, week: datetime.date, choices: Sequence[MenuChoice]
) -> list[MenuSlot]:
    """Fix the site's menu of a week: the chosen offers and their times. Items not started
    yet are replaced; started ones stay. Offers not chosen roll off."""
    if not has_role_over(actor, site.org, SITE_RUNNERS):
        raise PermissionDenied("只有本站点的管理员可以确定菜单")
    from xianfeng.remote.selectors import menu_offers_for_site

    reachable = set(menu_offers_for_site(site, week).values_list("pk", flat=True))
    first = local_day_start(week)
    last = local_day_start(week + datetime.timedelta(days=7))
    for choice in choices:
        if choice.offer.pk not in reachable:
            raise Refused("所选课件不在本站点本周的点单里", field="offers")
        if not first <= choice.starts_at < last:
            raise Refused("收看时间应在本周之内", field="starts_at")
        if choice.audience not in AudienceGroup.values:
            raise Refused("受众不正确", field="audience")
    if len({c.offer.pk for c in choices}) != len(choices):
        raise Refused("同一课件只能排一次", field="offers")
    with transaction.atomic():
        Site.objects.select_for_update().get(pk=site.pk)
        current = MenuSlot.objects.filter(site=site, offer__week=week)
        started = set(current.filter(viewing__isnull=False).values_list("offer_id", flat=True))
        current.filter(viewing__isnull=True).delete()
        slots = [
            MenuSlot.objects.create(
                site=site,
                offer=c.offer,
                starts_at=c.starts_at,
                audience=c.audience,
                created_by=actor,
            )
            for c in choices
            if c.offer.pk not in started
        ]
        audit_log(
            actor=actor,
            action="menu.fix",
            obj=site,
            org=site.org,
            data={"week": week, "offers": [c.offer.pk for c in choices]},
        )
    return slots


def menu_slot_start(
    *, actor: User, slot: MenuSlot, starts_at: datetime.datetime | None = None
) -> Viewing:
    """Carry out a menu item: it becomes an organised viewing (roll call, feedback …)."""
    with transaction.atomic():
        slot = (
            MenuSlot.objects.select_for_update()
            .select_related("offer__lesson", "site__org")
            .get(pk=slot.pk)
        )
        if slot.viewing_id is not None:
            raise Refused("该菜单项已开始收看")
        offer = slot.offer
        viewing = viewing_start(
            actor=actor,
            site=slot.site,
            title=offer.pitch or offer.lesson.title,
            lessons=[offer.lesson],
            audience=slot.audience,
            starts_at=starts_at,
        )
        slot.viewing = viewing
        slot.save(update_fields=["viewing"])
    return viewing


# --- the festival calendar -----------------------------------------------------------------


def festivals_seed(*, actor: User | None, org: Org) -> int:
    """Give a county the default festival calendar (once: nothing when it has one)."""
    if actor is not None and not has_role_over(actor, org, ORG_ADMIN):
        raise PermissionDenied("只有组织管理员可以编辑节日放映表")
    with transaction.atomic():
        Org.objects.select_for_update().get(pk=org.pk)
        if Festival.objects.filter(org=org).exists():
            return 0
        Festival.objects.bulk_create(
            Festival(org=org, name=name, month=month, day=day, programme=programme)
            for name, month, day, programme in DEFAULT_FESTIVALS
        )
        audit_log(actor=actor, action="festival.seed", obj=org, org=org, data={})
    return len(DEFAULT_FESTIVALS)


def festival_add(
    *, actor: User, org: Org, name: str, month: int, day: int, programme: str = ""
) -> Festival:
    if not has_role_over(actor, org, ORG_ADMIN):
        raise PermissionDenied("只有组织管理员可以编辑节日放映表")
    name = clean_text(name, multiline=False).strip()[:50]
    if not name:
        raise Refused("请填写节日名称", field="name")
    try:
        datetime.date(2024, month, day)  # a leap year: 2-29 is a real day
    except (TypeError, ValueError):
        raise Refused("日期不正确", field="day") from None
    try:
        with transaction.atomic():
            festival = Festival.objects.create(
                org=org,
                name=name,
                month=month,
                day=day,
                programme=clean_text(programme, multiline=False).strip()[:200],
            )
            audit_log(actor=actor, action="festival.add", obj=festival, org=org, data={})
    except IntegrityError:
        raise Refused("该日已有同名节日", field="name") from None
    return festival


def festival_remove(*, actor: User, festival: Festival) -> None:
    if not has_role_over(actor, festival.org, ORG_ADMIN):
        raise PermissionDenied("只有组织管理员可以编辑节日放映表")
    with transaction.atomic():
        audit_log(
            actor=actor,
            action="festival.remove",
            obj=festival.org,
            org=festival.org,
            data={"name": festival.name},
        )
        festival.delete()


def menu_prefill(*, actor: User, site: Site, week: datetime.date) -> list[MenuOffer]:
    """Draft a week's offers of a site from the week before, for its admin to confirm
    (remove or add before people order): first the offers people ordered that were not
    put on the menu, most ordered first ("上周 N 人点单"); then published lessons of the
    topics the week's feedback asked for most ("群众想看：…"), newest first; offers
    nobody ordered roll off. Lessons already offered this week are skipped; at most 10."""
    if not has_role_over(actor, site.org, SITE_RUNNERS):
        raise PermissionDenied("只有本站点的管理员可以发布点单课件")
    if week.weekday() != 0:
        raise Refused("周的第一天应为周一", field="week")
    from collections import Counter

    from django.db.models import Count

    from xianfeng.remote.enums import Topic, ViewingState
    from xianfeng.remote.models import Feedback

    before = week - datetime.timedelta(days=7)
    taken = set(MenuOffer.objects.filter(site=site, week=week).values_list("lesson_id", flat=True))
    room = MENU_SIZE - len(taken)
    drafts: list[tuple[Lesson, str]] = []
    carried = (
        MenuOffer.objects.filter(site=site, week=before, slots__isnull=True)
        .annotate(n=Count("orders"))
        .filter(n__gt=0)
        .select_related("lesson")
        .order_by("-n", "pk")
    )
    for offer in carried:
        drafts.append((offer.lesson, f"上周 {offer.n} 人点单，未能安排"))
    wanted = Counter(
        Feedback.objects.filter(
            viewing__site=site,
            viewing__state=ViewingState.HELD,
            viewing__starts_at__gte=local_day_start(before),
            viewing__starts_at__lt=local_day_start(week),
        )
        .exclude(wanted="")
        .values_list("wanted", flat=True)
    )
    offered_before = set(
        MenuOffer.objects.filter(site=site, week=before).values_list("lesson_id", flat=True)
    )
    for topic, _n in sorted(wanted.items(), key=lambda item: (-item[1], item[0])):
        label = str(Topic(topic).label)
        for lesson in (
            published_lessons_for(actor)
            .filter(tags__name=label)
            .exclude(pk__in=offered_before)
            .order_by("-published_at", "-pk")[:MENU_SIZE]
        ):
            drafts.append((lesson, f"群众想看：{label}"))
    added: list[MenuOffer] = []
    for lesson, pitch in drafts:
        if len(added) >= room:
            break
        if lesson.pk in taken:
            continue
        taken.add(lesson.pk)
        try:
            added.append(
                menu_offer_add(actor=actor, week=week, lesson=lesson, pitch=pitch, site=site)
            )
        except Refused:  # no longer published to the admin, or the week filled meanwhile
            continue
    return added
