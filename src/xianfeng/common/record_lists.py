"""The records behind an indicator's figure: the page a dashboard's drill-down ends on.

Each app that registers indicators (common/indicators.py) answers, for an org it lets the
person see and a month, the list of its own records an indicator counted there: the
members who took part, the lessons published, the sites and their days on air. The app
finds the org through its own selector (a miss is a 404, as everywhere) and builds the
list with its own queries; this module only gives the list one shape and one page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from xianfeng.common.indicators import Month

# A branch's month is a few dozen rows, a county's a few thousand: the page shows the
# first ones and says how many there are; the figure's own roll-up is on the dashboard.
LIMIT = 500


@dataclass(frozen=True)
class Cell:
    text: str
    url: str = ""
    label: str = ""  # its column's name, shown beside it when a phone stacks the row


@dataclass
class RecordList:
    """What an indicator counted for an org in a month, one row per record."""

    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]] = field(default_factory=list)  # Cell, or shown as text
    note: str = ""  # how the records make the figure (the indicator's 计算口径)
    total: int | None = None  # when there are more rows than shown

    @property
    def cells(self) -> list[list[Cell]]:
        names = [str(c) for c in self.columns]
        return [
            [
                replace(
                    c if isinstance(c, Cell) else Cell(str(c)),
                    label=names[i] if i < len(names) else "",
                )
                for i, c in enumerate(row)
            ]
            for row in self.rows
        ]


Builder = Callable[[Any, Month], RecordList]  # (org, month)


def month_of(text: str) -> Month:
    """A month in a URL; a malformed one is a page that does not exist."""
    try:
        return Month.parse(text)
    except ValueError as exc:
        raise Http404(str(exc)) from exc


def builder_of(builders: dict[str, Builder], what: str) -> Builder:
    found = builders.get(what)
    if found is None:
        raise Http404("没有这类记录")
    return found


def render_records(
    request: HttpRequest, *, org: Any, month: Month, listing: RecordList
) -> HttpResponse:
    shown = listing.cells[:LIMIT]
    total = listing.total if listing.total is not None else len(listing.rows)
    return render(
        request,
        "common/records.html",
        {"org": org, "month": month, "listing": listing, "cells": shown, "total": total},
    )


def records_view(
    builders: dict[str, Builder], find_org: Callable[[Any, str], Any]
) -> Callable[..., HttpResponse]:
    """An app's records page: `find_org(user, code)` is the app's own selector for an org
    the person may see (404 otherwise), then the builder named in the URL lists its month."""
    from django.contrib.auth.decorators import login_required
    from django.views.decorators.http import require_GET

    @login_required
    @require_GET
    def view(request: HttpRequest, code: str, month: str, what: str) -> HttpResponse:
        build = builder_of(builders, what)
        period = month_of(month)
        org = find_org(request.user, code)
        return render_records(request, org=org, month=period, listing=build(org, period))

    return view
