"""Documents of the meetings app: the year's 三会一课 台账 of a branch as .xlsx (compliance per
period, every meeting, every person's attendance) and a meeting's minutes as a PDF."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpResponse
from django.utils import timezone

from xianfeng.common.xlsx import XlsxWriter
from xianfeng.meetings.enums import ComplianceStatus
from xianfeng.meetings.models import Meeting
from xianfeng.meetings.pdf import minutes_pdf
from xianfeng.meetings.rules import can_read_minutes
from xianfeng.meetings.selectors import (
    amendments_of,
    attachments_of,
    attendance_counts,
    attendance_rows,
    get_meeting_for_user,
    ledger_attendance,
    ledger_meetings,
    minutes_of,
    quorum_of,
)
from xianfeng.meetings.selectors.compliance import branch_compliance
from xianfeng.meetings.selectors.life import latest_updates, ledger_rectifications
from xianfeng.orgs.models import Org

STATUS_FILL = {
    ComplianceStatus.HELD: "E3F3E6",
    ComplianceStatus.OVERDUE: "F8D7D7",
    ComplianceStatus.UNAPPROVED: "FBE3CF",
    ComplianceStatus.DUE: "FFF6E0",
    ComplianceStatus.PENDING: "FFF6E0",
}


def _local(moment: datetime.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return timezone.localtime(moment).strftime(fmt) if moment else ""


def ledger_workbook(branch: Org, year: int, *, today: datetime.date) -> HttpResponse:
    row, obligations = branch_compliance(branch, year=year, today=today)
    if row is not None and row.rate is not None:
        status = (
            f"截至 {today:%Y-%m-%d}：应开 {row.due} 项，已开 {row.met} 项，"
            f"未完成 {row.failed} 项，完成率 {row.rate}%"
        )
    else:
        status = f"截至 {today:%Y-%m-%d}"
    book = XlsxWriter()
    summary = book.sheet(
        "台账汇总",
        ["会议类型", "周期", "状态", "说明"],
        widths=[16, 16, 12, 30],
        preamble=[
            f"{branch.name} {year}年三会一课台账",
            status,
            "说明：会议记录经审核通过后计为已开；成立不足半个周期的不作要求。",
            "",
        ],
        title_size=14,
    )
    for ob in obligations:
        fill = STATUS_FILL.get(ComplianceStatus(ob.status))
        summary.append(
            [ob.kind_label, ob.span.full_label, ob.status_label, ob.detail],
            fills={3: fill} if fill else None,
        )

    meetings: list[Meeting] = list(ledger_meetings(branch, year))
    counts = attendance_counts([m.pk for m in meetings])
    sheet = book.sheet(
        "会议记录",
        [
            "日期", "时间", "会议类型", "召开组织", "会议主题", "地点", "主持人", "记录人A",
            "记录人B", "主讲人", "应到", "实到", "迟到", "请假", "缺席", "法定人数",
            "状态", "会议议程", "会议决议", "审核时间",
        ],
        widths=[12, 12, 12, 16, 28, 16, 10, 10, 10, 10, 6, 6, 6, 6, 6, 16, 12, 40, 40, 17],
        wrap=[18, 19],
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
    people = book.sheet(
        "出勤明细",
        ["日期", "会议类型", "会议主题", "姓名", "出勤", "签到时间", "来源", "说明"],
        widths=[12, 12, 28, 10, 8, 17, 10, 30],
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
    items = list(ledger_rectifications(branch, year))
    latest = latest_updates([i.pk for i in items])
    rect = book.sheet(
        "整改清单",
        [
            "会议日期", "会议主题", "存在问题", "整改措施", "责任人", "整改时限", "状态",
            "销号时间", "销号人", "是否按期", "最新进展",
        ],
        widths=[12, 24, 36, 40, 10, 12, 10, 17, 10, 10, 40],
        wrap=[2, 3, 10],
    )  # fmt: skip
    for item in items:
        update = latest.get(item.pk)
        if item.on_time is None:
            timely = "已逾期" if item.deadline < today else ""
        else:
            timely = "按期" if item.on_time else "逾期"
        rect.append(
            [
                _local(item.meeting.starts_at, "%Y-%m-%d"),
                item.meeting.topic,
                item.problem,
                item.measures,
                item.owner.name,
                item.deadline.strftime("%Y-%m-%d"),
                item.get_state_display(),
                _local(item.closed_at),
                item.closed_by.name if item.closed_by else "",
                timely,
                update.note if update else "",
            ]
        )

    return book.response(
        f"{branch.name}-{year}年三会一课台账.xlsx",
        ascii_filename=f"ledger-{branch.code}-{year}.xlsx",
    )


def minutes_pdf_response(user: Any, meeting_id: int) -> HttpResponse:
    """A meeting's minutes as a PDF for someone who may read them (404 otherwise): the
    page and the API answer the same document and the same refusal."""
    meeting = get_meeting_for_user(user, meeting_id)
    if not can_read_minutes(user, meeting):
        raise Http404("找不到该会议")
    rows = attendance_rows(meeting)
    data = minutes_pdf(
        meeting,
        minutes=minutes_of(meeting),
        rows=rows,
        quorum=quorum_of(meeting, rows),
        attachments=attachments_of(meeting),
        amendments=amendments_of(meeting),
    )
    response = HttpResponse(data, content_type="application/pdf")
    day = timezone.localtime(meeting.starts_at)
    response["Content-Disposition"] = f'inline; filename="minutes-{meeting.pk}-{day:%Y%m%d}.pdf"'
    return response
