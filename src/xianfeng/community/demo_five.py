"""Demo content for 微实事, 微行动, 微星光 and 微平台 (`seed_demo`): in the persona
resident's community a vote that is open now with candidates (and a finished one whose
winners are being carried out, one done and rated), activities this week and last week
(with sign-ups, a waiting list and credited hours), an approved honor roll and notices on
the branch's public page — all through the services."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Case, When
from django.utils import timezone

from xianfeng.community.models import Activity, CivicProject, Honor
from xianfeng.community.services import activities, civic, honors
from xianfeng.orgs.enums import RoleKind
from xianfeng.orgs.models import Org, Role
from xianfeng.people.models import Member, User

PROJECTS_DONE = [
    ("修好村口到小学的 6 盏路灯", "晚上孩子放学路上太黑，老人也不敢出门。", 4800),
    ("卫生室门口修一段无障碍坡道", "轮椅和拄拐的老人进卫生室要人抬。", 2600),
]
PROJECTS_OPEN = [
    ("广场加装 4 张休息长椅", "跳广场舞和带孩子的老人没地方坐。", 2000),
    ("清理河道边的垃圾死角", "夏天有异味，蚊虫多。", 1500),
    ("建一个共享晾晒区", "楼道里晾衣服不安全也不美观。", 3000),
    ("村委会门口装一个便民雨棚", "下雨天办事的群众只能在外面淋雨。", 3500),
]
STORY = (
    "在村里带头成立党员志愿服务队，三年来组织环境整治、关爱留守儿童和孤寡老人活动 60 余次，"
    "自己开车接送老人看病 200 多趟，群众都叫她“贴心人”。"
)


def seed() -> str:
    """The registered seeder (common/demo.py)."""
    resident = User.objects.filter(username="resident").select_related("home_org").first()
    if resident is None or resident.home_org is None:
        return "没有演示居民，未生成微实事、微行动。"
    if CivicProject.objects.exists() or Activity.objects.exists():
        return "微实事、微行动已有数据，未重复生成。"
    home: Org = resident.home_org
    officer_role = (
        Role.objects.filter(org=home, kind__in=[RoleKind.SECRETARY, RoleKind.ADMIN])
        .select_related("user")
        .first()
    )
    town_role = (
        Role.objects.filter(
            org_id=home.parent_id or 0, kind__in=[RoleKind.SECRETARY, RoleKind.ADMIN]
        )
        .select_related("user")
        .first()
    )
    if officer_role is None:
        return "演示居民的村社区没有书记，未生成微实事、微行动。"
    officer = officer_role.user
    now = timezone.now()
    day = datetime.timedelta(days=1)
    neighbours = list(User.objects.filter(home_org=home).exclude(pk=resident.pk)[:12])
    # The village's own members first: in a county-sized demo the town's first twenty by id
    # may all live elsewhere, and then nobody but the resident voted and the seeder failed.
    members = list(
        Member.objects.filter(org__path__startswith=home.parent.path if home.parent else home.path)
        .select_related("user", "org")
        .order_by(Case(When(org=home, then=0), default=1), "pk")[:20]
    )
    voters = [resident, *neighbours, *[m.user for m in members if m.org_id == home.pk]]

    # A vote held last month: two projects approved, one finished and rated.
    past = civic.round_open(
        actor=officer, org=home, title=f"{home.name.removesuffix('党支部')}十月民生微实事投票",
        opens_at=now - 40 * day, closes_at=now - 30 * day, votes_each=2, winners=2,
        budget_yuan=8000,
    )  # fmt: skip
    done = [
        civic.project_propose(
            actor=officer, org=home, title=t, description=d, cost_yuan=c, now=now - 41 * day
        )
        for t, d, c in PROJECTS_DONE
    ]
    CivicProject.objects.filter(pk__in=[p.pk for p in done]).update(round=past)
    for i, person in enumerate(voters):
        for project in done[: 1 + i % 2]:
            civic.ballot_cast(actor=person, project=project, now=now - 35 * day)
    civic.round_count(item=past, now=now - 30 * day + datetime.timedelta(hours=1))
    lights, ramp = (CivicProject.objects.get(pk=p.pk) for p in done)
    civic.project_progress(
        actor=officer, project=lights, note="已与供电所签订协议，下周进场施工。",
        state="in_progress", now=now - 25 * day,
    )  # fmt: skip
    civic.project_progress(
        actor=officer, project=lights, note="6 盏太阳能路灯全部安装完毕并通过验收。",
        state="done", now=now - 12 * day,
    )  # fmt: skip
    civic.project_progress(
        actor=officer, project=ramp, note="坡道已浇筑，养护一周后开放。", state="in_progress",
        now=now - 5 * day,
    )  # fmt: skip
    lights = CivicProject.objects.get(pk=lights.pk)
    for person, score in zip(voters[:6], [5, 5, 4, 5, 4, 5], strict=False):
        civic.project_rate(actor=person, project=lights, score=score)
    civic.project_comment(actor=resident, project=ramp, text="坡道坡度合适，轮椅能自己上去了。")

    # The vote open now: four candidates, some votes already in (not the resident's).
    current = civic.round_open(
        actor=officer, org=home, title=f"{home.name.removesuffix('党支部')}冬季民生微实事投票",
        opens_at=now - 3 * day, closes_at=now + 7 * day, votes_each=3, winners=2,
        budget_yuan=6000,
    )  # fmt: skip
    running = [
        civic.project_propose(actor=officer, org=home, title=t, description=d, cost_yuan=c)
        for t, d, c in PROJECTS_OPEN
    ]
    for i, person in enumerate(neighbours):
        civic.ballot_cast(actor=person, project=running[i % 4])
    assert current.pk

    # Activities: this week (one nearly full, one members only as 组织生活), last week done.
    def post(
        title: str, kind: str, start: datetime.datetime, hours: int, cap: int, **kw: Any
    ) -> Activity:
        return activities.activity_create(
            actor=officer, org=home, kind=kind, title=title, starts_at=start,
            ends_at=start + datetime.timedelta(hours=hours),
            place=f"{home.name.removesuffix('党支部')}党群服务中心", capacity=cap,
            now=min(now, start - 2 * day), **kw,
        )  # fmt: skip

    local = timezone.localtime(now).replace(minute=0, second=0, microsecond=0)
    clean = post(
        "背街小巷环境整治", "cleanup", local.replace(hour=9) + 2 * day, 3, 6,
        description="清理楼道堆物和绿化带垃圾，工具由社区提供。", tags="环境 志愿服务",
    )  # fmt: skip
    for person in [m.user for m in members[:7]]:
        activities.signup_join(actor=person, activity=clean)
    post(
        "主题党日：走访困难群众", "party_day", local.replace(hour=14) + 4 * day, 2, 15,
        audience="members", org_life=True, tags="主题党日",
    )  # fmt: skip
    post(
        "防范电信诈骗宣讲", "lecture", local.replace(hour=19) + 5 * day, 1, 40,
        description="民警讲解常见骗局，教老人识别诈骗电话。", tags="宣讲 老人",
    )  # fmt: skip
    last = post(
        "关爱留守儿童课业辅导", "care", local.replace(hour=15) - 6 * day, 2, 10,
    )  # fmt: skip
    helpers = [m.user for m in members[:5]]
    for person in helpers:
        row = activities.signup_join(actor=person, activity=last, now=now - 9 * day)
        activities.hours_correct(
            actor=officer, signup=row, hours=Decimal("2"), reason="按现场签到记录录入"
        )

    # 微星光 and the branch's page.
    made_honors = 0
    if town_role is not None and members:
        own = [m.user for m in members if m.org_id == home.pk]
        nominees: list[tuple[str, str, User | None]] = [
            ("member", "", own[0] if own else None),
            ("team", f"{home.name.removesuffix('党支部')}党员先锋队", None),
            ("post", f"{home.name.removesuffix('党支部')}便民服务党员示范岗", None),
        ]
        for kind, name, nominee in nominees:
            if kind == "member" and nominee is None:
                continue
            honor = honors.honor_nominate(
                actor=officer, org=home, kind=kind, name=name, story=STORY, person=nominee
            )
            honors.honor_decide(actor=town_role.user, honor=honor, approve=True)
            made_honors += 1
    honors.notice_post(
        actor=officer, org=home, text="本周六上午 9 点在党群服务中心开展义诊，欢迎老人们来量血压。"
    )
    honors.notice_post(
        actor=officer, org=home, text="冬季民生微实事投票进行中，每人 3 票，请登录后参与。"
    )
    return (
        f"微实事：投票 2 场、项目 {CivicProject.objects.count()} 个；"
        f"微行动：活动 {Activity.objects.count()} 个；微星光 {Honor.objects.count()} 个。"
    )
