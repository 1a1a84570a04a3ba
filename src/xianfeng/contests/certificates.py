"""Award certificates as one-page A4 PDFs with Chinese text (name, award, contest, date,
issuing org)."""

from __future__ import annotations

import io

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfgen import canvas

from xianfeng.common.fonts import pdf_cjk_font
from xianfeng.contests.models import Award

RED = colors.Color(200 / 255, 22 / 255, 29 / 255)
GOLD = colors.Color(184 / 255, 134 / 255, 11 / 255)


def award_holder(award: Award) -> tuple[str, str]:
    """(who, for what): the speaker and the lesson, or the org."""
    if award.entry is not None:
        lesson = award.entry.lesson
        return lesson.speaker_name, f"微党课《{lesson.title}》"
    assert award.org is not None
    return award.org.name, "在本次活动中组织有力、成效突出"


def certificate_pdf(award: Award) -> io.BytesIO:
    font = pdf_cjk_font()
    out = io.BytesIO()
    width, height = landscape(A4)
    c = canvas.Canvas(out, pagesize=(width, height))
    c.setTitle(f"{award.contest.title} {award.label} 荣誉证书")
    c.setStrokeColor(RED)
    c.setLineWidth(6)
    c.rect(24, 24, width - 48, height - 48)
    c.setStrokeColor(GOLD)
    c.setLineWidth(1.5)
    c.rect(36, 36, width - 72, height - 72)
    c.setFillColor(RED)
    c.setFont(font, 44)
    c.drawCentredString(width / 2, height - 130, "荣 誉 证 书")
    who, what = award_holder(award)
    c.setFillColor(colors.black)
    c.setFont(font, 24)
    c.drawString(110, height - 215, f"{who}：")
    c.setFont(font, 18)
    c.drawString(150, height - 265, f"你（们）的{what}")
    c.drawString(150, height - 300, f"在“{award.contest.title}”中荣获")
    c.setFillColor(RED)
    c.setFont(font, 34)
    c.drawCentredString(width / 2, height - 365, award.label)
    c.setFillColor(colors.black)
    c.setFont(font, 16)
    c.drawString(150, height - 410, "特发此证，以资鼓励。")
    issued = timezone.localtime(award.created_at).date()
    c.setFont(font, 16)
    c.drawRightString(width - 110, 130, award.contest.org.name)
    c.drawRightString(width - 110, 100, f"{issued.year}年{issued.month}月{issued.day}日")
    c.setFont(font, 10)
    c.setFillColor(colors.grey)
    c.drawString(60, 52, f"证书编号：{award.certificate_no}")
    c.showPage()
    c.save()
    out.seek(0)
    return out
