"""Shows for a site's big screen: what an app can put on the TV of a village's 远程教育站点
besides lessons (a 现场竞答 run from the remote control while the room answers on phones).

An app registers a show in its AppConfig.ready():

    screens.register(screens.Show(
        kind="study.room", label="现场竞答",
        listing=rooms_for_screen,     # (org) -> [Item]: what the org's screen may open now
        state=room_screen_state,      # (org, id) -> dict, or raise Http404
        advance=room_screen_advance,  # (org, id, step, label) -> dict, or raise Refused/Http404
    ))

`org` is the site's org: a screen reaches only what its show says that org's screen may
show and drive, and answers 404 for anything else (the same as a page's selector). The
state is what the room sees on the wall: it must hold nothing the room may not see yet. The
`step` is the state the screen showed when OK was pressed, so a double press (or the host's
phone pressing at the same moment) moves the show one step. The remote app (the TV) reads
this registry and knows no app by name; the apps never import the remote app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import Http404


@dataclass(frozen=True)
class Item:
    """A tile on the TV: a show the org's screen may open."""

    kind: str
    id: int
    title: str
    subtitle: str = ""


@dataclass(frozen=True)
class Show:
    kind: str  # "app.noun": the TV's URLs carry it
    label: str
    listing: Callable[[Any], list[Item]]
    state: Callable[[Any, int], dict[str, Any]]
    advance: Callable[[Any, int, str, str], dict[str, Any]]


_shows: dict[str, Show] = {}


def register(show: Show) -> None:
    if show.kind in _shows and _shows[show.kind] != show:
        raise ValueError(f"screen show {show.kind!r} registered twice")
    _shows[show.kind] = show


def show(kind: str) -> Show:
    """The show of `kind`; 404 for a kind nobody registered (it comes from a URL)."""
    found = _shows.get(kind)
    if found is None:
        raise Http404("没有这种大屏内容")
    return found


def items_for(org: Any) -> list[Item]:
    """Every show's tiles for `org`'s screen, in the order the shows were registered."""
    return [item for s in _shows.values() for item in s.listing(org)]
