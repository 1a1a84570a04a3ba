from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.factories import MemberFactory, UserFactory, grant, published_lesson
from xianfeng.contests import services
from xianfeng.contests.enums import Aggregation, Level
from xianfeng.contests.models import Contest, Round
from xianfeng.orgs.enums import RoleKind

RUBRIC = [
    services.CriterionData("思想性", Decimal(40)),
    services.CriterionData("艺术性", Decimal(30)),
    services.CriterionData("观赏性", Decimal(30)),
    services.CriterionData("创新", Decimal(0), max_score=10, counted=False, required=False),
]


@dataclass
class ContestWorld:
    contest: Contest
    r1: Round
    r2: Round
    r3: Round
    lessons: dict
    judges: list


@pytest.fixture
def world(county) -> ContestWorld:
    today = timezone.localdate()
    admin = county.county_admin
    contest = services.contest_create(
        actor=admin,
        org=county.county,
        title="青山县一人一课微党课大赛",
        theme="安全生产",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=60),
    )
    span = datetime.timedelta(days=20)
    r1 = services.round_add(
        actor=admin,
        contest=contest,
        name="支部推荐",
        level=Level.BRANCH,
        starts_on=today,
        ends_on=today + span,
        quota=1,
    )
    r2 = services.round_add(
        actor=admin,
        contest=contest,
        name="镇党委评选",
        level=Level.COMMITTEE,
        starts_on=today,
        ends_on=today + span,
        quota=1,
    )
    r3 = services.round_add(
        actor=admin,
        contest=contest,
        name="县级决赛",
        level=Level.ORGANISER,
        starts_on=today,
        ends_on=today + span,
        aggregation=Aggregation.TRIMMED,
        blind=True,
        criteria=RUBRIC,
    )
    contest = services.contest_open(actor=admin, contest=contest)
    r1.refresh_from_db()
    lessons = {
        "a1": published_lesson(
            org=county.branch_a1,
            author=county.member_a1.user,
            title="东街的安全课",
            speaker_name="张东街",
        ),
        "a1b": published_lesson(
            org=county.branch_a1,
            author=county.member_a1.user,
            title="东街的第二课",
            speaker_name="张东街",
        ),
        "a2": published_lesson(
            org=county.branch_a2,
            author=county.member_a2.user,
            title="西街的廉洁课",
            speaker_name="李西街",
        ),
        "b1": published_lesson(
            org=county.branch_b1,
            author=county.member_b1.user,
            title="柳湾的修路课",
            speaker_name="王柳湾",
        ),
    }
    judges = []
    for i in range(5):
        user = UserFactory(username=f"judge{i}", name=f"评委{i}")
        MemberFactory(user=user, org=county.county)  # kept at the county committee
        grant(user, county.county, RoleKind.JUDGE)
        judges.append(user)
    for user in judges:
        services.judge_assign(actor=admin, round_=r3, user=user)
    return ContestWorld(contest, r1, r2, r3, lessons, judges)


def enter_all(county, world):
    """Each member enters their lesson; returns entries by key."""
    s = services
    return {
        "a1": s.entry_submit(
            actor=county.member_a1.user, contest=world.contest, lesson=world.lessons["a1"]
        ),
        "a2": s.entry_submit(
            actor=county.member_a2.user, contest=world.contest, lesson=world.lessons["a2"]
        ),
        "b1": s.entry_submit(
            actor=county.member_b1.user, contest=world.contest, lesson=world.lessons["b1"]
        ),
    }


def advance_to_final(county, world):
    """Branches recommend, towns select: A1 (town A) and B1 (town B) reach the final."""
    from xianfeng.contests.models import Standing

    entries = enter_all(county, world)
    admin = county.county_admin
    secretary_a2 = UserFactory(username="secretary_a2", name="西街书记")
    grant(secretary_a2, county.branch_a2, RoleKind.SECRETARY)
    for key, who in (
        ("a1", county.secretary_a1),
        ("a2", secretary_a2),
        ("b1", county.secretary_b1),
    ):
        standing = Standing.objects.get(entry=entries[key], round=world.r1)
        services.standing_decide(actor=who, standing=standing, decision="advanced")
    services.round_publish(actor=admin, round_=world.r1)
    world.r2.refresh_from_db()
    for key, decision in (("a1", "advanced"), ("a2", "stopped"), ("b1", "advanced")):
        standing = Standing.objects.get(entry=entries[key], round=world.r2)
        services.standing_decide(actor=admin, standing=standing, decision=decision)
    services.round_publish(actor=admin, round_=world.r2)
    for round_ in (world.r1, world.r2, world.r3):
        round_.refresh_from_db()
    return entries
