"""Demo content for `seed_demo`: an open 一人一课 contest at the county, three rounds, the
judge persona on its final."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from xianfeng.contests import services
from xianfeng.contests.enums import Aggregation, Level
from xianfeng.contests.models import Contest
from xianfeng.orgs.models import Org
from xianfeng.people.models import User


def seed_contest() -> Contest:
    """An open 一人一课 contest at the county, the judge persona on its final."""
    admin = User.objects.get(username="county_admin")
    county = Org.objects.get(parent__isnull=True, code="QS")
    today = timezone.localdate()
    contest = services.contest_create(
        actor=admin,
        org=county,
        title=f"青山县{today.year}年“一人一课”微党课大赛",
        theme="讲身边的故事，悟初心使命",
        description="支部推荐、镇（街道）党（工）委评选、县级决赛三轮，决赛由评委按评分细则打分。",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=90),
    )
    week = datetime.timedelta(days=30)
    services.round_add(
        actor=admin, contest=contest, name="支部推荐", level=Level.BRANCH,
        starts_on=today, ends_on=today + week, quota=2,
    )  # fmt: skip
    services.round_add(
        actor=admin, contest=contest, name="镇党委评选", level=Level.COMMITTEE,
        starts_on=today + week, ends_on=today + 2 * week, quota=3,
    )  # fmt: skip
    final = services.round_add(
        actor=admin, contest=contest, name="县级决赛", level=Level.ORGANISER,
        starts_on=today + 2 * week, ends_on=today + 3 * week, aggregation=Aggregation.TRIMMED,
        criteria=[
            services.CriterionData("思想性", Decimal(40)),
            services.CriterionData("艺术性", Decimal(30)),
            services.CriterionData("观赏性", Decimal(30)),
        ],
    )  # fmt: skip
    services.judge_assign(actor=admin, round_=final, user=User.objects.get(username="judge"))
    return services.contest_open(actor=admin, contest=contest)


def seed() -> str:
    """The registered seeder (common/demo.py)."""
    return f"已开始演示竞赛“{seed_contest().title}”。"


def seed_stage_final() -> Contest:
    """走上讲台: a county final held on stage today, judged by the judge persona and two
    colleagues of the county organs. Two speeches are given and revealed, the third
    speaker is on stage now, two wait; the host's console, the judges' sheets and the big
    screen all have something to show."""
    from xianfeng.contests.enums import StageState
    from xianfeng.contests.models import StageSlot
    from xianfeng.orgs.enums import OrgKind, RoleKind
    from xianfeng.orgs.services import role_grant
    from xianfeng.people.models import Member

    admin = User.objects.get(username="county_admin")
    county = Org.objects.get(parent__isnull=True, code="QS")
    today = timezone.localdate()
    contest = services.contest_create(
        actor=admin,
        org=county,
        title=f"青山县{today.year}年“走上讲台讲党课”现场决赛",
        theme="讲身边的故事，悟初心使命",
        description="选手现场演讲，每人限时 8 分钟，7 分钟时提醒；评委当场打分，主持人逐一揭晓。",
        starts_on=today,
        ends_on=today,
    )
    final = services.round_add(
        actor=admin, contest=contest, name="现场决赛", level=Level.ORGANISER,
        starts_on=today, ends_on=today, aggregation=Aggregation.TRIMMED, on_stage=True,
        criteria=[
            services.CriterionData("内容思想性", Decimal(40)),
            services.CriterionData("语言表达", Decimal(30)),
            services.CriterionData("现场效果", Decimal(30)),
        ],
    )  # fmt: skip
    services.contest_open(actor=admin, contest=contest)
    final.refresh_from_db()
    judge = User.objects.get(username="judge")
    judge_org = Member.objects.get(user=judge).org
    colleagues = list(
        Member.objects.filter(org=judge_org).exclude(user=judge).select_related("user")[:2]
    )
    judges = [judge] + [m.user for m in colleagues]
    for user in judges[1:]:
        role_grant(actor=admin, user=user, org=county, kind=RoleKind.JUDGE)
    for user in judges:
        services.judge_assign(actor=admin, round_=final, user=user)
    topics = [
        "矿灯下的初心",
        "柳湾村的修路账本",
        "一封没有寄出的家书",
        "社区里的“红色管家”",
        "老党员的三本笔记",
    ]
    speakers = list(
        Member.objects.filter(org__kind=OrgKind.BRANCH, org__path__startswith=county.path)
        .exclude(org=judge_org)
        .exclude(user__username__in=["secretary", "member", "site_admin"])
        .order_by("org__path", "id")
        .distinct()
    )
    chosen: list[Member] = []
    for member in speakers:  # one speaker per branch
        if all(m.org_id != member.org_id for m in chosen):
            chosen.append(member)
        if len(chosen) == len(topics):
            break
    entries = [
        services.stage_entry_add(actor=admin, round_=final, speaker=m, topic=t)
        for m, t in zip(chosen, topics, strict=False)
    ]
    criteria = list(final.criteria.order_by("order"))
    marks = [(92, 88, 90), (85, 90, 86), (88, 84, 80)]
    for index, entry in enumerate(entries[:3]):
        slot = StageSlot.objects.get(round=final, entry=entry)
        services.stage_start(actor=admin, slot=slot)
        if index == 2:
            break  # on stage now
        services.stage_stop(actor=admin, slot=slot)
        for shift, user in enumerate(judges):
            base = marks[(index + shift) % len(marks)]
            services.review_save(
                judge=user,
                round_=final,
                entry=entry,
                scores={c.pk: s - index * 3 for c, s in zip(criteria, base, strict=True)},
                feedback="台风稳健，故事真切；结尾可再提炼。",
            )
        services.stage_reveal(actor=admin, slot=StageSlot.objects.get(pk=slot.pk))
    assert StageSlot.objects.filter(round=final, state=StageState.REVEALED).count() == 2
    return contest


def seed_stage() -> str:
    """The registered seeder of the on-stage final."""
    return f"已开始演示现场比赛“{seed_stage_final().title}”。"
