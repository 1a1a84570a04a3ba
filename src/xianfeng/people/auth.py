"""Sign-in by phone number or username, with throttling of failed attempts.

The throttle lives in the authentication backend, so every way in that checks a password
(the login page, the admin site, which sends people to that page, POST /api/v1/auth/token,
anything later calling `authenticate()`) is counted and locked the same way.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.http import HttpRequest

from xianfeng.common.memo import MISSING, VersionedMemo
from xianfeng.people.idcard import PHONE_RE
from xianfeng.people.models import User
from xianfeng.people.normalize import clean_compact

INVALID_LOGIN = "手机号/用户名或密码不正确"
LOCKED_ATTR = "_xf_login_locked"


def find_user(identifier: str) -> User | None:
    ident = clean_compact(identifier)
    if not ident:
        return None
    if PHONE_RE.match(ident):
        return User.objects.filter(phone=ident).first()
    return User.objects.filter(username__iexact=ident).first()


def has_two_step(user: Any) -> bool:
    """The person turned on two-step sign-in (a confirmed TOTP device)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return bool(TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).exists())


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
        throttle = Throttle(username, client_ip(request) if request else "", user=user)
        if throttle.locked():
            if request is not None:
                setattr(request, LOCKED_ATTR, True)
            return None
        if user is None:
            # Spend the same time as a real check, so timing does not reveal who exists.
            User().set_password(password)
            throttle.failed()
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            if not has_two_step(user):
                # With a second step pending, the count is cleared only when the code is
                # right: a known password must not buy unlimited guesses at the code.
                throttle.succeeded()
            return user
        throttle.failed()
        return None

    def get_user(self, user_id: Any) -> User | None:
        """The signed-in person, loaded fresh for this request: their access_version may
        key the identity memo (common/memo.py)."""
        user = super().get_user(user_id)
        if user is not None:
            user._xf_identity_fresh = True  # type: ignore[attr-defined]
        return user


# The person behind a frequent small report, by session, for about a minute (below).
REPORTER_SECONDS = 60
_reporters = VersionedMemo(size=50_000)


def reporting_user(request: HttpRequest) -> Any:
    """The signed-in person behind a frequent, small report of their own (the player's
    watch report every WATCH_REPORT_SECONDS, the sendBeacon on pagehide), without a query
    of the user row when this process checked the same session within the last minute.

    The session itself is read on every report, so a logout stops reports at once; a
    password change or a deactivation stops them within REPORTER_SECONDS (pages notice
    at once). The instance handed out never keys the identity memo (it is not fresh).
    Falls back to `request.user` (loaded and checked as usual) on a miss."""
    session = getattr(request, "session", None)
    user_id = session.get(SESSION_KEY) if session is not None else None
    if user_id is None:
        return request.user
    key = (str(user_id), str(session.get(HASH_SESSION_KEY, "")), session.session_key)  # type: ignore[union-attr]
    window = int(time.monotonic() // REPORTER_SECONDS)
    found = _reporters.get(key, window)
    if found is MISSING:
        user = request.user
        if not user.is_authenticated or str(user.pk) != str(user_id):
            return user
        found = copy.copy(getattr(user, "_wrapped", user))
        # Not the request's own: no identity-memo key, no member or roles cached on it.
        for name in [name for name in vars(found) if name.startswith("_xf_")]:
            delattr(found, name)
        _reporters.put(key, window, found)
    # Later middleware (the no-store header, the request log) reads request.user: give
    # them this one rather than a lazy load of the row.
    request.user = found
    return found


def login_was_locked(request: HttpRequest) -> bool:
    """The last `authenticate()` on this request was refused by a lock, not a mismatch."""
    return bool(getattr(request, LOCKED_ATTR, False))


class Throttle:
    """Counts failed sign-ins per account and per address in the shared cache.

    An account is counted by who it is, whatever identifier was typed (phone or user
    name), and a success clears its count; an identifier that matches nobody is counted
    by itself, so probing for who exists gets the same answers either way. An account is
    locked for LOGIN_LOCK_MINUTES after LOGIN_MAX_FAILURES failures; an address after
    LOGIN_MAX_FAILURES_PER_IP (so one office behind one NAT is not locked out by one
    person's typos, but a password sprayer is).
    """

    def __init__(self, identifier: str, ip: str, *, user: Any = None) -> None:
        if user is not None:
            self.account_key = f"login-fail:user:{user.pk}"
        else:
            self.account_key = f"login-fail:id:{clean_compact(identifier).lower()[:64]}"
        self.ip_key = f"login-fail:ip:{ip}" if ip else ""
        self.window = settings.LOGIN_LOCK_MINUTES * 60

    @classmethod
    def for_user(cls, user: Any, request: HttpRequest | None) -> Throttle:
        return cls("", client_ip(request) if request else "", user=user)

    def _keys(self) -> list[str]:
        return [key for key in (self.account_key, self.ip_key) if key]

    def locked(self) -> bool:
        counts = cache.get_many(self._keys())
        return bool(
            counts.get(self.account_key, 0) >= settings.LOGIN_MAX_FAILURES
            or (self.ip_key and counts.get(self.ip_key, 0) >= settings.LOGIN_MAX_FAILURES_PER_IP)
        )

    def failed(self) -> None:
        for key in self._keys():
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
        return locked_message()


def locked_message() -> str:
    return f"登录失败次数过多，请 {settings.LOGIN_LOCK_MINUTES} 分钟后再试，或联系管理员重置密码"


def client_ip(request: HttpRequest) -> str:
    """The client address; behind our nginx (XF_BEHIND_PROXY) the last X-Forwarded-For hop,
    the one nginx itself appended, since earlier hops are whatever the client sent."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return str(forwarded).split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))
