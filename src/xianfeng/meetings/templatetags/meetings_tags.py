from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from xianfeng.meetings.rules import LEDGER_ROLES, PLAN_ROLES
from xianfeng.orgs.rules import holds_any

register = template.Library()


@register.inclusion_tag("meetings/_nav.html", takes_context=True)
def meetings_nav(context: dict[str, Any], current: str = "") -> dict[str, Any]:
    user = context["request"].user
    return {
        "current": current,
        "ledger": holds_any(user, LEDGER_ROLES),
        "plan": holds_any(user, PLAN_ROLES),
    }


@register.filter
def local_span(meeting: Any) -> str:
    """ "3月8日 周日 15:00—16:30" in local time."""
    starts = timezone.localtime(meeting.starts_at)
    ends = timezone.localtime(meeting.ends_at)
    week = "一二三四五六日"[starts.weekday()]
    if starts.date() == ends.date():
        return f"{starts.year}年{starts.month}月{starts.day}日 周{week} {starts:%H:%M}—{ends:%H:%M}"
    return f"{starts:%Y-%m-%d %H:%M} — {ends:%Y-%m-%d %H:%M}"


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None
