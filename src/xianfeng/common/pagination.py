from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property

PAGE_SIZE = 20
# A list that grows with the county (the lesson feed, search) counts at most this many
# rows: the count and the deepest page then cost the same at 1,000 rows as at 100,000.
COUNT_LIMIT = 1000


if TYPE_CHECKING:
    _PaginatorBase = Paginator[Any]
else:
    _PaginatorBase = Paginator


class BoundedPaginator(_PaginatorBase):
    """A paginator that counts at most `limit` rows (`capped` says there are more) and so
    offers at most limit / per_page pages: neither the count nor a page's OFFSET follows
    the size of the table. Narrowing the list (a search, a filter) reaches the rest."""

    def __init__(self, object_list: Any, per_page: int, *, limit: int | None = None) -> None:
        super().__init__(object_list, per_page)
        self.limit = COUNT_LIMIT if limit is None else limit

    @cached_property
    def _bounded_count(self) -> int:
        qs = self.object_list
        if isinstance(qs, QuerySet):
            return int(qs.order_by()[: self.limit + 1].count())
        return min(len(qs), self.limit + 1)

    @cached_property
    def count(self) -> int:
        return min(self._bounded_count, self.limit)

    @property
    def capped(self) -> bool:
        """More rows exist than were counted."""
        return self._bounded_count > self.limit


def paginate(
    request: HttpRequest,
    queryset: QuerySet[Any],
    per_page: int = PAGE_SIZE,
    *,
    bounded: bool = False,
    count: int | None = None,
) -> Page[Any]:
    """The requested page; a bad or too-large page number gives the nearest real page.
    `bounded`: at most COUNT_LIMIT rows are counted (BoundedPaginator). `count`: the number
    of rows when the caller already knows it (saves a COUNT over a large table)."""
    paginator: Paginator[Any] = (
        BoundedPaginator(queryset, per_page) if bounded else Paginator(queryset, per_page)
    )
    if count is not None:
        paginator.__dict__["count"] = count  # Paginator.count is a cached_property
    return paginator.get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    """The current query string minus `page`, for links to other pages."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()
