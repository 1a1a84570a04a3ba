from __future__ import annotations

from django.core.exceptions import BadRequest


class Refused(Exception):
    """A business rule refused the action; `message` is Chinese and shown as it is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class BadInput(BadRequest):
    """A request that cannot be read (a malformed number, JSON nested too deep, a year out
    of range): 400 with a Chinese `message`, on a page and in the API alike."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
