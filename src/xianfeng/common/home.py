"""The home page is a column of panels; each app contributes the panels for its roles.

An app registers a provider in its AppConfig.ready(); the provider looks at the person
and returns zero or more panels. The home view knows no app by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


PanelProvider = Callable[[HttpRequest], list[Panel]]
_providers: list[PanelProvider] = []


def register(provider: PanelProvider) -> PanelProvider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def panels_for(request: HttpRequest) -> list[Panel]:
    panels = [panel for provider in _providers for panel in provider(request)]
    return sorted(panels, key=lambda panel: panel.order)
