from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
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
    queryset: QuerySet[Any] | Sequence[Any],
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


# --- keyset (cursor) pages ------------------------------------------------------------------


@dataclass(frozen=True)
class KeysetPage:
    """A page of a list walked by its sort key instead of an OFFSET: `next_cursor` leads
    to the rows after the last one shown (None on the last page). No COUNT is run, and a
    deep page costs what the first one does; rows added meanwhile never shift a page."""

    object_list: list[Any]
    next_cursor: str | None
    is_first: bool


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_MICRO = datetime.timedelta(microseconds=1)


def cursor_of(moment: datetime.datetime, pk: int) -> str:
    # Whole microseconds, exactly (a float timestamp would round at this size).
    return f"{(moment - _EPOCH) // _MICRO}-{pk}"


def _parse_cursor(text: str | None) -> tuple[datetime.datetime, int] | None:
    micros, _, pk = (text or "").partition("-")
    if not (micros.isascii() and micros.isdigit() and pk.isascii() and pk.isdigit()):
        return None
    if len(micros) > 17 or len(pk) > 18:
        return None
    try:
        moment = _EPOCH + int(micros) * _MICRO
    except OverflowError:
        return None
    return moment, int(pk)


def keyset_page(
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    field: str,
    per_page: int = PAGE_SIZE,
    param: str = "after",
) -> KeysetPage:
    """The page after the cursor in `request.GET[param]` of a queryset ordered newest
    first by (`field`, id), both descending; rows whose `field` is NULL are not walked.
    A missing or unreadable cursor gives the first page. The bound `field <= t` lets the
    database start its index range scan at the cursor; the OR then steps past the rows of
    the same moment already shown."""
    rows = queryset.filter(**{f"{field}__isnull": False})
    cursor = _parse_cursor(request.GET.get(param))
    if cursor is not None:
        moment, pk = cursor
        rows = rows.filter(**{f"{field}__lte": moment}).filter(
            Q(**{f"{field}__lt": moment}) | Q(pk__lt=pk)
        )
    chunk = list(rows[: per_page + 1])
    more = len(chunk) > per_page
    chunk = chunk[:per_page]
    last = chunk[-1] if chunk else None
    return KeysetPage(
        object_list=chunk,
        next_cursor=cursor_of(getattr(last, field), last.pk) if more and last else None,
        is_first=cursor is None,
    )


def query_without(request: HttpRequest, *names: str) -> str:
    """The current query string minus the given parameters, for links that set them."""
    params = request.GET.copy()
    for name in names:
        params.pop(name, None)
    return params.urlencode()


# --- keyset pages over several sort keys ------------------------------------------------------


@dataclass(frozen=True)
class Key:
    """One sort key of a keyset-walked list: a field (or an annotation) holding an int or
    an aware datetime, never NULL on the rows walked, in the given direction."""

    field: str
    descending: bool = False
    moment: bool = False  # a datetime (sent as whole microseconds), else an int


def _key_value(row: Any, key: Key) -> str:
    value = getattr(row, key.field)
    if key.moment:
        return str((value - _EPOCH) // _MICRO)
    return str(int(value))


def _parse_keys(text: str | None, keys: tuple[Key, ...]) -> list[Any] | None:
    parts = (text or "").split(".")
    if len(parts) != len(keys):
        return None
    values: list[Any] = []
    for part, key in zip(parts, keys, strict=True):
        if not (part.isascii() and part.isdigit() and len(part) <= 17):
            return None
        if key.moment:
            try:
                values.append(_EPOCH + int(part) * _MICRO)
            except OverflowError:
                return None
        else:
            values.append(int(part))
    return values


def keyset_page_by(
    request: HttpRequest,
    queryset: QuerySet[Any],
    keys: tuple[Key, ...],
    *,
    per_page: int = PAGE_SIZE,
    param: str = "after",
) -> KeysetPage:
    """keyset_page for a list ordered by several keys in either direction (the last one
    unique, usually id): the page after the cursor in `request.GET[param]`, no OFFSET and
    no COUNT, so a deep page costs what the first does. The queryset must already be
    ordered by exactly these keys. A missing or unreadable cursor gives the first page."""
    cursor = _parse_keys(request.GET.get(param), keys)
    rows = queryset.filter(**{f"{k.field}__isnull": False for k in keys if k.moment})
    if cursor is not None:
        first = keys[0]
        # A bound on the first key lets the database start its range scan at the cursor.
        rows = rows.filter(**{f"{first.field}__{'lte' if first.descending else 'gte'}": cursor[0]})
        after = Q()
        for i, key in enumerate(keys):
            step = Q(**{f"{key.field}__{'lt' if key.descending else 'gt'}": cursor[i]})
            for earlier, value in zip(keys[:i], cursor[:i], strict=True):
                step &= Q(**{earlier.field: value})
            after |= step
        rows = rows.filter(after)
    chunk = list(rows[: per_page + 1])
    more = len(chunk) > per_page
    chunk = chunk[:per_page]
    last = chunk[-1] if chunk else None
    return KeysetPage(
        object_list=chunk,
        next_cursor=".".join(_key_value(last, k) for k in keys) if more and last else None,
        is_first=cursor is None,
    )
