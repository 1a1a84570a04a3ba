"""Reading numbers and JSON from requests without letting odd input become a 500.

Views never call int() on a query string or json.loads() on a body themselves: a number
too large for the database (an id above 2^63 − 1 overflows SQLite and PostgreSQL), 10^400
where a float is expected, or JSON nested a thousand levels deep must be a 400 with a
Chinese message, not a crash.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from xianfeng.common.errors import BadInput

if TYPE_CHECKING:
    from django.http import HttpRequest

# The largest value a bigint primary key holds (PostgreSQL and SQLite alike).
MAX_ID = 2**63 - 1
# JSON deeper than this is no request our clients send; the limit keeps parsing and
# validation far from Python's recursion limit.
MAX_JSON_DEPTH = 32
YEAR_MIN, YEAR_MAX = 2000, 2100


def ascii_int(text: str, *, max_digits: int = 19) -> int | None:
    """A non-negative integer written in ASCII digits (at most `max_digits` of them), else
    None: str.isdigit() alone lets "²" through to int(), and int() refuses 5,000 digits."""
    text = text.strip()
    if not text or len(text) > max_digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def int_param(
    value: str | None,
    *,
    default: int | None = None,
    minimum: int = 1,
    maximum: int = MAX_ID,
    label: str = "编号",
    field: str | None = None,
) -> int | None:
    """An integer from a query string or form field; empty gives `default`, anything else
    that is not a whole number in [minimum, maximum] is refused with a Chinese message."""
    if value is None or not value.strip():
        return default
    text = value.strip()
    digits = text[1:] if text[:1] in "+-" else text
    # str.isdigit() also accepts superscripts and other scripts' digits; int() does not.
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 19:
        raise BadInput(f"{label}应为 {minimum} 到 {maximum} 之间的整数", field=field)
    number = int(text)
    if not minimum <= number <= maximum:
        raise BadInput(f"{label}应为 {minimum} 到 {maximum} 之间的整数", field=field)
    return number


def year_param(value: str | None, *, default: int) -> int:
    """A year from a query string: empty is `default`, else 2000–2100."""
    year = int_param(value, default=default, minimum=YEAR_MIN, maximum=YEAR_MAX, label="年份")
    assert year is not None
    return year


def check_year(year: int) -> int:
    """A year given in a URL: 2000–2100, or a 400."""
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise BadInput(f"年份应为 {YEAR_MIN} 到 {YEAR_MAX} 之间的整数", field="year")
    return year


def _finite(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise BadInput("请求中的数字超出范围")
    return number


def _no_constant(name: str) -> Any:
    raise BadInput(f"请求中不能有 {name}")


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in a parsed JSON value (iteratively)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children)
    return deepest


def loads_json(raw: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse a request body: UTF-8 JSON with finite numbers, nested at most `max_depth`
    levels; anything else is a BadInput (400)."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        data = json.loads(text, parse_float=_finite, parse_constant=_no_constant)
    except BadInput:
        raise
    except RecursionError as exc:
        raise BadInput("请求中的 JSON 嵌套过深") from exc
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        raise BadInput("请求体不是合法的 JSON") from exc
    if _depth(data) > max_depth:
        raise BadInput("请求中的 JSON 嵌套过深")
    return data


def json_object(raw: bytes | str) -> dict[str, Any]:
    """A request body that must be a JSON object; an empty body is an empty object."""
    data = loads_json(raw or b"{}")
    if not isinstance(data, dict):
        raise BadInput("请求体应为 JSON 对象")
    return data


# navigator.sendBeacon posts what a page reports as it goes (pagehide, the tab hidden); it
# cannot set headers, so app.js's xfBeacon sends a form: the CSRF token as
# `csrfmiddlewaretoken` (which CsrfViewMiddleware reads from a form) and the JSON as `report`.
BEACON_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def report_json(request: HttpRequest) -> dict[str, Any]:
    """A page's report: the JSON object of the body, or of a beacon's `report` field."""
    if request.content_type in BEACON_FORMS:
        return json_object(request.POST.get("report", ""))
    return json_object(request.body)
