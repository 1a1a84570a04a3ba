"""Indicator values against hand-computed fixtures, roll-ups as sums of the children, and a
recompute that changes nothing when nothing changed."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import (
    EntryFactory,
    LessonFactory,
    MeetingFactory,
    MemberFactory,
    UserFactory,
    WatchProgressFactory,
)
from xianfeng.assessment.models import Fact
from xianfeng.assessment.services import facts_compute
from xianfeng.common import indicators
from xianfeng.common.indicators import Month
from xianfeng.contests.models import Award, Entry
from xianfeng.orgs.models import Org

pytestmark = pytest.mark.django_db

BEIJING = datetime.timezone(datetime.timedelta(hours=8))
MAY = Month(2026, 5)


def at(day: int, month: int = 5, hour: int = 12, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, month, day, hour, minute, tzinfo=BEIJING)


def figures(code: str, month: Month = MAY) -> dict[str, tuple[float, float, float | None]]:
    return {
        f.org.code: (f.numerator, f.denominator, f.value)
        for f in Fact.objects.filter(indicator=code, month=month.first).select_related("org")
    }


@pytest.fixture
def watched(county):
    """Branch A1 has three active members (张东街, m2, m3) and one whose account is closed;
    A2 and B1 one member each. Watching at the edges of May."""
    m2 = MemberFactory(org=county.branch_a1).user
    m3 = MemberFactory(org=county.branch_a1).user
    closed = MemberFactory(org=county.branch_a1, user=UserFactory(is_active=False)).user
    one, two = LessonFactory(published=True), LessonFactory(published=True)
    a1 = county.member_a1.user
    WatchProgressFactory(user=a1, lesson=one, completed_at=at(5))
    WatchProgressFactory(user=a1, lesson=two, completed_at=at(20))  # counted once
    WatchProgressFactory(user=m2, lesson=one, completed_at=at(30, 4, 23, 59))  # April
    WatchProgressFactory(user=m3, lesson=one, completed_at=at(31, 5, 23, 59))  # May
    WatchProgressFactory(user=closed, lesson=one, completed_at=at(10))  # account closed
    WatchProgressFactory(user=county.member_b1.user, lesson=one, completed_at=at(1, 6, 0, 0))
    WatchProgressFactory(user=county.member_a2.user, lesson=two)  # started, not finished
    return county


def test_participation_per_branch_and_rolled_up(watched):
    facts_compute(month=MAY, codes=["lessons.participation"])
    got = figures("lessons.participation")
    assert got == {
        "A1": (2, 3, 66.7),
        "A2": (0, 1, 0.0),
        "B1": (0, 1, 0.0),
        "TA": (2, 4, 50.0),
        "TB": (0, 1, 0.0),
        "C": (2, 5, 40.0),
    }
    town = Fact.objects.get(indicator="lessons.participation", org__code="TA")
    assert (town.own_numerator, town.own_denominator) == (0, 0)
    branch = Fact.objects.get(indicator="lessons.participation", org__code="A1")
    assert (branch.own_numerator, branch.own_denominator) == (2, 3)
    # April holds m2's lesson, June 王柳湾's.
    facts_compute(month=Month(2026, 4), codes=["lessons.participation"])
    facts_compute(month=Month(2026, 6), codes=["lessons.participation"])
    assert figures("lessons.participation", Month(2026, 4))["A1"] == (1, 3, 33.3)
    assert figures("lessons.participation", Month(2026, 6))["B1"] == (1, 1, 100.0)


def test_watching_together_counts_in_participation_and_in_its_own_rate(watched):
    """集体收看 counts in 参学率 as the lesson's 参学率 page counts it (the indicator used to
    miss it): A2's member only watched together, on 31 May; B1's on 1 June."""
    from xianfeng.lessons.services import group_viewing_credit

    lesson = LessonFactory(published=True)
    a1, a2, b1 = (watched.member_a1.user, watched.member_a2.user, watched.member_b1.user)
    for user, day in ((a2, datetime.date(2026, 5, 31)), (a1, datetime.date(2026, 5, 3))):
        group_viewing_credit(
            actor=None, lesson_ids=[lesson.pk], user_ids=[user.pk], source="remote.viewing",
            source_id=user.pk, viewed_on=day,
        )  # fmt: skip
    group_viewing_credit(
        actor=None, lesson_ids=[lesson.pk], user_ids=[b1.pk], source="remote.viewing",
        source_id=99, viewed_on=datetime.date(2026, 6, 1),
    )  # fmt: skip
    facts_compute(month=MAY, codes=["lessons.participation", "lessons.together"])
    # 张东街 watched alone and together: once. A2's member counts now.
    assert figures("lessons.participation")["A1"] == (2, 3, 66.7)
    assert figures("lessons.participation")["A2"] == (1, 1, 100.0)
    assert figures("lessons.participation")["B1"] == (0, 1, 0.0)
    together = figures("lessons.together")
    assert together["A1"] == (1, 3, 33.3) and together["A2"] == (1, 1, 100.0)
    assert together["C"] == (2, 5, 40.0)


def test_every_roll_up_is_its_own_records_plus_its_childrens(watched):
    facts_compute(month=MAY)
    facts = {(f.indicator, f.org_id): f for f in Fact.objects.filter(month=MAY.first)}
    assert facts
    for (code, org_id), fact in facts.items():
        children = Org.objects.filter(parent_id=org_id).values_list("id", flat=True)
        below = [facts[(code, c)] for c in children if (code, c) in facts]
        assert fact.numerator == fact.own_numerator + sum(f.numerator for f in below), code
        assert fact.denominator == fact.own_denominator + sum(f.denominator for f in below)
        assert fact.value == indicators.get(code).value(fact.numerator, fact.denominator)


def test_recompute_is_idempotent_and_follows_changes(watched):
    facts_compute(month=MAY)
    first = sorted(Fact.objects.values_list("id", "indicator", "org_id", "value"))
    again = facts_compute(month=MAY)
    assert sorted(Fact.objects.values_list("id", "indicator", "org_id", "value")) == first
    assert again.removed == 0
    # 张东街's watching goes away: A1 drops to 1 of 3; nothing else moves.
    watched.member_a1.user.watch_progress.all().delete()
    facts_compute(month=MAY, codes=["lessons.participation"])
    got = figures("lessons.participation")
    assert (got["A1"], got["TA"], got["C"]) == ((1, 3, 33.3), (1, 4, 25.0), (1, 5, 20.0))


def test_lessons_published_and_speakers_counted_at_their_org(county):
    a1, b1 = county.branch_a1, county.branch_b1
    speaker = county.member_a1
    for day, org, who in ((3, a1, speaker), (9, a1, speaker), (15, b1, None)):
        LessonFactory(published=True, org=org, speaker=who, published_at=at(day))
    LessonFactory(published=True, org=a1, published_at=at(2, 4))  # April
    LessonFactory(org=a1)  # a draft
    facts_compute(month=MAY, codes=["lessons.published", "lessons.speakers"])
    assert figures("lessons.published") == {
        "A1": (2, 0, 2),
        "B1": (1, 0, 1),
        "TA": (2, 0, 2),
        "TB": (1, 0, 1),
        "C": (3, 0, 3),
    }
    speakers = figures("lessons.speakers")
    assert (speakers["A1"], speakers["A2"], speakers["C"]) == (
        (1, 1, 100.0),
        (0, 1, 0.0),
        (1, 3, 33.3),
    )


def test_contest_entries_and_awards_counted_at_the_entrants_org(county):
    mine = EntryFactory(lesson=LessonFactory(published=True, org=county.branch_a1))
    other = EntryFactory(
        contest=mine.contest, lesson=LessonFactory(published=True, org=county.branch_b1)
    )
    late = EntryFactory(
        contest=mine.contest, lesson=LessonFactory(published=True, org=county.branch_a2)
    )
    Entry.objects.filter(pk__in=[mine.pk, other.pk]).update(created_at=at(6))
    Entry.objects.filter(pk=late.pk).update(created_at=at(1, 6))
    Award.objects.create(
        contest=mine.contest, level="first", label="一等奖", entry=mine, certificate_no="C-1"
    )
    Award.objects.create(
        contest=mine.contest,
        level="org",
        label="优秀组织奖",
        org=county.town_b,
        certificate_no="C-2",
    )
    Award.objects.update(created_at=at(28))
    facts_compute(month=MAY, codes=["contests.entries", "contests.awards"])
    assert figures("contests.entries") == {
        "A1": (1, 0, 1),
        "B1": (1, 0, 1),
        "TA": (1, 0, 1),
        "TB": (1, 0, 1),
        "C": (2, 0, 2),
    }
    assert figures("contests.awards") == {
        "A1": (1, 0, 1),
        "TA": (1, 0, 1),
        "TB": (1, 0, 1),
        "C": (2, 0, 2),
    }


def test_theme_day_completion_is_the_ledgers_count(county):
    """主题党日 is owed monthly. By 31 March a branch founded before the year owes January,
    February and March; A1 held January and March (approved), A2 held February but its
    minutes are not approved, B1 was founded on 1 March and owes March only."""
    Org.objects.update(founded_on=datetime.date(2020, 1, 1))
    Org.objects.filter(code="B1").update(founded_on=datetime.date(2026, 3, 1))
    for org, month, trait in (
        (county.branch_a1, 1, "approved"),
        (county.branch_a1, 3, "approved"),
        (county.branch_a2, 2, "submitted"),
    ):
        MeetingFactory(org=org, kind="theme_day", starts_at=at(12, month, 15), **{trait: True})
    facts_compute(month=Month(2026, 3), codes=["meetings.completion_theme_day"])
    got = figures("meetings.completion_theme_day", Month(2026, 3))
    assert got == {
        "A1": (2, 3, 66.7),
        "A2": (0, 3, 0.0),
        "B1": (0, 1, 0.0),
        "TA": (2, 6, 33.3),
        "TB": (0, 1, 0.0),
        "C": (2, 7, 28.6),
    }


def test_the_command_computes_a_month_and_refuses_a_bad_one(watched, capsys):
    call_command("indicators_compute", "--month", "2026-05", "--indicator", "lessons.participation")
    assert "2026-05：1 项指标，写入 6 条，删除 0 条" in capsys.readouterr().out
    with pytest.raises(CommandError, match="月份应写作 YYYY-MM"):
        call_command("indicators_compute", "--month", "2026-13")
    with pytest.raises(CommandError, match=r"没有这个指标：nope\.x"):
        call_command("indicators_compute", "--month", "2026-05", "--indicator", "nope.x")


def test_month_arithmetic():
    assert (str(Month(2026, 1).previous()), str(Month(2026, 12).next())) == ("2025-12", "2027-01")
    assert (Month(2024, 2).days, Month.parse(" 2026-5 ")) == (29, Month(2026, 5))
    start, end = MAY.bounds()
    assert (start, end) == (at(1, 5, 0), at(1, 6, 0))
    assert MAY.until(datetime.date(2026, 5, 9)) == datetime.date(2026, 5, 9)
    assert MAY.until(datetime.date(2026, 7, 1)) == datetime.date(2026, 5, 31)
