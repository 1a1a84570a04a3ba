"""Normalising what people type and what spreadsheets hold: full-width characters, spaces."""

from __future__ import annotations

import re
import unicodedata

from xianfeng.common.text import clean_text as clean_input

_SPACES = re.compile(r"\s+")


def clean_text(value: object) -> str:
    """The common input cleaning (control characters, lone surrogates: common/text.py) on
    one line, then NFKC (full-width digits and letters become ASCII), trimmed, inner runs
    of space collapsed to one. Spreadsheet cells reach the roster only through here."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", clean_input(value, multiline=False))
    text = text.replace("\u3000", " ")
    return _SPACES.sub(" ", text).strip()


def clean_compact(value: object) -> str:
    """As clean_text, with every space removed (phone and ID numbers, codes)."""
    return _SPACES.sub("", clean_text(value))


def clean_name(value: object) -> str:
    """Chinese names keep no inner spaces (张 三 → 张三); other scripts keep single spaces."""
    text = clean_text(value)
    if all(ord(ch) > 0x2E80 or ch == " " for ch in text):
        return text.replace(" ", "")
    return text
