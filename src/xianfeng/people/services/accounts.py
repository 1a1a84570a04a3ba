"""Accounts: residents registering themselves, passwords, set-password links, API tokens.

Everything here that changes someone else's login goes through `check_may_manage_login`
(people/rules.py), is audited, tells the account holder through notify, and, when a
password changes, ends every session of the account and revokes its API tokens.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.text import is_blank
from xianfeng.notify.services import notify
from xianfeng.orgs.enums import Region
from xianfeng.orgs.models import Org
from xianfeng.people.idcard import PHONE_RE
from xianfeng.people.models import ApiToken, PasswordLink, User
from xianfeng.people.normalize import clean_compact, clean_name
from xianfeng.people.rules import check_may_manage_login

TOKEN_DAYS = 90
LINK_USED = "该链接已经用过，不能再次使用；如需重新设置密码，请联系支部书记重新生成"
LINK_EXPIRED = "该链接已过期，请联系支部书记重新生成"
LINK_VOID = "该链接已失效（已有更新的链接，或密码已经修改），请使用最新的链接"


def new_username(prefix: str = "u") -> str:
    return f"{prefix}{secrets.token_hex(6)}"


def _check_password(password: str, user: User | None = None) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise Refused("；".join(exc.messages), field="password") from exc


def key_digest(key: str) -> str:
    """What is stored of a token or link key (SHA-256: the keys are long and random)."""
    return hashlib.sha256(key.encode()).hexdigest()


def _who(actor: User) -> str:
    return str(getattr(actor, "name", "") or getattr(actor, "username", "") or "系统管理员")


def resident_register(*, name: str, phone: str, password: str, home_org: Org | None) -> User:
    """A resident (群众) signs up with name, phone and password."""
    name, phone = clean_name(name), clean_compact(phone)
    if is_blank(name):
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


def logins_end(*, user: User) -> dict[str, int]:
    """End every session of the account and revoke its API tokens and open set-password
    links; call it inside the transaction of the change that needs it.

    Sessions end by bumping the login epoch that is part of the session auth hash: each
    session, wherever it is stored (database, Redis), fails its next request.
    """
    User.objects.filter(pk=user.pk).update(login_epoch=F("login_epoch") + 1)
    user.refresh_from_db(fields=["login_epoch"])
    tokens, _ = ApiToken.objects.filter(user=user).delete()
    links = PasswordLink.objects.filter(
        user=user, used_at__isnull=True, voided_at__isnull=True
    ).update(voided_at=timezone.now())
    return {"tokens_revoked": tokens, "links_voided": links}


def user_set_password(*, actor: User, user: User, password: str) -> None:
    """A manager sets someone's password (they prefer `password_link_issue`): only with
    reach over every role of the account; its sessions end and its tokens are revoked."""
    check_may_manage_login(actor, user)
    _check_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        ended = logins_end(user=user)
        audit_log(actor=actor, action="user.set_password", obj=user, data=ended)
        notify(
            users=[user],
            title="您的登录密码已被重新设置",
            body=(
                f"{_who(actor)} 于 {timezone.localtime():%Y-%m-%d %H:%M} 为您设置了新的登录密码，"
                "您在各设备上的登录均已退出。如果这不是您要求的，请立即联系上级组织。"
            ),
            kind="account.security",
        )


def user_set_email(*, actor: User, user: User, email: str) -> User:
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


def user_set_large_text(*, actor: User, user: User, on: bool) -> User:
    """Turn 大字模式 on or off for oneself (remembered for the person; the device's choice
    is a cookie set by the view)."""
    if actor is None or actor.pk != user.pk:
        raise PermissionDenied("只能修改自己的显示设置")
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(large_text=on)
        user.large_text = on
        audit_log(actor=actor, action="user.set_large_text", obj=user, data={"on": on})
    return user


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def user_change_own_password(*, user: User, old_password: str, password: str) -> None:
    """A person changes their own password, giving the current one; their other sessions
    end and their API tokens are revoked (the caller keeps the current session)."""
    if not user.check_password(old_password):
        raise Refused("当前密码不正确", field="old_password")
    _check_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        ended = logins_end(user=user)
        audit_log(actor=user, action="user.change_password", obj=user, data=ended)
        notify(
            users=[user],
            title="您的登录密码已修改",
            body=(
                f"您于 {timezone.localtime():%Y-%m-%d %H:%M} 修改了登录密码，"
                "其他设备上的登录已退出。如果这不是您本人操作，请立即联系支部书记。"
            ),
            kind="account.security",
        )


def password_link_issue(*, actor: User, user: User) -> tuple[PasswordLink, str]:
    """A one-time link with which `user` sets their own password, valid for
    PASSWORD_LINK_HOURS; earlier open links of the person stop working. The raw key is
    returned once and never stored."""
    check_may_manage_login(actor, user)
    if not user.is_active:
        raise Refused("该账号已停用，不能设置密码")
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    hours = settings.PASSWORD_LINK_HOURS
    with transaction.atomic():
        # Serialise two managers issuing at once, so exactly one link stays open.
        User.objects.select_for_update().filter(pk=user.pk).first()
        voided = PasswordLink.objects.filter(
            user=user, used_at__isnull=True, voided_at__isnull=True
        ).update(voided_at=now)
        link = PasswordLink.objects.create(
            user=user,
            key_hash=key_digest(key),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            expires_at=now + timedelta(hours=hours),
        )
        audit_log(
            actor=actor,
            action="user.password_link",
            obj=user,
            data={"link": link.pk, "expires_at": link.expires_at, "voided": voided},
        )
        notify(
            users=[user],
            title="已为您生成设置密码的链接",
            body=(
                f"{_who(actor)} 于 {timezone.localtime(now):%Y-%m-%d %H:%M} "
                f"为您生成了设置登录密码的一次性链接，{hours} 小时内有效。"
                "如果您没有提出过，请联系上级组织。"
            ),
            kind="account.security",
        )
    return link, key


def password_link_refusal(link: PasswordLink) -> str | None:
    """Why the link no longer works, in Chinese; None while it does."""
    if link.used_at is not None:
        return LINK_USED
    if link.voided_at is not None:
        return LINK_VOID
    if link.expires_at <= timezone.now():
        return LINK_EXPIRED
    if not link.user.is_active:
        return "该账号已停用，请联系支部书记"
    return None


def password_link_use(*, key: str, password: str) -> User:
    """The holder of a set-password link sets their password; the link is used up, and
    every session and token of the account ends."""
    with transaction.atomic():
        link = (
            PasswordLink.objects.select_for_update()
            .select_related("user")
            .filter(key_hash=key_digest(key))
            .first()
        )
        if link is None:
            raise Refused("链接无效，请核对后重试")
        reason = password_link_refusal(link)
        if reason is not None:
            raise Refused(reason)
        user = link.user
        _check_password(password, user)
        # Compare-and-set: two submits of one link set the password once.
        claimed = PasswordLink.objects.filter(
            pk=link.pk, used_at__isnull=True, voided_at__isnull=True
        ).update(used_at=timezone.now())
        if not claimed:
            raise Refused(LINK_USED)
        user.set_password(password)
        user.save(update_fields=["password"])
        ended = logins_end(user=user)
        audit_log(
            actor=user,
            action="user.password_link_used",
            obj=user,
            data={"link": link.pk, **ended},
        )
        notify(
            users=[user],
            title="您的登录密码已设置",
            body=(
                f"您于 {timezone.localtime():%Y-%m-%d %H:%M} 通过一次性链接设置了登录密码，"
                "之前的登录均已退出。如果这不是您本人操作，请立即联系支部书记。"
            ),
            kind="account.security",
        )
    return user


LOGIN_FIELDS = ("username", "phone", "is_active", "is_staff", "is_superuser")


def user_login_update(*, actor: User, user: User, fields: list[str]) -> User:
    """Save changes an administrator made to `user`'s login fields (user name, phone,
    activation, staff flags) on the admin site: with reach, audited, the holder told, and
    every session and token of the account ended."""
    changed = [name for name in fields if name in LOGIN_FIELDS]
    # The rule looks at the account as it is, not as the form would make it.
    check_may_manage_login(actor, User.objects.get(pk=user.pk))
    if {"is_staff", "is_superuser"} & set(changed) and not getattr(actor, "is_superuser", False):
        raise PermissionDenied("只有系统管理员能授予或收回管理后台权限")
    with transaction.atomic():
        user.save()
        ended = logins_end(user=user) if changed else {}
        audit_log(
            actor=actor,
            action="user.login_update",
            obj=user,
            data={"fields": changed, **ended},
        )
        if changed:
            notify(
                users=[user],
                title="您的登录账号信息已被修改",
                body=(
                    f"{_who(actor)} 于 {timezone.localtime():%Y-%m-%d %H:%M} "
                    "修改了您的登录账号信息，您在各设备上的登录均已退出。如有疑问，请联系上级组织。"
                ),
                kind="account.login",
            )
    return user


def api_token_issue(*, user: User, label: str = "") -> tuple[ApiToken, str]:
    """A new bearer token for a client; the raw key is returned once and never stored."""
    key = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            key_hash=key_digest(key),
            label=label[:100],
            expires_at=timezone.now() + timedelta(days=TOKEN_DAYS),
        )
        audit_log(actor=user, action="api_token.issue", obj=token, data={"label": label})
        from xianfeng.people.services.use import use_note

        use_note(user_id=user.pk, via="app")  # signing in on the app is using it
    return token, key


def api_token_user(key: str) -> User | None:
    """The active user holding an unexpired token with this key (used by API auth)."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=key_digest(key), expires_at__gt=timezone.now(), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    last = token.last_used_at
    if last is None or now - last > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    # Signing in on the app noted its month (api_token_issue); a token used on into a new
    # month notes that month once, on its first use there.
    ref = last or token.created_at
    if timezone.localdate(ref).replace(day=1) != timezone.localdate(now).replace(day=1):
        from xianfeng.people.services.use import use_note

        use_note(user_id=token.user_id, via="app", now=now)
    return token.user


def api_token_revoke(*, user: User, key: str) -> bool:
    with transaction.atomic():
        token = ApiToken.objects.filter(user=user, key_hash=key_digest(key)).first()
        if token is None:
            return False
        audit_log(actor=user, action="api_token.revoke", obj=token, data={})
        token.delete()
    return True
