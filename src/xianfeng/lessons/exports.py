"""参学情况 as .xlsx for the branch's ledger."""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from xianfeng.lessons.models import Lesson
from xianfeng.lessons.selectors import PARTICIPATION_LABELS, ParticipationRow
from xianfeng.orgs.models import Org


def participation_workbook(
    lesson: Lesson, branch: Org, rows: Sequence[ParticipationRow]
) -> HttpResponse:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "参学情况"
    ws.append([f"《{lesson.title}》参学情况 — {branch.name}"])
    ws["A1"].font = Font(bold=True, size=13)
    done = sum(1 for r in rows if r.status == "completed")
    ws.append(
        [
            f"应学 {len(rows)} 人，已学完 {done} 人，"
            f"参学率 {round(100 * done / len(rows)) if rows else 0}%"
        ]
    )
    ws.append([])
    ws.append(["姓名", "党小组", "状态", "观看进度", "学完时间"])
    for cell in ws[4]:
        cell.font = Font(bold=True)
    for r in rows:
        ws.append(
            [
                r.member.user.name,
                r.member.group.name if r.member.group else "",
                PARTICIPATION_LABELS[r.status],
                f"{round(r.share * 100)}%",
                timezone.localtime(r.completed_at).strftime("%Y-%m-%d %H:%M")
                if r.completed_at
                else "",
            ]
        )
    for column, width in zip("ABCDE", (12, 14, 10, 10, 18), strict=True):
        ws.column_dimensions[column].width = width
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''lesson-{lesson.pk}-{branch.code}.xlsx"
    )
    return response
