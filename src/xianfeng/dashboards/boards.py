"""The part of a dashboard read from the fact table, rendered once per version of the table
and kept in the cache: the same for everyone who may see the org, changed only by a
recompute. After a recompute the warm-up job renders the boards people open first (every
level above the branches, this month, the default indicator), so that the county's first
visitor does not pay for the whole subtree's red flags."""

from __future__ import annotations

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone

from xianfeng.assessment.selectors import facts_version
from xianfeng.common.indicators import Month
from xianfeng.dashboards import selectors
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.models import Org

BOARD_SECONDS = 6 * 3600  # the recompute's period; a new version replaces it sooner


def board_key(org: Org, month: Month, chosen: str, version: str) -> str:
    return f"dashboards:board:{org.pk}:{month}:{chosen}:{version}"


def render_board(org: Org, month: Month, chosen: str) -> str:
    board = selectors.dashboard(org, month, chosen)
    return render_to_string(
        "dashboards/_board.html",
        {"org": org, "board": board, "month": month, "chart_data": board.chart_data()},
    )


def board_html(org: Org, month: Month, chosen: str) -> str:
    key = board_key(org, month, chosen, facts_version())
    html = cache.get(key)
    if html is None:
        html = render_board(org, month, chosen)
        cache.set(key, html, BOARD_SECONDS)
    return str(html)


def boards_warm(limit: int = 2000) -> int:
    """Render this month's default board of every org above the branches that is not in
    the cache for the current version (one cache read when all are); returns how many
    were rendered. Bounded per run: a province's worth comes back on the next run."""
    month = Month.of(timezone.localdate())
    version = facts_version()
    orgs = list(
        Org.objects.exclude(kind__in=[OrgKind.BRANCH, OrgKind.GROUP])
        .filter(dissolved_on__isnull=True)
        .order_by("depth", "path")
    )
    keys = {board_key(org, month, "", version): org for org in orgs}
    cached = cache.get_many(list(keys))
    missing = [(key, org) for key, org in keys.items() if key not in cached][:limit]
    for key, org in missing:
        cache.set(key, render_board(org, month, ""), BOARD_SECONDS)
    return len(missing)
