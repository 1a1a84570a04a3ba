"""A 考评通报 as an A4 PDF: the ranking with scores and comments (and, for the year, the
grades, the 标杆支部 and the share meeting the standard). Chinese through the one CJK font
helper (common/fonts.py), as the minutes and transfer letters."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from xianfeng.common.fonts import pdf_cjk_font

if TYPE_CHECKING:
    from xianfeng.assessment.selectors import BulletinPage


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text or "").replace("\n", "<br/>"), style)


def bulletin_pdf(page: BulletinPage) -> bytes:
    bulletin = page.bulletin
    font = pdf_cjk_font()
    base = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    title = ParagraphStyle("title", parent=base, fontSize=17, leading=24, alignment=1)
    sub = ParagraphStyle("sub", parent=base, fontSize=10, textColor=colors.grey, alignment=1)
    cell = ParagraphStyle("cell", parent=base, fontSize=9.5, leading=13)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=bulletin.title,
        author=bulletin.org.name,
        creator="先锋党员教育平台",
    )
    width = A4[0] - 36 * mm
    when = (
        f"{timezone.localtime(bulletin.published_at):%Y年%m月%d日}发布"
        if bulletin.published_at
        else "草稿（未发布）"
    )
    story: list[Any] = [_p(bulletin.title, title), _p(f"{bulletin.org.name} · {when}", sub)]
    story.append(Spacer(1, 5 * mm))
    if bulletin.comment:
        story += [_p(bulletin.comment, base), Spacer(1, 3 * mm)]
    if bulletin.annual:
        head = ["名次", "党支部", "得分", "等次", "达标", "点评"]
        widths = [12 * mm, 48 * mm, 16 * mm, 16 * mm, 12 * mm, width - 104 * mm]
    else:
        head = ["名次", "党支部", "得分", "自查月数", "点评"]
        widths = [12 * mm, 52 * mm, 16 * mm, 18 * mm, width - 98 * mm]
    data: list[list[Any]] = [head]
    for line in page.rows:
        row = line.row
        name = row.org.name + ("（标杆支部）" if row.benchmark else "")
        values: list[Any] = [str(row.rank), _p(name, cell), f"{row.score}"]
        if bulletin.annual:
            values += [row.grade, "是" if row.meets else "否"]
        else:
            values.append(str(row.periods))
        values.append(_p(row.comment, cell))
        data.append(values)
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 9.5),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa0a6")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3e3e3")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    story.append(table)
    if bulletin.annual and page.meeting_share is not None:
        names = "、".join(r.org.name for r in page.benchmarks) or "无"
        story += [
            Spacer(1, 4 * mm),
            _p(f"达标率：{page.meeting_share}%（{len(page.rows)} 个党支部）", base),
            _p(f"标杆支部：{names}", base),
        ]

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(18 * mm, 10 * mm, bulletin.title)
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"第 {document.page} 页")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
