"""The records behind study's indicators for an org and a month (common/record_lists.py):
who read, the exams handed in, the points earned."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from xianfeng.common.indicators import Month
from xianfeng.common.record_lists import Builder, Cell, RecordList, records_view
from xianfeng.orgs.enums import RECORD_ROLES
from xianfeng.orgs.models import Org
from xianfeng.orgs.selectors import get_org_for_user
from xianfeng.people.selectors import roll_in
from xianfeng.study.enums import AttemptState, QuizKind
from xianfeng.study.models import ArticleRead, Attempt, PointsEntry, Quiz


def reading(org: Any, month: Month) -> RecordList:
    """Every member counted in the subtree and how many articles they finished."""
    roll = roll_in(org, month.first, month.last)
    start, end = month.bounds()
    read = Counter(
        ArticleRead.objects.filter(
            completed_at__gte=start,
            completed_at__lt=end,
            user_id__in=[r.user_id for r in roll],
        ).values_list("user_id", flat=True)
    )
    rows: list[Any] = [
        (r.name, r.org_name, f"读完 {read[r.user_id]} 篇" if read[r.user_id] else "未读")
        for r in roll
    ]
    return RecordList("阅读情况", ["党员", "支部", "本月阅读"], rows)


def exams(org: Any, month: Month) -> RecordList:
    start, end = month.bounds()
    rows: list[Any] = [
        (
            timezone.localtime(at).strftime("%m-%d"),
            name,
            Cell(title, reverse("study:quiz", args=[quiz_id])),
            f"{score} / {top}",
            "及格" if passed else "不及格",
        )
        for at, name, quiz_id, title, score, top, passed in Attempt.objects.filter(
            quiz__kind=QuizKind.EXAM,
            state=AttemptState.SUBMITTED,
            submitted_at__gte=start,
            submitted_at__lt=end,
            org__path__gte=org.path,
            org__path__lt=org.upper_path,
        )
        .order_by("submitted_at", "id")
        .values_list(
            "submitted_at", "user__name", "quiz_id", "quiz__title", "score", "max_score", "passed"
        )
    ]
    return RecordList("考试交卷", ["交卷日期", "答题人", "考试", "得分", "结果"], rows)


def turnout(org: Any, month: Month) -> RecordList:
    """Each exam that closed in the month and who in the subtree owed a sitting: handed in
    or not (考试参考率's sittings, one row per member and exam, the missing first)."""
    start, end = month.bounds()
    exams = list(
        Quiz.objects.filter(
            kind=QuizKind.EXAM,
            is_published=True,
            closes_at__gte=start,
            closes_at__lt=min(end, timezone.now()),
        )
        .order_by("closes_at", "id")
        .values_list("pk", "title", "closes_at", "org__path")
    )
    roll = roll_in(org, month.first, month.last) if exams else []
    paths = dict(Org.objects.filter(pk__in={r.org_id for r in roll}).values_list("pk", "path"))
    sat = set(
        Attempt.objects.filter(
            quiz_id__in=[e[0] for e in exams],
            state=AttemptState.SUBMITTED,
            user_id__in=[r.user_id for r in roll],
        ).values_list("quiz_id", "user_id")
    )
    rows: list[Any] = []
    for pk, title, closes_at, exam_path in exams:
        for r in roll:
            if paths.get(r.org_id, "").startswith(exam_path):
                done = (pk, r.user_id) in sat
                rows.append(
                    (
                        Cell(title, reverse("study:quiz", args=[pk])),
                        timezone.localtime(closes_at).strftime("%m-%d"),
                        r.name,
                        r.org_name,
                        "已交卷" if done else "未参考",
                    )
                )
    rows.sort(key=lambda row: row[4] == "已交卷")
    return RecordList("考试参考", ["考试", "截止", "党员", "支部", "结果"], rows)


def points(org: Any, month: Month) -> RecordList:
    rows: list[Any] = [
        (name, where, n)
        for name, where, n in PointsEntry.objects.filter(
            day__gte=month.first,
            day__lte=month.last,
            org__path__gte=org.path,
            org__path__lt=org.upper_path,
        )
        .values("user_id", "user__name", "org__name")
        .annotate(n=Sum("points"))
        .order_by("-n", "user_id")
        .values_list("user__name", "org__name", "n")
    ]
    members = len(roll_in(org, month.first, month.last))
    return RecordList(
        "学习积分",
        ["党员", "获得时所在组织", "本月积分"],
        rows,
        note=f"人均学习积分 = 本月积分合计 ÷ 当月在册党员 {members} 人",
    )


BUILDERS: dict[str, Builder] = {
    "reading": reading,
    "exams": exams,
    "turnout": turnout,
    "points": points,
}

view = records_view(BUILDERS, lambda user, code: get_org_for_user(user, code, RECORD_ROLES))


def url(what: str) -> Any:
    def records(org: Any, month: Month) -> str:
        return reverse("study:records", args=[org.code, str(month), what])

    return records
