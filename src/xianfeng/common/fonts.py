"""A Chinese font for what we draw ourselves (posters, PDF certificates and minutes), and a
colour emoji font for the posters.

Debian's fonts-wqy-microhei and fonts-noto-color-emoji are installed by `make setup` (as
root) and by `make test`; Noto CJK works too. Without a CJK font, images draw no Chinese
text rather than boxes, and PDFs use reportlab's built-in CID font STSong-Light (readers
substitute a local font). Without the emoji font, posters leave emoji out (never boxes).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
)
EMOJI_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf",
    "/usr/share/fonts/noto/NotoColorEmoji.ttf",
)
PDF_FALLBACK_FONT = "STSong-Light"


@lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    return next((p for p in FONT_CANDIDATES if Path(p).exists()), None)


@lru_cache(maxsize=1)
def emoji_font_path() -> str | None:
    return next((p for p in EMOJI_FONT_CANDIDATES if Path(p).exists()), None)


@lru_cache(maxsize=1)
def pdf_cjk_font() -> str:
    """Register a CJK font with reportlab and return its name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    path = cjk_font_path()
    if path is not None:
        try:
            pdfmetrics.registerFont(TTFont("XFCJK", path, subfontIndex=0))
            return "XFCJK"
        except TTFError:
            pass
    pdfmetrics.registerFont(UnicodeCIDFont(PDF_FALLBACK_FONT))
    return PDF_FALLBACK_FONT
