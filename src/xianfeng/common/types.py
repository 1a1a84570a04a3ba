"""Request types for views behind login_required (django-stubs' recommended pattern)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from xianfeng.people.models import User


class AuthedRequest(HttpRequest):
    user: User
    htmx: HtmxDetails


def actor_of(request: HttpRequest) -> User:
    """The signed-in person making a request, as the services' `actor: User`. For API
    operations behind authentication (a session or a bearer token: people/apiauth.py) and
    views behind login_required; anything else is a programming error."""
    user = request.user
    if not user.is_authenticated:
        raise PermissionError("actor_of() on an anonymous request")
    return user
