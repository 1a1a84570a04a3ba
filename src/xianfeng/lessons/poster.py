"""A share poster for WeChat groups: title, speaker, org and a QR code to the lesson."""

from __future__ import annotations

import io
import textwrap

import qrcode
from PIL import Image, ImageDraw, ImageFont

from xianfeng.common.fonts import cjk_font_path
from xianfeng.lessons.models import Lesson

RED = (200, 22, 29)
GOLD = (255, 209, 0)
WIDTH, HEIGHT = 750, 1080


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = cjk_font_path()
    return ImageFont.truetype(path, size) if path else ImageFont.load_default()


def lesson_poster_png(lesson: Lesson, url: str) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), (255, 250, 245))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, WIDTH, 300], fill=RED)
    has_cjk = cjk_font_path() is not None
    if has_cjk:
        draw.text((48, 48), "微党课", font=_font(44), fill=GOLD)
        y = 120
        for line in textwrap.wrap(lesson.title, 15)[:3]:
            draw.text((48, y), line, font=_font(48), fill=(255, 255, 255))
            y += 60
        draw.text((48, 330), f"主讲：{lesson.speaker_name}", font=_font(32), fill=(40, 40, 40))
        draw.text((48, 380), lesson.org.name, font=_font(28), fill=(95, 102, 112))
        if lesson.summary:
            for i, line in enumerate(textwrap.wrap(lesson.summary, 22)[:2]):
                draw.text((48, 440 + i * 40), line, font=_font(26), fill=(60, 60, 60))
        draw.text(
            (48, HEIGHT - 70), "扫码观看 · 先锋党员教育平台", font=_font(26), fill=(95, 102, 112)
        )
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
    qr = qrcode.QRCode(border=2, box_size=10, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(url)
    qr.make(fit=True)
    code = (
        qr.make_image(fill_color="black", back_color="white")
        .get_image()
        .convert("RGB")
        .resize((360, 360))
    )
    image.paste(code, ((WIDTH - 360) // 2, 560))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
