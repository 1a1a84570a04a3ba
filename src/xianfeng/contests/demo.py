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
