"""The 开机通报 as an A4 PDF to publish: the total 开机率 with its month-on-month change, the
towns ranked by 开机率 (each with its change), then every site with its own change; sites
silent for 3 days or more are marked. Chinese through the one CJK font helper
(common/fonts.py), as the minutes and the 考评通报."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from xianfeng.common.fonts import pdf_cjk_font
from xianfeng.remote.bulletin import Bulletin, change, percent

SILENT = colors.HexColor("#b3261e")


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text or ""), style)


def signed(value: Decimal | None) -> str:
    """A month-on-month change in percentage points: +1.5, -0.3, 0.0, or — when unknown."""
    if value is None:
        return "—"
    return f"+{value}" if value > 0 else f"{value}"


def bulletin_title(bulletin: Bulletin) -> str:
    return f"{bulletin.org.name}{bulletin.year}年{bulletin.month}月远程教育站点开机通报"


def bulletin_pdf(bulletin: Bulletin, before: Bulletin) -> bytes:
    """`before` is the same org's bulletin of the month before (the changes)."""
    font = pdf_cjk_font()
    base = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    title = ParagraphStyle("title", parent=base, fontSize=16, leading=24, alignment=1)
    heading = ParagraphStyle("heading", parent=base, fontSize=12, leading=20)
    cell = ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11)
    out = io.BytesIO()
    name = bulletin_title(bulletin)
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=name,
        author=bulletin.org.name,
        creator="先锋党员教育平台",
    )
    width = A4[0] - 28 * mm
    total, previous_total = bulletin.total, before.total
    story: list[Any] = [_p(name, title), Spacer(1, 4 * mm)]
    if bulletin.last_counted is None:
        story.append(_p("本月尚未开始，暂无数据。", base))
    else:
        story.append(
            _p(
                f"截至{bulletin.last_counted:%m月%d日}，{len(total.sites)} 个终端站点"
                f"总开机率为 {percent(total.rate)}"
                f"（上月 {percent(previous_total.rate)}，"
                f"环比 {signed(change(total.rate, previous_total.rate))} 个百分点）；"
                f"开机 {total.boot_days} / 在役 {total.service_days} 站点天，"
                f"运行 {total.hours} 小时，组织收看 {total.viewings} 次，"
                f"达标 {total.met_count} 个，连续 3 天以上未开机 {total.silent_count} 个。",
                base,
            )
        )
    story.append(Spacer(1, 4 * mm))
    style = [
        ("FONT", (0, 0), (-1, -1), font, 8.5),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa0a6")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f3e3e3")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    before_groups = {g.org.path: g.rate for g in before.groups}
    groups = sorted(bulletin.groups, key=lambda g: (g.rate is None, -(g.rate or 0), g.org.path))
    ranked = bool(groups) and not (len(groups) == 1 and groups[0].org == bulletin.org)
    if ranked:
        story.append(_p("一、各单位开机率排名", heading))
        data: list[list[Any]] = [
            ["排名", "单位", "站点", "开机/在役天数", "开机率", "环比", "运行小时", "收看", "达标"]
        ]
        for rank, group in enumerate(groups, start=1):
            data.append(
                [
                    str(rank),
                    _p(group.org.name, cell),
                    str(len(group.sites)),
                    f"{group.boot_days}/{group.service_days}",
                    percent(group.rate),
                    signed(change(group.rate, before_groups.get(group.org.path))),
                    str(group.hours),
                    str(group.viewings),
                    f"{group.met_count}/{len(group.sites)}",
                ]
            )
        widths = [10, 44, 12, 24, 18, 16, 18, 12, 0]
        widths[-1] = int(width / mm) - sum(widths)
        table = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
        table.setStyle(TableStyle(style))
        story += [table, Spacer(1, 5 * mm)]
    story.append(_p("二、各站点开机情况" if ranked else "各站点开机情况", heading))
    before_sites = {f.site.pk: f.rate for f in before.sites}
    data = [
        [
            "站点编码",
            "站点名称",
            "所属组织",
            "开机/在役",
            "开机率",
            "环比",
            "运行小时",
            "收看",
            "达标",
        ]
    ]
    silent_rows = []
    sites = sorted(bulletin.sites, key=lambda f: (f.rate is None, -(f.rate or 0), f.site.code))
    for index, figures in enumerate(sites, start=1):
        label = figures.site.name + ("（3天以上未开机）" if figures.silent else "")
        data.append(
            [
                figures.site.code,
                _p(label, cell),
                _p(figures.site.org.name, cell),
                f"{figures.boot_days}/{figures.service_days}",
                percent(figures.rate),
                signed(change(figures.rate, before_sites.get(figures.site.pk))),
                str(figures.hours),
                str(figures.viewings),
                "是" if figures.met else "否",
            ]
        )
        if figures.silent:
            silent_rows.append(("TEXTCOLOR", (0, index), (-1, index), SILENT))
    widths = [22, 40, 36, 18, 16, 14, 16, 10, 0]
    widths[-1] = int(width / mm) - sum(widths)
    table = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(TableStyle(style + silent_rows))
    story.append(table)

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(14 * mm, 10 * mm, name)
        canvas.drawRightString(A4[0] - 14 * mm, 10 * mm, f"第 {document.page} 页")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
