"""What study measures for assessment and dashboards (common/indicators.py), group 学习.

- 阅读率: members who finished reading at least one article in the month ÷ members (the
  same denominator as 参学率: members with an active account on the roll in the month, each
  at the branch they belonged to then, so a later transfer leaves the month alone).
- 考试及格率: of the people who handed in an exam in the month, those who passed one; counted
  at the org they were in when they took it.
- 考试参考率 (exams not taken, the dashboards' red flag): for every published exam that
  closed in the month (the month under way: closed by now), each member then on the roll
  under the exam's org owes one sitting; of those, the ones handed in. Counted at the
  member's branch of the month, so a branch where people skip the county's exam shows it.
- 人均学习积分: net learning points earned in the month (earnings less reversals, dated on
  the earning's day) ÷ members, counted at the org the points were earned in.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q, Sum
from django.utils import timezone

from xianfeng.common import indicators
from xianfeng.common.indicators import Indicator, Month, Reading
from xianfeng.orgs import paths
from xianfeng.orgs.models import Org
from xianfeng.people.selectors import member_counts_in, member_orgs_in
from xianfeng.study.enums import AttemptState, QuizKind
from xianfeng.study.models import ArticleRead, Attempt, PointsEntry, Quiz
from xianfeng.study.record_lists import url as records_url


def _per_member(month: Month, done: dict[int, float]) -> list[Reading]:
    """A reading for every org with members in the month (people.selectors.member_orgs_in:
    each member at the branch they belonged to then): `done` over its members. An org where
    the records are but no member is (points counted at a party group) still gets its
    numerator, so a subtree's sum stays whole."""
    members = member_counts_in(member_orgs_in(month.first, month.last))
    readings = [Reading(org, done.get(org, 0), n) for org, n in members.items()]
    readings += [Reading(org, n, 0) for org, n in done.items() if org not in members and org]
    return readings


def reading_rate(month: Month) -> Iterable[Reading]:
    """Members who finished an article in the month, at the branch they belonged to then."""
    start, end = month.bounds()
    orgs = member_orgs_in(month.first, month.last)
    readers = set(
        ArticleRead.objects.filter(
            completed_at__gte=start, completed_at__lt=end, user__member__isnull=False
        ).values_list("user__member__id", flat=True)
    )
    done = member_counts_in({m: orgs[m] for m in readers if m in orgs})
    return [Reading(org, done.get(org, 0), n) for org, n in member_counts_in(orgs).items()]


def exam_pass_rate(month: Month) -> Iterable[Reading]:
    start, end = month.bounds()
    rows = (
        Attempt.objects.filter(
            quiz__kind=QuizKind.EXAM,
            state=AttemptState.SUBMITTED,
            submitted_at__gte=start,
            submitted_at__lt=end,
            org__isnull=False,
        )
        .values("org_id")
        .annotate(
            took=Count("user_id", distinct=True),
            passed=Count("user_id", filter=Q(passed=True), distinct=True),
        )
        .values_list("org_id", "passed", "took")
    )
    return [Reading(org, passed, took) for org, passed, took in rows]


def exam_turnout(month: Month) -> Iterable[Reading]:
    """(member, exam) sittings owed and handed in, at the member's branch of the month:
    exams that closed in the month (so far), members on the roll under the exam's org.
    Four queries whatever the number of exams; a month without a closed exam owes none."""
    start, end = month.bounds()
    exams = dict(
        Quiz.objects.filter(
            kind=QuizKind.EXAM,
            is_published=True,
            closes_at__gte=start,
            closes_at__lt=min(end, timezone.now()),
        ).values_list("pk", "org_id")
    )
    if not exams:
        return []
    orgs = member_orgs_in(month.first, month.last)
    above = {
        pk: set(paths.ids_in(path))
        for pk, path in Org.objects.filter(pk__in=set(orgs.values())).values_list("pk", "path")
    }
    sat = set(
        Attempt.objects.filter(
            quiz_id__in=list(exams), state=AttemptState.SUBMITTED, user__member__isnull=False
        )
        .values_list("quiz_id", "user__member__id")
        .distinct()
    )
    owed: dict[int, list[float]] = {}
    for member, org in orgs.items():
        line = above.get(org, set())
        for exam, exam_org in exams.items():
            if exam_org in line:
                counts = owed.setdefault(org, [0.0, 0.0])
                counts[1] += 1
                counts[0] += (exam, member) in sat
    return [Reading(org, num, den) for org, (num, den) in owed.items()]


def average_points(month: Month) -> Iterable[Reading]:
    rows = (
        PointsEntry.objects.filter(day__gte=month.first, day__lte=month.last, org__isnull=False)
        .values("org_id")
        .annotate(n=Sum("points"))
        .values_list("org_id", "n")
    )
    return _per_member(month, {org: float(n or 0) for org, n in rows})


def register() -> None:
    indicators.register(
        Indicator(
            code="study.reading",
            name="阅读率",
            unit="%",
            app="study",
            group="学习",
            compute=reading_rate,
            records=records_url("reading"),
            ratio=True,
            target=80,
            description="本月读完至少一篇学习文章的党员 ÷ 当月在册党员人数"
            "（按当月所在支部，账号停用的不计）",
        )
    )
    indicators.register(
        Indicator(
            code="study.exam_pass",
            name="考试及格率",
            unit="%",
            app="study",
            group="学习",
            compute=exam_pass_rate,
            records=records_url("exams"),
            ratio=True,
            description="本月交卷的考试中，及格的人数 ÷ 参加考试的人数（按答题时所在组织）",
        )
    )
    indicators.register(
        Indicator(
            code="study.exam_turnout",
            name="考试参考率",
            unit="%",
            app="study",
            group="学习",
            compute=exam_turnout,
            records=records_url("turnout"),
            ratio=True,
            target=100,
            description="本月截止的考试中，应参考人次（考试组织及其下级当月在册的党员）中"
            "已交卷的比例（按当月所在支部）",
        )
    )
    indicators.register(
        Indicator(
            code="study.points_average",
            name="人均学习积分",
            unit="分",
            app="study",
            group="学习",
            compute=average_points,
            records=records_url("points"),
            ratio=True,
            scale=1,
            description="本月获得的学习积分（扣除撤回）÷ 党员人数，按获得时所在组织",
        )
    )
