"""People's text on images we draw (the lesson poster): measured with the font, wrapped to
the width, cut with "…", and never drawn as tofu boxes.

    style = TextStyle(48, fill=(255, 255, 255))
    for number, line in enumerate(style.wrap(lesson.title, width=654, max_lines=3)):
        style.draw(image, (48, 120 + number * 60), line)

A `TextStyle` is one size in a chain of fonts: the CJK font (common/fonts.py), then Noto
Color Emoji when it is installed. Each character cluster (an emoji with its skin tone or
ZWJ family, a letter with its marks, a flag's two letters) is drawn in the first font that
has its glyph; emoji-looking clusters try the emoji font first. A cluster no font has is
left out: a blank is better than a box. Whether a font has a glyph is decided by drawing
it and comparing with what the font draws for U+10FFFF, which no font maps (its "missing"
glyph), and cached.

Wrapping measures every candidate line with the fonts (`length`), so no line is wider than
the space given: Chinese breaks between any two characters, a run of Latin letters or
digits breaks only at spaces unless it is longer than a whole line, a line does not start
with closing punctuation（，。）》…）or end with opening punctuation（《“）when moving one
character avoids it.
"""

from __future__ import annotations

import contextlib
import math
import threading
import unicodedata
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from xianfeng.common.fonts import cjk_font_path, emoji_font_path

ELLIPSIS = "…"
MISSING = "\U0010ffff"
# Noto Color Emoji is a bitmap font with one strike: drawn at 109 px, 128 px tall bitmaps.
EMOJI_STRIKE = 109
EMOJI_BITMAP_HEIGHT = 128

ZWJ = "\u200d"
EMOJI_EXTENDERS = frozenset("\ufe0e\ufe0f\u20e3") | {chr(c) for c in range(0x1F3FB, 0x1F400)}
TAGS = range(0xE0020, 0xE0080)
REGIONAL_INDICATORS = range(0x1F1E6, 0x1F200)
NO_LINE_START = frozenset("，。、；：？！）》」』】〕〉”’·…—～%,.;:?!)]}")
NO_LINE_END = frozenset("（《「『【〔〈“‘([{")
CJK_START = 0x2E80  # from here on, every character is a place a line may break

# Which characters each font file has (the same at every size), and what each font draws
# for a character it lacks, per size.
_coverage: dict[tuple[str, str], bool] = {}
_missing: dict[tuple[str, float], tuple[float, bytes]] = {}
_coverage_lock = threading.Lock()


def clusters(text: str) -> list[str]:
    """`text` split into what is drawn as one thing (a simplified grapheme segmentation)."""
    out: list[str] = []
    for ch in text:
        if out and _extends(out[-1], ch):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def _extends(cluster: str, ch: str) -> bool:
    code = ord(ch)
    if cluster.endswith(ZWJ) or ch == ZWJ or ch in EMOJI_EXTENDERS or code in TAGS:
        return True
    if unicodedata.category(ch).startswith("M"):
        return True
    return code in REGIONAL_INDICATORS and len(cluster) == 1 and ord(cluster) in REGIONAL_INDICATORS


def _wants_emoji(cluster: str) -> bool:
    base = ord(cluster[0])
    return (
        base >= 0x1F000
        or base in REGIONAL_INDICATORS
        or any(ch == ZWJ or ch in EMOJI_EXTENDERS for ch in cluster[1:])
    )


class Face:
    """One font file at one size; a bitmap (emoji) font is drawn at its strike and scaled."""

    def __init__(self, path: str, size: int, *, bitmap: bool = False) -> None:
        self.path = path
        self.bitmap = bitmap
        self.font = ImageFont.truetype(path, EMOJI_STRIKE if bitmap else size)
        self.scale = size / EMOJI_BITMAP_HEIGHT if bitmap else 1.0

    def _pixels(self, ch: str) -> tuple[float, bytes]:
        box = self.font.getbbox(ch)
        width = max(1, math.ceil(box[2]) + 1)
        height = max(1, math.ceil(box[3]) + 1)
        mode = "RGBA" if self.bitmap else "L"
        canvas = Image.new(mode, (width, height))
        ImageDraw.Draw(canvas).text(
            (0, 0), ch, font=self.font, fill="white", embedded_color=self.bitmap
        )
        return self.font.getlength(ch), canvas.tobytes()

    def has(self, ch: str) -> bool:
        key = (self.path, ch)
        found = _coverage.get(key)
        if found is None:
            with _coverage_lock:
                missing_key = (self.path, self.font.size)
                if missing_key not in _missing:
                    _missing[missing_key] = self._pixels(MISSING)
                found = self._pixels(ch) != _missing[missing_key]
            _coverage[key] = found
        return found

    def length(self, text: str) -> float:
        return self.font.getlength(text) * self.scale


@dataclass
class Run:
    face: Face
    text: str


class TextStyle:
    """Text of one size and colour, in the fallback chain of fonts (see the module)."""

    def __init__(self, size: int, *, fill: tuple[int, int, int] = (0, 0, 0)) -> None:
        self.size = size
        self.fill = fill
        self.faces: list[Face] = []
        path = cjk_font_path()
        if path is not None:
            self.faces.append(Face(path, size))
        emoji = emoji_font_path()
        if emoji is not None:
            with contextlib.suppress(OSError):  # a FreeType without colour bitmaps
                self.faces.append(Face(emoji, size, bitmap=True))

    @classmethod
    def available(cls) -> bool:
        """False without a CJK font: then we draw no text at all."""
        return cjk_font_path() is not None

    def _runs(self, text: str) -> list[Run]:
        runs: list[Run] = []
        if not self.faces:
            return runs
        for cluster in clusters(text):
            faces = self.faces[::-1] if _wants_emoji(cluster) else self.faces
            face = next((f for f in faces if f.has(cluster[0])), None)
            if face is None:
                continue  # no font has it: leave it out rather than draw a box
            drawn = cluster[0] + "".join(ch for ch in cluster[1:] if face.has(ch))
            if runs and runs[-1].face is face:
                runs[-1].text += drawn
            else:
                runs.append(Run(face, drawn))
        return runs

    def fit(self, text: str) -> str:
        """`text` without what no font can draw."""
        return "".join(run.text for run in self._runs(text))

    def length(self, text: str) -> float:
        """The width `text` takes when drawn, in pixels."""
        return sum(run.face.length(run.text) for run in self._runs(text))

    def draw(self, image: Image.Image, xy: tuple[float, float], text: str) -> None:
        """Draw one line with its top-left at `xy` (emoji centred on the line's glyphs)."""
        x, y = xy
        draw = ImageDraw.Draw(image)
        top, bottom = self._glyph_band()
        for run in self._runs(text):
            if run.face.bitmap:
                self._paste_emoji(image, run, (x, y + (top + bottom - self.size) / 2))
            else:
                draw.text((x, y), run.text, font=run.face.font, fill=self.fill)
            x += run.face.length(run.text)

    def _glyph_band(self) -> tuple[float, float]:
        outline = next((f for f in self.faces if not f.bitmap), None)
        if outline is None:
            return 0.0, float(self.size)
        box = outline.font.getbbox("中")
        return float(box[1]), float(box[3])

    def _paste_emoji(self, image: Image.Image, run: Run, xy: tuple[float, float]) -> None:
        font = run.face.font
        width = max(1, math.ceil(font.getlength(run.text)))
        canvas = Image.new("RGBA", (width, EMOJI_BITMAP_HEIGHT))
        ImageDraw.Draw(canvas).text((0, 0), run.text, font=font, embedded_color=True)
        scaled = canvas.resize(
            (max(1, round(width * run.face.scale)), self.size), Image.Resampling.LANCZOS
        )
        image.paste(scaled, (round(xy[0]), round(xy[1])), scaled)

    # --- wrapping ----------------------------------------------------------------------------

    def _tokens(self, text: str, width: float) -> list[str]:
        """Words that stay whole, single CJK characters and emoji, and " " between words."""
        tokens: list[str] = []
        word = ""
        for cluster in clusters(" ".join(self.fit(text).split())):
            if cluster == " ":
                if word:
                    tokens.append(word)
                    word = ""
                tokens.append(" ")
            elif ord(cluster[0]) < CJK_START and not _wants_emoji(cluster):
                word += cluster
            else:
                if word:
                    tokens.append(word)
                    word = ""
                tokens.append(cluster)
        if word:
            tokens.append(word)
        out: list[str] = []
        for token in tokens:
            # A word longer than a whole line has to break somewhere: between letters.
            out.extend(clusters(token) if self.length(token) > width else [token])
        return out

    def wrap(self, text: str, *, width: float, max_lines: int) -> list[str]:
        """`text` on at most `max_lines` lines no wider than `width`; the last ends with "…"
        when the text did not fit."""
        if max_lines < 1:
            return []
        lines: list[list[str]] = []
        line: list[str] = []
        for token in self._tokens(text, width):
            if token == " ":
                if line:
                    line.append(token)
                continue
            if not line or self.length("".join([*line, token])) <= width:
                line.append(token)
                continue
            following = [token]
            # Closing punctuation does not start a line, opening does not end one: carry
            # the character before (or the opening one) down when that still fits.
            while len(line) > 1 and (
                (following[0] in NO_LINE_START and line[-1] != " ") or line[-1] in NO_LINE_END
            ):
                candidate = [line[-1], *following]
                if self.length("".join(candidate)) > width:
                    break
                line, following = line[:-1], candidate
            lines.append(line)
            line = following
        if line:
            lines.append(line)
        texts = ["".join(tokens).strip() for tokens in lines]
        if len(texts) <= max_lines:
            return texts
        kept = texts[:max_lines]
        kept[-1] = self._with_ellipsis(kept[-1], width)
        return kept

    def _with_ellipsis(self, line: str, width: float) -> str:
        parts = clusters(line)
        while parts and (
            parts[-1].isspace()
            or parts[-1] in NO_LINE_END
            or self.length("".join(parts) + ELLIPSIS) > width
        ):
            parts.pop()
        return "".join(parts) + ELLIPSIS
