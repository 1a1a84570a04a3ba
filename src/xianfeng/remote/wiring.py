"""How the remote app plugs into the others."""

from __future__ import annotations


def connect() -> None:
    pass
