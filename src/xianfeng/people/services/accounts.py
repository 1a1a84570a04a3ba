"""Accounts: residents registering themselves, passwords, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.orgs.enums import Region
from xianfeng.orgs.models import Org
from xianfeng.orgs.rules import can_manage_roster
from xianfeng.people.idcard import PHONE_RE
from xianfeng.people.models import ApiToken, User
from xianfeng.people.normalize import clean_compact, clean_name

TOKEN_DAYS = 90


def new_username(prefix: str = "u") -> str:
    return f"{prefix}{secrets.token_hex(6)}"


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise Refused("；".join(exc.messages), field="password") from exc


def resident_register(*, name: str, phone: str, password: str, home_org: Org | None) -> User:
    """A resident (群众) signs up with name, phone and password."""
    name, phone = clean_name(name), clean_compact(phone)
    if not name:
        raise Refused("请填写姓名", field="name")
    if not PHONE_RE.match(phone):
        raise Refused("请输入 11 位手机号", field="phone")
    if home_org is not None and home_org.region not in (Region.VILLAGE, Region.TOWN):
        raise Refused("请选择所在的村或社区", field="home_org")
    user = User(username=new_username("r"), phone=phone, name=name, home_org=home_org)
    _check_password(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            audit_log(actor=user, action="user.register", obj=user, data={"home_org": home_org})
    except IntegrityError as exc:
        # Two sign-ups with one phone at once: the unique index decides.
        raise Refused("该手机号已注册，请直接登录", field="phone") from exc
    return user


def user_set_password(*, actor: Any, user: User, password: str) -> None:
    """Set a password: one's own, or a member's by a manager of that member."""
    if actor is not None and actor.pk != user.pk and not actor.is_superuser:
        member = getattr(user, "member", None)
        if member is None or not can_manage_roster(actor, member.org):
            raise PermissionDenied("您不能修改该用户的密码")
    _check_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_log(actor=actor, action="user.set_password", obj=user, data={})


def user_set_email(*, actor: Any, user: User, email: str) -> User:
    """Set the address one's notifications are e-mailed to (empty: none)."""
    if actor is None or actor.pk != user.pk:
        raise PermissionDenied("只能修改自己的邮箱")
    email = clean_compact(email)
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise Refused("邮箱格式不正确", field="email") from exc
    if len(email) > 254:
        raise Refused("邮箱太长", field="email")
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(email=email)
        user.email = email
        audit_log(actor=actor, action="user.set_email", obj=user, data={"email": bool(email)})
    return user


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_issue(*, user: User, label: str = "") -> tuple[ApiToken, str]:
    """A new bearer token for a client; the raw key is returned once and never stored."""
    key = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            key_hash=_hash(key),
            label=label[:100],
            expires_at=timezone.now() + timedelta(days=TOKEN_DAYS),
        )
        audit_log(actor=user, action="api_token.issue", obj=token, data={"label": label})
    return token, key


def api_token_user(key: str) -> User | None:
    """The active user holding an unexpired token with this key (used by API auth)."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(key), expires_at__gt=timezone.now(), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def api_token_revoke(*, user: User, key: str) -> bool:
    with transaction.atomic():
        token = ApiToken.objects.filter(user=user, key_hash=_hash(key)).first()
        if token is None:
            return False
        audit_log(actor=user, action="api_token.revoke", obj=token, data={})
        token.delete()
    return True
