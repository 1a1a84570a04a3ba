"""Checks on a page's HTML as the server sends it, shared by the crawls.

`head_problems` catches a template that pasted page content into `{% block title %}` or
`{% block head %}` (it happened: the 展播 pages carried their forms in the tab title and
above the site header). A browser parsing such a page closes the head at the first element
that does not belong there and shows it above the header, so the check reads the raw text.
"""

from __future__ import annotations

import re

# What may stand in a <head> (HTML's metadata content), and the document's own tags.
HEAD_TAGS = frozenset(
    {"html", "head", "meta", "link", "title", "script", "style", "base", "noscript", "template"}
)
COMMENT = re.compile(r"<!--.*?-->", re.S)
# Elements whose content is text to the parser, not markup: read separately.
RAW = re.compile(r"<(title|script|style)\b[^>]*>(.*?)</\1\s*>", re.S | re.I)
START_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)")
ANY_TAG = re.compile(r"<[^>]*>")
HEAD_END = re.compile(r"</head\s*>|<body\b", re.I)


def head_problems(html: str) -> list[str]:
    """What is wrong with the page's <head>: an element a browser would show (a section, a
    form, a heading, text), markup inside <title>, a head that never ends. Empty when fine."""
    end = HEAD_END.search(html)
    if end is None:
        return ["no </head>"]
    head = COMMENT.sub("", html[: end.start()])
    problems: list[str] = []
    titles = []
    for match in RAW.finditer(head):
        if match.group(1).lower() == "title":
            titles.append(match.group(2))
    for title in titles:
        if "<" in title or ">" in title:
            problems.append(f"markup in <title>: {title.strip()[:80]!r}")
        # A title that is only the site's name (or nothing) says nothing in a tab or a
        # screen reader's page list: each page names itself first ("会议详情 - 先锋").
        if not title.strip() or not re.sub(r"[\s\-–—|·]|先锋", "", title):
            problems.append(f"empty <title>: {title.strip()!r}")
    if len(titles) != 1:
        problems.append(f"{len(titles)} <title> elements")
    rest = RAW.sub("", head)
    problems += [
        f"<{tag.lower()}> in <head>"
        for tag in START_TAG.findall(rest)
        if tag.lower() not in HEAD_TAGS
    ]
    text = ANY_TAG.sub("", re.sub(r"<!doctype[^>]*>", "", rest, flags=re.I)).strip()
    if text:
        problems.append(f"text in <head>: {text[:80]!r}")
    return problems


SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.S | re.I)
TEMPLATE_SYNTAX = re.compile(r"\{#|#\}|\{%|%\}|\{\{|\}\}")


def template_leaks(html: str) -> list[str]:
    """Django template syntax shown as text: a `{# … #}` comment over several lines (Django
    reads those only on one line), a tag or variable left unparsed. Scripts are left out."""
    text = SCRIPT.sub("", html)
    return [
        text[max(0, m.start() - 20) : m.end() + 40].strip() for m in TEMPLATE_SYNTAX.finditer(text)
    ][:3]
