"""Study's indicators (group 学习) against hand-computed figures: 阅读率, 考试及格率 and
人均学习积分 per branch and rolled up the tree."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import MemberFactory, UserFactory
from xianfeng.assessment.models import Fact
from xianfeng.assessment.services import facts_compute
from xianfeng.common import indicators
from xianfeng.common.indicators import Month
from xianfeng.study.models import (
    Article,
    ArticleRead,
    Attempt,
    Column,
    PointsEntry,
    Quiz,
)

pytestmark = pytest.mark.django_db

BEIJING = datetime.timezone(datetime.timedelta(hours=8))
MAY = Month(2026, 5)


def at(day: int, month: int = 5, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, tzinfo=BEIJING)


def figures(code: str) -> dict[str, tuple[float, float, float | None]]:
    return {
        f.org.code: (f.numerator, f.denominator, f.value)
        for f in Fact.objects.filter(indicator=code, month=MAY.first).select_related("org")
    }


@pytest.fixture
def people(county):
    """A1: 张东街, m2 and a closed account; A2 and B1 one member each."""
    m2 = MemberFactory(org=county.branch_a1, user=UserFactory(username="m2")).user
    closed = MemberFactory(
        org=county.branch_a1, user=UserFactory(username="closed", is_active=False)
    ).user
    return county, m2, closed


def test_indicators_are_registered_in_the_study_group():
    got = {i.code: (i.name, i.group, i.unit) for i in indicators.registered() if i.app == "study"}
    assert got == {
        "study.reading": ("阅读率", "学习", "%"),
        "study.exam_pass": ("考试及格率", "学习", "%"),
        "study.exam_turnout": ("考试参考率", "学习", "%"),
        "study.points_average": ("人均学习积分", "学习", "分"),
    }


def test_reading_rate(people):
    county, m2, closed = people
    column = Column.objects.create(org=county.county, name="要闻导读")
    one = Article.objects.create(org=county.county, column=column, title="一", body="<p>一</p>")
    two = Article.objects.create(org=county.county, column=column, title="二", body="<p>二</p>")
    a1 = county.member_a1.user
    ArticleRead.objects.create(user=a1, article=one, completed_at=at(3))
    ArticleRead.objects.create(user=a1, article=two, completed_at=at(4))  # counted once
    ArticleRead.objects.create(user=m2, article=one, completed_at=at(30, 4))  # April
    ArticleRead.objects.create(user=closed, article=one, completed_at=at(5))  # closed
    ArticleRead.objects.create(user=county.member_b1.user, article=one, completed_at=at(31))
    ArticleRead.objects.create(user=county.member_a2.user, article=one)  # not finished
    facts_compute(month=MAY, codes=["study.reading"])
    assert figures("study.reading") == {
        "A1": (1, 2, 50.0),
        "A2": (0, 1, 0.0),
        "B1": (1, 1, 100.0),
        "TA": (1, 3, 33.3),
        "TB": (1, 1, 100.0),
        "C": (2, 4, 50.0),
    }


def test_exam_pass_rate(people):
    county, m2, _closed = people
    exam = Quiz.objects.create(org=county.county, kind="exam", title="考试", paper={"fixed": []})
    daily = Quiz.objects.create(org=county.county, kind="daily", title="每日一练", paper={})

    def sheet(quiz, user, org, number, passed, when, state="submitted"):
        Attempt.objects.create(
            quiz=quiz,
            user=user,
            org=org,
            number=number,
            state=state,
            started_at=when,
            submitted_at=when if state == "submitted" else None,
            passed=passed,
        )

    a1 = county.member_a1.user
    sheet(exam, a1, county.branch_a1, 1, False, at(2))
    sheet(exam, a1, county.branch_a1, 2, True, at(3))  # passed on the second try: passed
    sheet(exam, m2, county.branch_a1, 1, False, at(4))
    sheet(exam, county.member_a2.user, county.branch_a2, 1, False, at(4), state="in_progress")
    sheet(exam, county.member_b1.user, county.branch_b1, 1, True, at(1, 6))  # June
    sheet(daily, m2, county.branch_a1, 20260505, True, at(5))  # not an exam
    facts_compute(month=MAY, codes=["study.exam_pass"])
    assert figures("study.exam_pass") == {
        "A1": (1, 2, 50.0),
        "TA": (1, 2, 50.0),
        "C": (1, 2, 50.0),
    }


def test_exam_turnout_counts_sittings_owed_under_the_exams_org(people):
    """The county's exam (closed 20 May) is owed by the four active members, the town's
    (closed 25 May) by town A's three; exams closing in June, unpublished ones and daily
    drills owe nothing; an unfinished sheet is not a sitting."""
    county, m2, closed = people

    def exam(org, closes, published=True, kind="exam"):
        return Quiz.objects.create(
            org=org, kind=kind, title="考试", paper={}, is_published=published, closes_at=closes
        )

    def sheet(quiz, user, state="submitted"):
        Attempt.objects.create(
            quiz=quiz,
            user=user,
            org=county.branch_a1,
            number=1,
            state=state,
            started_at=at(1),
            submitted_at=at(1) if state == "submitted" else None,
        )

    county_exam = exam(county.county, at(20))
    town_exam = exam(county.town_a, at(25))
    june_exam = exam(county.branch_b1, at(1, 6, 9))
    hidden = exam(county.county, at(10), published=False)
    daily = exam(county.county, at(11), kind="daily")
    sheet(county_exam, county.member_a1.user)
    sheet(county_exam, county.member_b1.user)
    sheet(county_exam, county.member_a2.user, state="in_progress")
    sheet(county_exam, closed)  # a closed account owes nothing and adds nothing
    sheet(town_exam, m2)
    sheet(june_exam, county.member_b1.user)
    sheet(hidden, county.member_a2.user)
    sheet(daily, county.member_a2.user)
    facts_compute(month=MAY, codes=["study.exam_turnout"])
    assert figures("study.exam_turnout") == {
        "A1": (2, 4, 50.0),  # 张东街 sat the county's, m2 the town's; each owed two
        "A2": (0, 2, 0.0),
        "B1": (1, 1, 100.0),
        "TA": (2, 6, 33.3),
        "TB": (1, 1, 100.0),
        "C": (3, 7, 42.9),
    }
    assert indicators.get("study.exam_turnout").target == 100
    # The records behind A1's 2 of 4: each owed sitting, the missing ones first.
    from xianfeng.study.record_lists import turnout

    rows = turnout(county.branch_a1, MAY).rows
    assert [row[4] for row in rows] == ["未参考", "未参考", "已交卷", "已交卷"]
    assert {(row[2], row[4]) for row in rows} >= {(county.member_a1.user.name, "已交卷")}
    assert indicators.get("study.exam_turnout").records is not None


def test_exam_turnout_waits_for_an_exam_to_close(people):
    county, _m2, _closed = people
    closes = timezone.now() + datetime.timedelta(hours=1)
    Quiz.objects.create(
        org=county.county, kind="exam", title="考试", paper={}, is_published=True, closes_at=closes
    )
    month = Month.of(timezone.localdate(closes))
    facts_compute(month=month, codes=["study.exam_turnout"])
    assert not Fact.objects.filter(indicator="study.exam_turnout").exists()


def test_average_points(people):
    county, m2, _closed = people

    def entry(user, org, points, day, source, kind="earn"):
        PointsEntry.objects.create(
            user=user,
            org=org,
            rule="study.article",
            kind=kind,
            points=points,
            day=day,
            source_type="study.article",
            source_id=source,
        )

    a1 = county.member_a1.user
    entry(a1, county.branch_a1, 5, datetime.date(2026, 5, 2), "1")
    entry(a1, county.branch_a1, 3, datetime.date(2026, 5, 3), "2")
    entry(a1, county.branch_a1, -3, datetime.date(2026, 5, 3), "2", kind="reverse")
    entry(m2, county.branch_a1, 4, datetime.date(2026, 5, 31), "1")
    entry(m2, county.branch_a1, 9, datetime.date(2026, 4, 30), "3")  # April
    entry(county.member_b1.user, county.branch_b1, 6, datetime.date(2026, 5, 10), "1")
    facts_compute(month=MAY, codes=["study.points_average"])
    # A1: (5 + 3 − 3 + 4) ÷ 2 members; the town adds 西街's member with none.
    assert figures("study.points_average") == {
        "A1": (9, 2, 4.5),
        "A2": (0, 1, 0.0),
        "B1": (6, 1, 6.0),
        "TA": (9, 3, 3.0),
        "TB": (6, 1, 6.0),
        "C": (15, 4, 3.8),
    }
