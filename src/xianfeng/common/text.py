"""User text enters through one normaliser: `clean_text`. Minimums count `visible_length`.

Where it is applied, so that no app has to remember it
------------------------------------------------------
Text reaches a service from a web form, a view reading `request.POST`/`request.GET`, or the
JSON API. All three are cleaned before any view or schema sees them, once per request:

- `CleanInputMiddleware` (common/middleware.py) replaces `request.GET` and `request.POST`
  with cleaned copies (forms, htmx posts and views that read the QueryDicts directly);
- the API's parser (`xianfeng.api.CleanTextParser`) cleans the JSON body, the query string
  and form fields of every router mounted on `/api/v1/` before pydantic parses them.

A new app's pages and API routers are covered without doing anything. Text that comes from
elsewhere (a spreadsheet, a file read by a management command, a third-party callback) is
passed through `clean_text` by the code that reads it, as the roster importer does.

Cleaning never refuses and never makes a 500: it drops what no one can type and no database
should store, and nothing else:

- lone surrogates (JSON can carry "\\ud800"; UTF-8, SQLite and PostgreSQL cannot);
- NUL (PostgreSQL refuses it in text) and every other C0/C1 control character, except tab
  and line feed; CR LF, CR, VT, FF, NEL, U+2028 and U+2029 become a line feed first;
- U+FEFF (a byte-order mark pasted from a file) and the Unicode non-characters
  (U+FDD0–U+FDEF, U+xFFFE/U+xFFFF), which XML (so .xlsx) cannot carry;
- and the result is NFC, so "é" typed two ways is one string (search, uniqueness).

Passwords go through it as well, on every path alike (the login page, the API token,
setting a password), so what was set is what is checked; it changes nothing a keyboard
types except composing "e" + U+0301 into "é", as NIST SP 800-63B recommends.

It does not trim: Django's form fields strip their values, and services collapse spaces in
one-line fields (`" ".join(topic.split())`). `clean_text(value, multiline=False)` also turns
tab and line feed into spaces, for one-line values read outside a request.

Rules about how much text is enough are the services' (they answer the page and the API
alike, with a Chinese `Refused`), and they count what a reader sees: `visible_length`
ignores whitespace, zero-width and other format characters (U+200B–U+200D, U+2060, U+FEFF,
category Cf), combining marks, emoji skin-tone modifiers and the blank "letters" used to
fake a name (Hangul fillers, the blank Braille pattern). A required field is checked with
`is_blank(value)`; a 50-字 心得 with `visible_length(text) >= 50`.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from typing import Any

_SURROGATES = "\ud800-\udfff"
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}"
    for plane in range(sys.maxunicode // 0x10000 + 1)
)
_LINE_BREAKS = re.compile("\r\n|[\r\x0b\x0c\x85\u2028\u2029]")
# Everything that is removed, whatever the mode (tab and line feed are decided separately).
_REMOVED = re.compile(f"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufeff{_SURROGATES}{_NONCHARACTERS}]")
_ONE_LINE = re.compile("[\t\n]")
# A cheap test for "nothing to do", so clean text (almost all of it) is not copied.
_NEEDS_WORK = re.compile(
    f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff{_SURROGATES}{_NONCHARACTERS}]"
)
_NEEDS_WORK_ONE_LINE = re.compile(f"[\t\n]|{_NEEDS_WORK.pattern}")

# Letters that draw nothing (used to make an empty name look filled in), and the emoji
# skin-tone modifiers, which are drawn as part of the emoji before them.
INVISIBLE_LETTERS = frozenset(
    "\u115f\u1160\u3164\uffa0\u2800\U0001f3fb\U0001f3fc\U0001f3fd\U0001f3fe\U0001f3ff"
)
_NOT_VISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Mn", "Mc", "Me", "Zs", "Zl", "Zp"})


def clean_text(value: object, *, multiline: bool = True) -> str:
    """`value` as text we store: see the module docstring. None becomes ""."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    pattern = _NEEDS_WORK if multiline else _NEEDS_WORK_ONE_LINE
    if pattern.search(text):
        text = _REMOVED.sub("", _LINE_BREAKS.sub("\n", text))
        if not multiline:
            text = _ONE_LINE.sub(" ", text)
    if text.isascii() or unicodedata.is_normalized("NFC", text):
        return text
    return unicodedata.normalize("NFC", text)


def clean_data(value: Any) -> Any:
    """`clean_text` on every string in parsed JSON (dict keys too); other values as they are."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_data(k): clean_data(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_data(v) for v in value]
    return value


def is_clean(value: str) -> bool:
    """True when `clean_text` would leave `value` as it is."""
    return clean_text(value) == value


def _visible(ch: str) -> bool:
    return (
        unicodedata.category(ch) not in _NOT_VISIBLE_CATEGORIES
        and not ch.isspace()
        and ch not in INVISIBLE_LETTERS
    )


def visible_length(value: str) -> int:
    """How many characters a reader sees: whitespace, zero-width and format characters,
    combining marks and blank letters do not count."""
    return sum(1 for ch in value if _visible(ch))


def visible_only(value: str) -> str:
    """The characters a reader sees, in order (what a word filter must match: 赌\u200b博
    reads as 赌博)."""
    return "".join(ch for ch in value if _visible(ch))


def is_blank(value: str | None) -> bool:
    """True when nothing visible is there (a required field left empty in disguise)."""
    return not value or not any(_visible(ch) for ch in value)
