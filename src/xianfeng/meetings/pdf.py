"""A meeting's minutes as an A4 PDF: facts, attendance, quorum, the record, photos,
amendments and signature lines for the host and both recorders.

Chinese text uses an embedded TrueType font (Debian's WenQuanYi Micro Hei, installed by
`make setup`), so the text is extractable and prints the same everywhere; without it,
reportlab's built-in CID font STSong-Light (which readers substitute) is used.
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import (
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from xianfeng.meetings.enums import AMENDABLE_FIELDS, AttachmentKind, AttendanceSource, MeetingKind
from xianfeng.meetings.models import Amendment, Attachment, Attendance, Meeting, Minutes
from xianfeng.meetings.selectors import QuorumResult
from xianfeng.people.enums import MemberStatus
from xianfeng.people.models import Member

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
)
FALLBACK_FONT = "STSong-Light"
PHOTOS_IN_PDF = 6


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """Register and name the font: a CJK TrueType font if one is installed, else the CID
    font built into reportlab."""
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    for candidate in FONT_CANDIDATES:
        if Path(candidate).exists():
            try:
                pdfmetrics.registerFont(TTFont("XFCJK", candidate, subfontIndex=0))
            except TTFError:
                continue
            return "XFCJK"
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=17, leading=24, alignment=1),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=10, textColor=colors.grey, alignment=1
        ),
        "h2": ParagraphStyle(
            "h2", parent=base, fontSize=12.5, leading=20, spaceBefore=8, spaceAfter=3
        ),
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=9.5, leading=13),
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=12),
    }


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text or "").replace("\n", "<br/>"), style)


def _when(moment: Any) -> str:
    return f"{timezone.localtime(moment):%Y年%m月%d日 %H:%M}" if moment else ""


def _identity(row: Attendance, meeting: Meeting) -> str:
    try:
        member: Member | None = row.user.member
    except Member.DoesNotExist:
        member = None
    if member is None or member.org_id != meeting.branch_id:
        return "列席"
    return "预备党员" if member.status == MemberStatus.PROBATIONARY else "正式党员"


def _note(row: Attendance) -> str:
    if row.source == AttendanceSource.MANUAL:
        return f"补录：{row.reason}"
    if row.source == AttendanceSource.LEAVE:
        return f"请假：{row.reason}"
    if row.source == AttendanceSource.QR:
        return "扫码签到"
    return ""


def _grid(data: list[list[Any]], widths: list[float], font: str, header: bool = True) -> Table:
    table = Table(data, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("FONT", (0, 0), (-1, -1), font, 9.5),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa0a6")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3e3e3")))
    table.setStyle(TableStyle(style))
    return table


def minutes_pdf(
    meeting: Meeting,
    *,
    minutes: Minutes | None,
    rows: list[Attendance],
    quorum: QuorumResult | None,
    attachments: list[Attachment],
    amendments: list[Amendment],
) -> bytes:
    font = cjk_font()
    st = _styles(font)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=f"{meeting.topic} 会议记录",
        author=meeting.branch.name,
        subject=meeting.get_kind_display(),
        creator="先锋党员教育平台",
    )
    width = A4[0] - 36 * mm
    story: list[Any] = [
        _p(f"{meeting.branch.name}{meeting.get_kind_display()}记录", st["title"]),
        _p(f"{meeting.org.name} · {meeting.get_state_display()}", st["subtitle"]),
        Spacer(1, 5 * mm),
    ]
    counts = {"present": 0, "late": 0, "leave": 0, "absent": 0, "expected": 0}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    facts = [
        ["会议主题", meeting.topic],
        ["会议类型", meeting.get_kind_display()],
        [
            "会议时间",
            f"{_when(meeting.starts_at)}—{timezone.localtime(meeting.ends_at):%H:%M}",
        ],
        ["会议地点", meeting.place],
        ["主持人", meeting.host.name],
        ["记录人", f"A：{meeting.recorder_a.name}　B：{meeting.recorder_b.name}"],
    ]
    if meeting.speaker_name:
        facts.append(["主讲人", meeting.speaker_name])
    if meeting.lesson_id and meeting.lesson is not None:
        facts.append(["微党课", meeting.lesson.title])
    facts.append(
        [
            "出勤",
            f"应到 {len(rows)} 人，实到 {counts['present'] + counts['late']} 人"
            f"（其中迟到 {counts['late']} 人），请假 {counts['leave']} 人，"
            f"缺席 {counts['absent'] + counts['expected']} 人",
        ]
    )
    if quorum is not None:
        verdict = "超过半数，符合规定" if quorum.met else "未超过半数，不符合规定"
        facts.append(
            [
                "到会情况",
                f"{quorum.label}：应到 {quorum.base} 人，实到 {quorum.present} 人，{verdict}",
            ]
        )
    story.append(
        _grid(
            [[_p(k, st["cell"]), _p(v, st["cell"])] for k, v in facts],
            [28 * mm, width - 28 * mm],
            font,
            header=False,
        )
    )

    story.append(_p("出席情况", st["h2"]))
    table = [["序号", "姓名", "身份", "出勤", "签到时间", "备注"]]
    for index, row in enumerate(rows, start=1):
        signed = f"{timezone.localtime(row.signed_at):%H:%M}" if row.signed_at else ""
        status = row.get_status_display() if row.status != "expected" else "缺席"
        table.append(
            [
                str(index),
                _p(row.user.name, st["cell"]),
                _identity(row, meeting),
                status,
                signed,
                _p(_note(row), st["small"]),
            ]
        )
    story.append(
        _grid(table, [12 * mm, 30 * mm, 22 * mm, 16 * mm, 20 * mm, width - 100 * mm], font)
    )

    sections = [
        ("会议议程", minutes.agenda if minutes else ""),
        ("讨论情况", minutes.discussion if minutes else ""),
        ("会议决议", minutes.resolutions if minutes else ""),
    ]
    if meeting.kind == MeetingKind.THEME_DAY:
        sections += [
            ("一课", meeting.lesson.title if meeting.lesson else meeting.speaker_name),
            ("一片", minutes.film if minutes else ""),
            ("一实践", minutes.practice if minutes else ""),
        ]
    for title, text in sections:
        story.append(_p(title, st["h2"]))
        story.append(_p(text or "（无）", st["body"]))

    photos = [a for a in attachments if a.kind == AttachmentKind.PHOTO][:PHOTOS_IN_PDF]
    sheets = [a for a in attachments if a.kind == AttachmentKind.SIGNIN_SHEET]
    if photos or sheets:
        story.append(_p("会议照片与签到表", st["h2"]))
        cells: list[Any] = []
        for attachment in [*photos, *sheets[:2]]:
            image = _image(attachment, (width - 6 * mm) / 2)
            if image is not None:
                cells.append(image)
        grid_rows = [cells[i : i + 2] for i in range(0, len(cells), 2)]
        if grid_rows:
            if len(grid_rows[-1]) == 1:
                grid_rows[-1].append("")
            pics = Table(grid_rows, colWidths=[width / 2, width / 2])
            pics.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story.append(pics)

    if amendments:
        story.append(_p("修订记录", st["h2"]))
        for a in amendments:
            story.append(
                _p(
                    f"{_when(a.created_at)} {a.amended_by.name} 修订“{_label(a.field)}”，"
                    f"理由：{a.note}\n原文：{a.before or '（空）'}\n改为：{a.after or '（空）'}",
                    st["small"],
                )
            )
            story.append(Spacer(1, 2 * mm))

    if minutes is not None and (minutes.submitted_at or minutes.approved_at):
        lines = []
        if minutes.written_by is not None and minutes.submitted_at:
            lines.append(f"记录：{minutes.written_by.name}，{_when(minutes.submitted_at)} 提交")
        if minutes.approved_by is not None and minutes.approved_at:
            lines.append(f"审核：{minutes.approved_by.name}，{_when(minutes.approved_at)} 通过")
        story.append(Spacer(1, 3 * mm))
        story.append(_p("；".join(lines), st["small"]))

    blank = "_" * 14
    signatures = Table(
        [
            [f"主持人（签字）：{blank}", f"记录人A（签字）：{blank}"],
            [f"记录人B（签字）：{blank}", f"日期：{blank}"],
        ],
        colWidths=[width / 2, width / 2],
        rowHeights=[14 * mm, 14 * mm],
    )
    signatures.setStyle(
        TableStyle([("FONT", (0, 0), (-1, -1), font, 10.5), ("VALIGN", (0, 0), (-1, -1), "BOTTOM")])
    )
    story.append(Spacer(1, 8 * mm))
    story.append(KeepTogether([signatures]))

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(18 * mm, 10 * mm, f"{meeting.branch.name} · 三会一课台账")
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"第 {document.page} 页")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _label(field: str) -> str:
    return AMENDABLE_FIELDS.get(field, field)


def _image(attachment: Attachment, max_width: float) -> Image | None:
    try:
        with attachment.image.open("rb") as handle:
            data = handle.read()
    except OSError:
        return None
    w, h = attachment.width or 1, attachment.height or 1
    scale = min(max_width / w, (70 * mm) / h)
    return Image(io.BytesIO(data), width=w * scale, height=h * scale)
