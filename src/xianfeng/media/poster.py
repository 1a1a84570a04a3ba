"""Poster images: a representative frame of a video (never a black one), or a drawn poster
for an audio lesson."""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from pathlib import Path

import av
import av.error
from PIL import Image, ImageDraw, ImageFont, ImageStat

from xianfeng.common.fonts import cjk_font_path

# Where the frame is looked for, as shares of the duration; the most varied frame wins
# (a fade, a black leader or a lens cap has almost no variance in luminance).
POINTS = (0.1, 0.3, 0.5)
MORE_POINTS = (0.2, 0.4, 0.6, 0.7, 0.9)
BLACK_VARIANCE = 30.0  # below this, a frame is taken for black (or one flat colour)
MAX_SIDE = 1280
JPEG_QUALITY = 85

RED = (183, 28, 28)
DARK_RED = (127, 0, 0)
GOLD = (255, 213, 79)
_TRANSPOSE = {
    90: Image.Transpose.ROTATE_270,  # clockwise degrees → Pillow's counter-clockwise turns
    180: Image.Transpose.ROTATE_180,
    270: Image.Transpose.ROTATE_90,
}


def _to_image(frame: av.VideoFrame) -> Image.Image:
    convert: Callable[[], Image.Image] = frame.to_image  # PyAV's stub leaves it untyped
    return convert()


def _luminance_variance(image: Image.Image) -> float:
    small = image.convert("L")
    small.thumbnail((160, 160))
    return float(ImageStat.Stat(small).var[0])


def _frame_at(container: av.container.InputContainer, seconds: float) -> Image.Image | None:
    """The first keyframe at or after `seconds`: only keyframes are decoded, so a poster
    costs a few decodes however long the GOP (the exact instant does not matter)."""
    stream = container.streams.video[0]
    try:
        container.seek(int(seconds * av.time_base), backward=False)
        for frame in container.decode(stream):
            return _to_image(frame)
    except (av.error.FFmpegError, ValueError):
        return None
    return None


def video_poster(path: Path, *, duration: float, rotation: int) -> bytes:
    """A JPEG of the frame with the most luminance variance among a few points of the video,
    turned upright (`rotation` clockwise, as probed) and at most MAX_SIDE pixels."""
    best: tuple[float, Image.Image] | None = None
    with av.open(str(path), timeout=30.0) as container:
        context = container.streams.video[0].codec_context
        context.thread_type = "AUTO"
        context.skip_frame = "NONKEY"
        for points in (POINTS, MORE_POINTS):
            for share in points:
                image = _frame_at(container, duration * share)
                if image is None:
                    continue
                variance = _luminance_variance(image)
                if best is None or variance > best[0]:
                    best = (variance, image)
            if best is not None and best[0] >= BLACK_VARIANCE:
                break
        if best is None:  # no keyframe found by seeking: the first frame will do
            context.skip_frame = "DEFAULT"
            container.seek(0)
            for frame in container.decode(video=0):
                best = (0.0, _to_image(frame))
                break
    if best is None:
        raise ValueError("no video frame for a poster")
    image = best[1]
    if rotation in _TRANSPOSE:
        image = image.transpose(_TRANSPOSE[rotation])
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    return _jpeg(image)


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return buffer.getvalue()


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    lines: list[str] = []
    line = ""
    for char in text:
        if draw.textlength(line + char, font=font) > width and line:
            lines.append(line)
            line = char
        else:
            line += char
    if line:
        lines.append(line)
    if len(lines) > 2:  # two lines at most; the rest is cut with an ellipsis
        lines = [lines[0], lines[1][:-1] + "…"]
    return lines


def audio_poster(title: str, *, size: tuple[int, int] = (1280, 720)) -> bytes:
    """A red poster for an audio lesson: a gold emblem, sound bars and the title in Chinese
    when a CJK font is installed."""
    width, height = size
    image = Image.new("RGB", size, RED)
    draw = ImageDraw.Draw(image)
    # A darker band at the bottom, a gold rule above it.
    draw.rectangle((0, int(height * 0.78), width, height), fill=DARK_RED)
    draw.rectangle((0, int(height * 0.78) - 6, width, int(height * 0.78)), fill=GOLD)
    # A five-pointed star in a ring.
    cx, cy, radius = width // 2, int(height * 0.3), int(height * 0.13)
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), outline=GOLD, width=8)
    draw.polygon(_star(cx, cy, int(radius * 0.72)), fill=GOLD)
    # Sound bars across the band.
    bars = 24
    bar_width = width // (bars * 2)
    for i in range(bars):
        level = (0.35, 0.7, 1.0, 0.55, 0.85, 0.45)[i % 6]
        bar_height = int(height * 0.12 * level)
        x = bar_width // 2 + i * bar_width * 2
        base = int(height * 0.93)
        draw.rectangle((x, base - bar_height, x + bar_width, base), fill=GOLD)

    font_path = cjk_font_path()
    title = title.strip()
    if font_path is not None and title:
        font = ImageFont.truetype(font_path, size=int(height * 0.08))
        lines = _wrap(draw, title, font, int(width * 0.86))
        line_height = int(height * 0.1)
        top = int(height * 0.5)
        for number, line in enumerate(lines):
            draw.text(
                (width // 2, top + number * line_height),
                line,
                font=font,
                fill=(255, 255, 255),
                anchor="mt",
            )
    return _jpeg(image)


def _star(cx: int, cy: int, radius: int) -> list[tuple[float, float]]:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.4
        angle = math.pi / 2 + i * math.pi / 5
        points.append((cx + r * math.cos(angle), cy - r * math.sin(angle)))
    return points
