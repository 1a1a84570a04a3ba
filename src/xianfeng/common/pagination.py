from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

PAGE_SIZE = 20


def paginate(
    request: HttpRequest,
    queryset: QuerySet[Any],
    per_page: int = PAGE_SIZE,
    *,
    count: int | None = None,
) -> Page[Any]:
    """The requested page; a bad or too-large page number gives the nearest real page.
    `count`: the number of rows when the caller already knows it (saves a COUNT over a
    large table)."""
    paginator = Paginator(queryset, per_page)
    if count is not None:
        paginator.__dict__["count"] = count  # Paginator.count is a cached_property
    return paginator.get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The current query string minus `page`, for links to other pages."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
