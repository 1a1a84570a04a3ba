"""What happens when a reviewer decides: each app registers a handler for its kinds.

handlers.register("lesson.comment", on_decided)   # on_decided(object_id, approved)
"""

from __future__ import annotations

from collections.abc import Callable

Handler = Callable[[str, bool], None]
_handlers: dict[str, Handler] = {}
_labels: dict[str, str] = {}


def register(kind: str, handler: Handler, *, label: str) -> None:
    _handlers[kind] = handler
    _labels[kind] = label


def get(kind: str) -> Handler | None:
    return _handlers.get(kind)


def label(kind: str) -> str:
    return _labels.get(kind, kind)
