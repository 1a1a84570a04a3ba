"""Demo content for `seed_demo`: a terminal site in every village and community, a month of
heartbeats (most sites steady, some flaky, two dead), a plan with viewings, sign-ins and
feedback at the 站点管理员 persona's site, and this week's plan — so the bulletin, the site
list, the plan summary and the TV are alive after `make run`."""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from xianfeng.lessons.models import Lesson
from xianfeng.lessons.selectors import published_lessons_for
from xianfeng.orgs.enums import OrgKind, Region, RoleKind
from xianfeng.orgs.models import Org, Role
from xianfeng.people.models import Member, User
from xianfeng.remote import counting, services
from xianfeng.remote.enums import JoinVia, SiteKind, Topic
from xianfeng.remote.models import MenuOffer, Site, SiteDay

EQUIPMENT = [
    "创维电视盒子 + 55 寸电视",
    "海信 65 寸智能电视",
    "联想台式机 + 投影仪",
    "小米电视盒子",
]
COMMENTS = [
    "讲得很实在，听得懂",
    "希望多放些种植养殖技术",
    "时间有点长，老人坐不住",
    "很好，下次还来",
    "",
]


def _words(slots: list[int]) -> list[int]:
    words = [0] * counting.WORDS
    for slot in slots:
        words[slot // counting.WORD_BITS] |= 1 << (slot % counting.WORD_BITS)
    return words


def _evening(rng: random.Random) -> list[int]:
    """A village evening: on at about 19:00 for two to four hours, sometimes a morning."""
    start = 19 * 12 + rng.randint(-6, 6)
    slots = list(range(start, min(start + rng.randint(24, 48), counting.SLOTS_PER_DAY)))
    if rng.random() < 0.3:
        slots += list(range(9 * 12, 9 * 12 + rng.randint(6, 24)))
    return slots


def seed(rng: random.Random | None = None) -> str:
    """The registered seeder (common/demo.py)."""
    rng = rng or random.Random(2026)
    if Site.objects.exists():
        return "远程教育站点已存在，未重复生成。"
    villages = list(
        Org.objects.filter(
            region=Region.VILLAGE,
            kind__in=[OrgKind.BRANCH, OrgKind.GENERAL_BRANCH],
            parent__region=Region.TOWN,
        ).order_by("path")
    )
    if not villages:
        return "没有村（社区）党组织，未生成远程教育站点。"
    now = timezone.now()
    today = timezone.localdate()
    first = today - datetime.timedelta(days=34)
    sites = []
    with transaction.atomic():
        for index, org in enumerate(villages):
            community = "社区" in org.name
            sites.append(
                services.site_create(
                    actor=None,
                    org=org,
                    code=f"YJ{org.code}",
                    name=org.name.replace("党总支", "").replace("党支部", "") + "远程教育站点",
                    kind=SiteKind.COMMUNITY if community else SiteKind.VILLAGE,
                    address=org.name.replace("党总支", "").replace("党支部", "") + "村（居）委会",
                    equipment=EQUIPMENT[index % len(EQUIPMENT)],
                    service_start=first,
                )
            )
        dead = {sites[3].pk, sites[7 % len(sites)].pk} if len(sites) > 7 else set()

        def dead_since(index: int) -> datetime.date:
            # Off for 12 days or more, and since before this month began: silent all month
            # (remote.silent_sites), so the dashboards' red flag shows on any day of it.
            return min(
                today - datetime.timedelta(days=12 + index % 5),
                today.replace(day=1) - datetime.timedelta(days=1 + index % 5),
            )

        rows = []
        last_beat = {}
        for index, site in enumerate(sites):
            flaky = index % 5 == 1
            for n in range((today - first).days + 1):
                day = first + datetime.timedelta(days=n)
                if site.pk in dead and day > dead_since(index):
                    continue
                if rng.random() < (0.3 if flaky else 0.03):
                    continue
                slots = sorted(set(_evening(rng)))
                if day == today:
                    slots = [s for s in slots if s <= counting.slot_of(now).index]
                    if not slots:
                        continue
                w = _words(slots)
                rows.append(
                    SiteDay(
                        site=site,
                        day=day,
                        w0=w[0],
                        w1=w[1],
                        w2=w[2],
                        w3=w[3],
                        w4=w[4],
                        slots=len(slots),
                        beats=len(slots) + rng.randint(0, 3),
                    )
                )
                local_end = datetime.datetime.combine(
                    day, datetime.time(0), tzinfo=counting.local_zone()
                ) + datetime.timedelta(minutes=5 * slots[-1])
                last_beat[site.pk] = local_end
        SiteDay.objects.bulk_create(rows, batch_size=2000)
        for site_id, moment in last_beat.items():
            Site.objects.filter(pk=site_id).update(last_beat_at=min(moment, now))
        services.site_suspend(
            actor=None,
            site=sites[-1],
            starts_on=today - datetime.timedelta(days=20),
            ends_on=today - datetime.timedelta(days=16),
            reason="设备送修",
        )
    viewings = _loop(sites, rng, today)
    return (
        f"远程教育：{len(sites)} 个站点，{len(rows)} 个站点日的心跳（{len(dead)} 个站点已停机），"
        f"{viewings} 次组织收看。"
    )


def _loop(sites: list[Site], rng: random.Random, today: datetime.date) -> int:
    """Last week's plan carried out (with sign-ins and feedback) and this week's plan."""
    county_admin = User.objects.filter(username="county_admin").first()
    site_admin = User.objects.filter(username="site_admin").first()
    if county_admin is None or site_admin is None:
        return 0
    county = (
        Role.objects.filter(user=county_admin, kind=RoleKind.ADMIN).select_related("org").first()
    )
    admin_role = Role.objects.filter(user=site_admin, kind=RoleKind.SITE_ADMIN).first()
    if county is None or admin_role is None:
        return 0
    lessons = list(published_lessons_for(county_admin).order_by("-published_at")[:4])
    home = next((s for s in sites if s.org_id == admin_role.org_id), None)
    if not lessons or home is None:
        return 0
    neighbours = [s for s in sites if s.org.parent_id == home.org.parent_id and s.pk != home.pk]
    town_sites = [home, *neighbours[:11]]
    last_week = services.plan_create(
        actor=county_admin,
        org=county.org,
        title="学习贯彻党的二十届四中全会精神集中收看",
        starts_on=today - datetime.timedelta(days=10),
        ends_on=today - datetime.timedelta(days=4),
        lessons=lessons[:2],
        sites=town_sites,
        note="各站点组织党员群众集中收看，并收集反馈意见。",
    )
    last_week = services.plan_publish(actor=county_admin, plan=last_week)
    members = list(Member.objects.filter(org=home.org).select_related("user", "org")[:12])
    viewing = services.viewing_start(
        actor=site_admin,
        site=home,
        plan=last_week,
        place="村委会会议室",
        starts_at=timezone.now() - datetime.timedelta(days=6),
    )
    for member in members:
        attendance = services.viewing_proxy_sign(actor=site_admin, viewing=viewing, member=member)
        services.feedback_give(
            user=attendance.user,
            viewing=viewing,
            rating=rng.choice([3, 4, 4, 5, 5]),
            comment=rng.choice(COMMENTS),
            wanted=rng.choice([Topic.FARMING, Topic.FARMING, Topic.HEALTH, Topic.LAW, ""]),
            proxy_by=site_admin,
        )
    services.viewing_record(
        actor=site_admin,
        viewing=viewing,
        residents=rng.randint(5, 15),
        discussion="大家结合本村产业发展谈了学习体会，提出要把政策讲到田间地头。",
    )
    services.viewing_end(actor=site_admin, viewing=viewing)
    this_week = services.plan_create(
        actor=county_admin,
        org=county.org,
        title="本周远程教育集中收看",
        starts_on=today - datetime.timedelta(days=1),
        ends_on=today + datetime.timedelta(days=5),
        lessons=lessons[2:4] or lessons[:1],
        sites=town_sites,
        previous=last_week,
    )
    services.plan_publish(actor=county_admin, plan=this_week)
    _menu(home, site_admin, county.org, members, rng, today)
    _household(home, site_admin, members, lessons)
    return 1


def _household(home: Site, site_admin: User, members: list[Member], lessons: list[Lesson]) -> None:
    """An 入户终端 at the home of two members of the persona's village: a lesson watched two
    evenings ago, confirmed by one of them on their phone (the other was out); and the
    requests to join it other members made from their phones: one approved, one declined
    with a reason, one waiting for the site admin."""
    from xianfeng.common.errors import Refused

    if len(members) < 2:
        return
    family = members[:2]
    surname = (family[0].user.name or "张")[:1]
    site = services.site_create(
        actor=None,
        org=home.org,
        code=f"{home.code}H1"[:32],
        name=f"{surname}家入户终端",
        kind=SiteKind.HOUSEHOLD,
        address=home.address,
        equipment="家用智能电视",
        service_start=home.service_start,
    )
    for member in family:
        services.household_member_add(actor=site_admin, site=site, member=member)
    _household_requests(site, site_admin, members[2:5])
    device, _ = services.device_token_issue(actor=site_admin, site=site, label="客厅电视")
    at = timezone.now() - datetime.timedelta(days=2)
    try:
        viewing = services.household_viewing_start(
            device=device, lesson_ids=[lessons[0].pk], now=at
        )
    except Refused:  # the demo's lessons do not reach this village
        return
    services.household_confirm(user=family[0].user, viewing=viewing, now=at)
    services.household_viewing_end(device=device, viewing=viewing)


def _household_requests(site: Site, site_admin: User, askers: list[Member]) -> None:
    """Join requests in each state the pages show: approved (the son back from the city),
    declined with its reason, and one still waiting on the admin's page."""
    from xianfeng.common.errors import Refused

    outcomes = [(True, ""), (False, "经核实不住在这一户，请申请自己家的入户终端"), (None, "")]
    for member, (approve, reason) in zip(askers, outcomes, strict=False):
        try:
            request = services.household_join_request(
                user=member.user, site=site, via=JoinVia.QR if approve else JoinVia.CODE
            )
            if approve is not None:
                services.household_join_decide(
                    actor=site_admin, request=request, approve=approve, reason=reason
                )
        except Refused:  # not on the roll, or already in a household
            continue


def _menu(
    home: Site,
    site_admin: User,
    county: Org,
    members: list[Member],
    rng: random.Random,
    today: datetime.date,
) -> None:
    """Next week's 点菜式 offers of the demo site with orders by audience group, this
    week's fixed menu, and the county's festival calendar."""
    services.festivals_seed(actor=None, org=county)
    offered = list(published_lessons_for(site_admin).order_by("-published_at")[:10])
    if not offered:
        return
    this_week = services.week_of(today)
    next_week = this_week + datetime.timedelta(days=7)
    pitches = ["讲政策、讲到心坎里", "种养大户的增收经", "老年人防诈骗", "身边的好党员", ""]
    for week in (this_week, next_week):
        for n, lesson in enumerate(offered):
            offer = services.menu_offer_add(
                actor=site_admin, site=home, week=week, lesson=lesson, pitch=pitches[n % 5]
            )
            for member in members:
                if rng.random() < 0.35 and timezone.now() < offer.deadline:
                    services.menu_order_set(
                        user=member.user,
                        offer=offer,
                        audience=rng.choice(["all", "elderly", "women", "growers"]),
                    )
    chosen = list(MenuOffer.objects.filter(site=home, week=this_week).order_by("pk")[:3])
    evening = datetime.time(19, 30)
    services.menu_fix(
        actor=site_admin,
        site=home,
        week=this_week,
        choices=[
            services.MenuChoice(
                offer=o,
                starts_at=timezone.make_aware(
                    datetime.datetime.combine(this_week + datetime.timedelta(days=2 * i), evening)
                ),
            )
            for i, o in enumerate(chosen)
        ],
    )
