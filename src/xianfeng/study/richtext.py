"""Article bodies: the editor's HTML goes through an allow-list sanitiser (nh3, the Rust
ammonia library) before it is stored, so no script, event handler, style or javascript: URL
written by a person ever reaches a page. What is allowed is what the editor's toolbar makes.
"""

from __future__ import annotations

import html
import re

import nh3

from xianfeng.common.text import clean_text, visible_length

TAGS = frozenset(
    {
        "p", "br", "strong", "b", "em", "i", "u", "s", "sub", "sup",
        "h2", "h3", "h4", "blockquote", "ol", "ul", "li", "a", "hr",
    }
)  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "li": {"data-list"}}
# The editor's alignment and indent classes (styled by study.css, no style attribute).
CLASSES = {
    tag: {
        "ql-align-center",
        "ql-align-right",
        "ql-align-justify",
        *(f"ql-indent-{n}" for n in range(1, 5)),
    }
    for tag in ("p", "li", "h2", "h3", "h4", "blockquote")
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
MAX_BODY = 200_000  # characters of HTML; a long speech is ~30,000

_BLOCK_END = re.compile(r"</(p|h[2-4]|li|blockquote)>|<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")


def sanitize(value: str) -> str:
    """The allowed part of `value`: tags, attributes, classes and URL schemes on the lists;
    the content of <script>/<style> is dropped with the tag; links open safely."""
    value = clean_text(value or "")[:MAX_BODY]
    cleaned = nh3.clean(
        value,
        tags=set(TAGS),
        attributes={k: set(v) for k, v in ATTRIBUTES.items()},
        allowed_classes={k: set(v) for k, v in CLASSES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    # An editor's empty document is "<p><br></p>".
    return "" if not plain_text(cleaned) else cleaned.strip()


def plain_text(value: str) -> str:
    """The text of sanitised HTML, one line per block: for the word list, the length and
    the search."""
    text = _TAG.sub("", _BLOCK_END.sub("\n", value or ""))
    lines = (_SPACES.sub(" ", line).strip() for line in html.unescape(text).splitlines())
    return "\n".join(line for line in lines if line)


def char_count(text: str) -> int:
    """Visible characters (what a reader reads; spaces and line breaks do not count)."""
    return visible_length(re.sub(r"\s+", "", text))
