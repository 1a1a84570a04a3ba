"""The year's 三会一课 台账 of a branch as .xlsx: compliance per period, every meeting, and
every person's attendance."""

from __future__ import annotations

import datetime
import io
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from xianfeng.meetings.enums import ComplianceStatus
from xianfeng.meetings.models import Meeting
from xianfeng.meetings.selectors import (
    attendance_counts,
    ledger_attendance,
    ledger_meetings,
    quorum_of,
)
from xianfeng.meetings.selectors.compliance import branch_compliance
from xianfeng.orgs.models import Org

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="F3E3E3")
STATUS_FILL = {
    ComplianceStatus.HELD: "E3F3E6",
    ComplianceStatus.OVERDUE: "F8D7D7",
    ComplianceStatus.UNAPPROVED: "FBE3CF",
    ComplianceStatus.DUE: "FFF6E0",
    ComplianceStatus.PENDING: "FFF6E0",
}


def _local(moment: datetime.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return timezone.localtime(moment).strftime(fmt) if moment else ""


def _header(sheet: Any, titles: list[str], widths: list[int]) -> None:
    sheet.append(titles)
    row = sheet.max_row
    for index, width in enumerate(widths):
        column = chr(ord("A") + index)
        sheet.column_dimensions[column].width = width
        cell = sheet[f"{column}{row}"]
        cell.font = BOLD
        cell.fill = HEAD_FILL


def ledger_workbook(branch: Org, year: int, *, today: datetime.date) -> HttpResponse:
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = "台账汇总"
    summary.append([f"{branch.name} {year}年三会一课台账"])
    summary["A1"].font = Font(bold=True, size=14)
    row, obligations = branch_compliance(branch, year=year, today=today)
    if row is not None and row.rate is not None:
        summary.append(
            [
                f"截至 {today:%Y-%m-%d}：应开 {row.due} 项，已开 {row.met} 项，"
                f"未完成 {row.failed} 项，完成率 {row.rate}%"
            ]
        )
    else:
        summary.append([f"截至 {today:%Y-%m-%d}"])
    summary.append(["说明：会议记录经审核通过后计为已开；成立不足半个周期的不作要求。"])
    summary.append([])
    _header(summary, ["会议类型", "周期", "状态", "说明"], [16, 16, 12, 30])
    for ob in obligations:
        summary.append([ob.kind_label, ob.span.full_label, ob.status_label, ob.detail])
        fill = STATUS_FILL.get(ComplianceStatus(ob.status))
        if fill:
            summary.cell(row=summary.max_row, column=3).fill = PatternFill("solid", fgColor=fill)

    meetings: list[Meeting] = list(ledger_meetings(branch, year))
    counts = attendance_counts([m.pk for m in meetings])
    sheet = wb.create_sheet("会议记录")
    _header(
        sheet,
        [
            "日期", "时间", "会议类型", "召开组织", "会议主题", "地点", "主持人", "记录人A",
            "记录人B", "主讲人", "应到", "实到", "迟到", "请假", "缺席", "法定人数",
            "状态", "会议议程", "会议决议", "审核时间",
        ],
        [12, 12, 12, 16, 28, 16, 10, 10, 10, 10, 6, 6, 6, 6, 6, 16, 12, 40, 40, 17],
    )  # fmt: skip
    for m in meetings:
        c = counts.get(m.pk, {})
        quorum = quorum_of(m, []) if m.quorum_base is not None else None
        minutes = getattr(m, "minutes", None)
        sheet.append(
            [
                _local(m.starts_at, "%Y-%m-%d"),
                f"{_local(m.starts_at, '%H:%M')}—{_local(m.ends_at, '%H:%M')}",
                m.get_kind_display(),
                m.org.name,
                m.topic,
                m.place,
                m.host.name,
                m.recorder_a.name,
                m.recorder_b.name,
                m.speaker_name,
                sum(c.values()),
                c.get("present", 0) + c.get("late", 0),
                c.get("late", 0),
                c.get("leave", 0),
                c.get("absent", 0) + c.get("expected", 0),
                (f"{quorum.present}/{quorum.base} {'符合' if quorum.met else '不足'}")
                if quorum
                else "",
                m.get_state_display(),
                minutes.agenda if minutes else "",
                minutes.resolutions if minutes else "",
                _local(minutes.approved_at) if minutes else "",
            ]
        )
    for cells in sheet.iter_rows(min_row=2, min_col=18, max_col=19):
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    people = wb.create_sheet("出勤明细")
    _header(
        people,
        ["日期", "会议类型", "会议主题", "姓名", "出勤", "签到时间", "来源", "说明"],
        [12, 12, 28, 10, 8, 17, 10, 30],
    )
    for a in ledger_attendance([m.pk for m in meetings]):
        people.append(
            [
                _local(a.meeting.starts_at, "%Y-%m-%d"),
                a.meeting.get_kind_display(),
                a.meeting.topic,
                a.user.name,
                a.get_status_display(),
                _local(a.signed_at),
                a.get_source_display(),
                a.reason,
            ]
        )

    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    filename = f"{branch.name}-{year}年三会一课台账.xlsx"
    response["Content-Disposition"] = (
        f'attachment; filename="ledger-{branch.code}-{year}.xlsx"; '
        f"filename*=UTF-8''{quote(filename)}"
    )
    return response
