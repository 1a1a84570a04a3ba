"""Contact details notify shows and edits but does not own: the e-mail address lives on
people's User, and people sits above notify, so people hands its service over here in
AppConfig.ready() (`contacts.register_email_setter(user_set_email)`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

EmailSetter = Callable[..., Any]
_setters: dict[str, EmailSetter] = {}


def register_email_setter(setter: EmailSetter) -> None:
    _setters["email"] = setter


def set_email(*, user: Any, email: str) -> None:
    """Change the person's own address through people's service (validation, audit)."""
    setter = _setters.get("email")
    if setter is None:
        raise RuntimeError("no e-mail setter registered (people's AppConfig.ready)")
    setter(actor=user, user=user, email=email)
