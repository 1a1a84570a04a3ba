"""Sign-in by phone number or username, with throttling of failed attempts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.http import HttpRequest

from xianfeng.people.idcard import PHONE_RE
from xianfeng.people.models import User
from xianfeng.people.normalize import clean_compact


def find_user(identifier: str) -> User | None:
    ident = clean_compact(identifier)
    if not ident:
        return None
    if PHONE_RE.match(ident):
        return User.objects.filter(phone=ident).first()
    return User.objects.filter(username__iexact=ident).first()


class PhoneOrUsernameBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        if not username or not password:
            return None
        user = find_user(username)
        if user is None:
            # Spend the same time as a real check, so timing does not reveal who exists.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None


class Throttle:
    """Counts failed sign-ins per account and per address in the shared cache.

    An account is locked for LOGIN_LOCK_MINUTES after LOGIN_MAX_FAILURES failures; an
    address after LOGIN_MAX_FAILURES_PER_IP (so one office behind one NAT is not locked
    out by one person's typos, but a password sprayer is).
    """

    def __init__(self, identifier: str, ip: str) -> None:
        self.account_key = f"login-fail:acct:{clean_compact(identifier).lower()[:64]}"
        self.ip_key = f"login-fail:ip:{ip}"
        self.window = settings.LOGIN_LOCK_MINUTES * 60

    def locked(self) -> bool:
        counts = cache.get_many([self.account_key, self.ip_key])
        return bool(
            counts.get(self.account_key, 0) >= settings.LOGIN_MAX_FAILURES
            or counts.get(self.ip_key, 0) >= settings.LOGIN_MAX_FAILURES_PER_IP
        )

    def failed(self) -> None:
        for key in (self.account_key, self.ip_key):
            if cache.add(key, 1, self.window):
                continue
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, self.window)

    def succeeded(self) -> None:
        cache.delete(self.account_key)

    @property
    def message(self) -> str:
        return (
            f"登录失败次数过多，请 {settings.LOGIN_LOCK_MINUTES} 分钟后再试，或联系管理员重置密码"
        )


def client_ip(request: HttpRequest) -> str:
    """The client address; behind our nginx (XF_BEHIND_PROXY) the last X-Forwarded-For hop,
    the one nginx itself appended, since earlier hops are whatever the client sent."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return str(forwarded).split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))
