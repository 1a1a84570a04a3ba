"""Demo data for `make run`, app by app: each app registers what it writes, so the seed
command (people's `seed_demo`) knows no app by name and every new app fills its pages.

    demo.register("lessons", seed_lessons, order=20)

A seeder returns a line saying what it wrote. Seeders run after the county (orgs, people,
personas) exists, in order; one that fails is reported and the others still run. Apps that
print something when the server starts (the demo logins) register a banner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Seeder:
    name: str
    run: Callable[[], str]
    order: int = 100


_seeders: dict[str, Seeder] = {}
_banners: list[Callable[[], str]] = []


def register(name: str, run: Callable[[], str], *, order: int = 100) -> None:
    _seeders[name] = Seeder(name=name, run=run, order=order)


def seeders() -> list[Seeder]:
    return sorted(_seeders.values(), key=lambda s: (s.order, s.name))


def register_banner(banner: Callable[[], str]) -> None:
    if banner not in _banners:
        _banners.append(banner)


def banners() -> list[str]:
    return [text for banner in _banners if (text := banner())]
