from __future__ import annotations


class Refused(Exception):
    """A business rule refused the action; `message` is Chinese and shown as it is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
