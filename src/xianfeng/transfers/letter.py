"""The 介绍信 (letter of introduction) of a transfer as a PDF: the usual two parts, the
letter the member carries and the 回执 the receiving org sends back, both with the number."""

from __future__ import annotations

import io
from urllib.parse import quote
from xml.sax.saxutils import escape

from django.http import HttpResponse
from django.utils import timezone
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import HRFlowable, Paragraph, SimpleDocTemplate, Spacer

from xianfeng.common.fonts import pdf_cjk_font
from xianfeng.transfers.models import Transfer


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(text), style)


def letter_pdf(transfer: Transfer) -> bytes:
    """The letter of `transfer` (its member, orgs and number) as PDF bytes."""
    font = pdf_cjk_font()
    body = ParagraphStyle("body", fontName=font, fontSize=12, leading=22, wordWrap="CJK")
    title = ParagraphStyle("title", parent=body, fontSize=18, leading=28, alignment=1)
    right = ParagraphStyle("right", parent=body, alignment=2)
    small = ParagraphStyle("small", parent=body, fontSize=10, leading=16)
    member = transfer.member
    status = member.get_status_display()
    started = timezone.localtime(transfer.started_at)
    story = [
        _p("中国共产党党员组织关系介绍信", title),
        _p(f"编号：{transfer.number}", right),
        Spacer(1, 4 * mm),
        _p(f"{transfer.to_name}：", body),
        _p(
            f"　　{member.user.name}同志（{member.get_gender_display() or '性别未填'}，"
            f"{status}），组织关系由{transfer.from_name}转到你处，"
            f"转接原因：{transfer.reason}。请接洽。",
            body,
        ),
        _p(
            f"　　入党日期：{member.joined_on:%Y年%m月%d日}"
            if member.joined_on
            else "　　入党日期：未填",
            body,
        ),
        Spacer(1, 6 * mm),
        _p(f"{transfer.from_name}（盖章）", right),
        _p(f"{started:%Y年%m月%d日}", right),
        Spacer(1, 8 * mm),
        HRFlowable(width="100%", dash=(3, 3)),
        Spacer(1, 4 * mm),
        _p("回　执", title),
        _p(f"编号：{transfer.number}", right),
        _p(f"{transfer.from_name}：", body),
        _p(
            f"　　{member.user.name}同志的党员组织关系已转达我处，特此回复。",
            body,
        ),
        Spacer(1, 6 * mm),
        _p(f"{transfer.to_name}（盖章）", right),
        _p("　　年　　月　　日", right),
        Spacer(1, 4 * mm),
        _p(
            "本介绍信由先锋平台生成；接收方在平台上点“确认接收”即完成转接。"
            if transfer.to_org is not None
            else f"本介绍信由先锋平台生成；请接收方将回执寄回{transfer.from_name}。",
            small,
        ),
    ]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=f"组织关系介绍信 {transfer.number}",
    )
    doc.build(story)
    return buffer.getvalue()


def letter_response(transfer: Transfer) -> HttpResponse:
    response = HttpResponse(letter_pdf(transfer), content_type="application/pdf")
    name = quote(f"介绍信-{transfer.number}.pdf")
    response["Content-Disposition"] = (
        f"inline; filename=\"letter-{transfer.pk}.pdf\"; filename*=UTF-8''{name}"
    )
    return response
