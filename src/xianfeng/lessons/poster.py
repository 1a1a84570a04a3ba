"""A share poster for WeChat groups: title, speaker, org and a QR code to the lesson.

The text is people's text of any length: it is measured and wrapped to the canvas
(common/drawtext.py), a long title ends with "…" after three lines (the lesson page shows
it whole), and emoji are drawn in colour when the emoji font is installed, left out
otherwise, never as boxes.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from xianfeng.common.drawtext import TextStyle
from xianfeng.common.qr import qr_png
from xianfeng.lessons.models import Lesson

RED = (200, 22, 29)
GOLD = (255, 209, 0)
WIDTH, HEIGHT = 750, 1080
MARGIN = 48
TEXT_WIDTH = WIDTH - 2 * MARGIN
BAND = 300  # the red band with the title
QR_SIZE, QR_TOP = 360, 560
TITLE_SIZE, TITLE_TOP, TITLE_LINE, TITLE_LINES = 48, 120, 60, 3
SPEAKER_SIZE, SPEAKER_LINE = 32, 42
ORG_SIZE, ORG_LINE = 28, 38
SUMMARY_SIZE, SUMMARY_LINE = 26, 36


def title_lines(title: str) -> list[str]:
    return TextStyle(TITLE_SIZE).wrap(title, width=TEXT_WIDTH, max_lines=TITLE_LINES)


def lesson_poster_png(lesson: Lesson, url: str) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), (255, 250, 245))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, WIDTH, BAND], fill=RED)
    if TextStyle.available():
        _draw_text(image, lesson)
    else:
        # Without a CJK font, draw no text at all rather than boxes.
        draw.polygon(
            [
                (375, 60),
                (405, 150),
                (500, 150),
                (423, 205),
                (452, 295),
                (375, 240),
                (298, 295),
                (327, 205),
                (250, 150),
                (345, 150),
            ],
            fill=GOLD,
        )
    code = (
        Image.open(io.BytesIO(qr_png(url, box_size=10))).convert("RGB").resize((QR_SIZE, QR_SIZE))
    )
    image.paste(code, ((WIDTH - QR_SIZE) // 2, QR_TOP))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _draw_text(image: Image.Image, lesson: Lesson) -> None:
    TextStyle(44, fill=GOLD).draw(image, (MARGIN, 48), "微党课")
    title = TextStyle(TITLE_SIZE, fill=(255, 255, 255))
    for number, line in enumerate(title_lines(lesson.title)):
        title.draw(image, (MARGIN, TITLE_TOP + number * TITLE_LINE), line)
    y = BAND + 30
    blocks = (
        (TextStyle(SPEAKER_SIZE, fill=(40, 40, 40)), f"主讲：{lesson.speaker_name}", SPEAKER_LINE),
        (TextStyle(ORG_SIZE, fill=(95, 102, 112)), lesson.org.name, ORG_LINE),
    )
    for style, text, line_height in blocks:
        for line in style.wrap(text, width=TEXT_WIDTH, max_lines=2):
            style.draw(image, (MARGIN, y), line)
            y += line_height
        y += 8
    if lesson.summary:
        summary = TextStyle(SUMMARY_SIZE, fill=(60, 60, 60))
        room = max(0, (QR_TOP - 16 - y) // SUMMARY_LINE)
        for line in summary.wrap(lesson.summary, width=TEXT_WIDTH, max_lines=min(2, room)):
            summary.draw(image, (MARGIN, y + 2), line)
            y += SUMMARY_LINE
    TextStyle(26, fill=(95, 102, 112)).draw(
        image, (MARGIN, HEIGHT - 70), "扫码观看 · 先锋党员教育平台"
    )
