"""参学情况 as .xlsx for the branch's ledger."""

from __future__ import annotations

from collections.abc import Sequence

from django.http import HttpResponse
from django.utils import timezone

from xianfeng.common.xlsx import XlsxWriter
from xianfeng.lessons.models import Lesson
from xianfeng.lessons.selectors import PARTICIPATED, PARTICIPATION_LABELS, ParticipationRow
from xianfeng.orgs.models import Org


def participation_workbook(
    lesson: Lesson, branch: Org, rows: Sequence[ParticipationRow]
) -> HttpResponse:
    alone = sum(1 for r in rows if r.status == "completed")
    together = sum(1 for r in rows if r.status == "group")
    done = sum(1 for r in rows if r.status in PARTICIPATED)
    book = XlsxWriter()
    sheet = book.sheet(
        "参学情况",
        ["姓名", "党小组", "状态", "观看进度", "学完时间", "集体收看"],
        widths=[12, 14, 10, 10, 18, 12],
        preamble=[
            f"《{lesson.title}》参学情况 — {branch.name}",
            f"应学 {len(rows)} 人，个人学完 {alone} 人，集体收看 {together} 人，"
            f"参学率 {round(100 * done / len(rows)) if rows else 0}%",
            "",
        ],
    )
    for r in rows:
        sheet.append(
            [
                r.member.user.name,
                r.member.group.name if r.member.group else "",
                PARTICIPATION_LABELS[r.status],
                f"{round(r.share * 100)}%",
                timezone.localtime(r.completed_at).strftime("%Y-%m-%d %H:%M")
                if r.completed_at
                else "",
                r.group_viewed_on.isoformat() if r.group_viewed_on else "",
            ]
        )
    return book.response(f"lesson-{lesson.pk}-{branch.code}.xlsx")
