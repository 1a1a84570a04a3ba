"""Per-member indicators count each member at the branch they belonged to in the month: a
transfer afterwards leaves the month's figures as they were (compute a month, transfer a
member, recompute it: the same figures), and the month of a transfer is the sending branch's."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction

from tests.factories import LessonFactory, MeetingFactory, MemberFactory, UserFactory
from xianfeng.assessment.models import Fact
from xianfeng.assessment.services import facts_compute
from xianfeng.common.indicators import Month
from xianfeng.lessons.models import WatchProgress
from xianfeng.people.models import Member
from xianfeng.people.services.history import member_move
from xianfeng.study.models import Article, ArticleRead, Column, PointsEntry

pytestmark = pytest.mark.django_db

MAY = Month(2026, 5)
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
CODES = [
    "lessons.participation",
    "lessons.speakers",
    "study.reading",
    "study.points_average",
    "meetings.attendance",
]


def at(day: int, month: int = 5) -> datetime.datetime:
    return datetime.datetime(2026, month, day, 12, tzinfo=BEIJING)


def figures(month: Month = MAY) -> dict[tuple[str, str], tuple[float, float]]:
    return {
        (f.indicator, f.org.code): (f.numerator, f.denominator)
        for f in Fact.objects.filter(indicator__in=CODES, month=month.first).select_related("org")
    }


@pytest.fixture
def may(county):
    """In May 2026 A1 has 张东街 (who watched, read, spoke, attended and earned 5 points) and
    赵留守 (nothing); A2 and B1 one member each, doing nothing."""
    Member.objects.filter(pk=county.member_a1.pk).update(org_since=datetime.date(2020, 1, 1))
    county.member_a1.refresh_from_db()
    MemberFactory(org=county.branch_a1, user=UserFactory(name="赵留守"))
    user = county.member_a1.user
    lesson = LessonFactory(published=True, speaker=county.member_a1)
    lesson.__class__.objects.filter(pk=lesson.pk).update(published_at=at(8))
    WatchProgress.objects.create(
        user=user, lesson=lesson, sections=[[0, 300]], covered=300, position=300, reports=1,
        completed_at=at(9), last_report_at=at(9),
    )  # fmt: skip
    column = Column.objects.create(org=county.county, name="要闻导读")
    article = Article.objects.create(org=county.county, column=column, title="一", body="<p>一</p>")
    ArticleRead.objects.create(user=user, article=article, completed_at=at(10))
    PointsEntry.objects.create(
        user=user, org=county.branch_a1, rule="meeting.attended", source_type="meetings.meeting",
        source_id="1", kind="earn", points=5, day=datetime.date(2026, 5, 12),
    )  # fmt: skip
    MeetingFactory(
        org=county.branch_a1, kind="theme_day", starts_at=at(12), held=True,
        attendees={user: "present"},
    )  # fmt: skip
    return county


EXPECTED = {
    ("lessons.participation", "A1"): (1, 2),
    ("lessons.speakers", "A1"): (1, 2),
    ("study.reading", "A1"): (1, 2),
    ("study.points_average", "A1"): (5, 2),
    ("meetings.attendance", "A1"): (1, 2),
}


def test_a_later_transfer_leaves_the_month_as_it_was(may):
    facts_compute(month=MAY, codes=CODES)
    before = figures()
    assert {k: v for k, v in before.items() if k[1] == "A1"} == EXPECTED
    assert before[("lessons.participation", "B1")] == (0, 1)
    with transaction.atomic():
        member_move(
            member=may.member_a1, org=may.branch_b1, on=datetime.date(2026, 6, 10),
            reason="组织关系转接",
        )  # fmt: skip
    facts_compute(month=MAY, codes=CODES)
    assert figures() == before
    # June: the month of the transfer is still A1's; July is B1's.
    facts_compute(month=Month(2026, 6), codes=CODES)
    facts_compute(month=Month(2026, 7), codes=CODES)
    assert figures(Month(2026, 6))[("lessons.participation", "A1")] == (0, 2)
    assert figures(Month(2026, 7))[("lessons.participation", "A1")] == (0, 1)
    assert figures(Month(2026, 7))[("lessons.participation", "B1")] == (0, 2)


def test_a_member_not_yet_joined_or_gone_counts_nowhere(may):
    MemberFactory(org=may.branch_a1, joined_on=datetime.date(2026, 6, 1))  # joined later
    MemberFactory(org=may.branch_a1, left_on=datetime.date(2026, 5, 1), status="deceased")
    facts_compute(month=MAY, codes=CODES)
    assert {k: v for k, v in figures().items() if k[1] == "A1"} == EXPECTED
