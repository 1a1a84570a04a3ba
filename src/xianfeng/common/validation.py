"""Chinese text for the API's 422 answers (pydantic's validation errors, as ninja
collects them), in the one error body: `{"detail": …, "field": …}`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

MESSAGES = {
    "missing": "缺少必填项",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "decimal_parsing": "应为数字",
    "decimal_type": "应为数字",
    "finite_number": "应为有限的数字",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "string_type": "应为文字",
    "string_too_long": "最多 {max_length} 个字符",
    "string_too_short": "至少 {min_length} 个字符",
    "greater_than_equal": "应不小于 {ge}",
    "greater_than": "应大于 {gt}",
    "less_than_equal": "应不大于 {le}",
    "less_than": "应小于 {lt}",
    "too_long": "最多 {max_length} 项",
    "too_short": "至少 {min_length} 项",
    "list_type": "应为列表",
    "tuple_type": "应为列表",
    "set_type": "应为列表",
    "dict_type": "应为 JSON 对象",
    "model_type": "应为 JSON 对象",
    "model_attributes_type": "应为 JSON 对象",
    "datetime_parsing": "应为日期时间，如 2026-05-01T09:00:00+08:00",
    "datetime_type": "应为日期时间，如 2026-05-01T09:00:00+08:00",
    "datetime_from_date_parsing": "应为日期时间，如 2026-05-01T09:00:00+08:00",
    "date_parsing": "应为日期，如 2026-05-01",
    "date_type": "应为日期，如 2026-05-01",
    "date_from_datetime_parsing": "应为日期，如 2026-05-01",
    "date_from_datetime_inexact": "应为日期，如 2026-05-01",
    "time_parsing": "应为时刻，如 22:00",
    "time_type": "应为时刻，如 22:00",
    "value_error": "{error}",  # our own validators raise ValueError with Chinese text
    "uuid_parsing": "应为 UUID",
    "uuid_type": "应为 UUID",
    "literal_error": "应为以下之一：{expected}",
    "enum": "应为以下之一：{expected}",
    "json_invalid": "不是合法的 JSON",
    "extra_forbidden": "不是可用的字段",
}
SOURCES = {"body", "query", "path", "form", "file", "header", "cookie"}
SHOWN = 3  # a request with many errors names the first few


def _where(loc: Sequence[Any]) -> str | None:
    """`host_id`, `sections.0.1`: the location without its source (and, for a JSON body,
    without the name of the view's body parameter)."""
    parts = list(loc)
    if parts and parts[0] in SOURCES:
        source = parts.pop(0)
        if source == "body" and len(parts) > 1:
            parts.pop(0)
        elif source == "body":
            return None  # the body as a whole
    return ".".join(str(p) for p in parts) or None


def _text(error: dict[str, Any]) -> str:
    template = MESSAGES.get(str(error.get("type", "")), "格式不正确")
    try:
        return template.format(**(error.get("ctx") or {}))
    except (KeyError, IndexError, ValueError):
        return template.split("{")[0].rstrip("：，, ") or "格式不正确"


def validation_message(errors: Sequence[dict[str, Any]]) -> tuple[str, str | None]:
    """(detail, field): one Chinese sentence for the first errors, the first one's field."""
    parts, first_field = [], None
    for index, error in enumerate(errors[:SHOWN]):
        where = _where(error.get("loc") or ())
        if index == 0:
            first_field = where
        text = _text(error)
        parts.append(f"{where}：{text}" if where else f"请求体{text}")
    if not parts:
        return "请求参数不正确", None
    more = f"（另有 {len(errors) - SHOWN} 处）" if len(errors) > SHOWN else ""
    return "；".join(parts) + more, first_field
