"""Two-step sign-in (两步验证) with a TOTP authenticator app, through django-otp.

Required on the admin site; org admins can turn it on for themselves. A person has at
most one device: an unconfirmed one while enrolling, a confirmed one once a code from
the app has been accepted.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django_otp.models import VerifyNotAllowed
from django_otp.plugins.otp_totp.models import TOTPDevice

from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.notify.services import notify
from xianfeng.people.rules import may_use_two_step

DEVICE_NAME = "手机验证器"


def two_step_device(user: Any) -> TOTPDevice | None:
    """The person's confirmed device, if they turned two-step sign-in on."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).first()


def two_step_begin(*, user: Any) -> TOTPDevice:
    """The unconfirmed device being enrolled (created once, reused on reload)."""
    if not may_use_two_step(user):
        raise Refused("两步验证目前向组织管理员和系统管理员开放")
    if two_step_device(user) is not None:
        raise Refused("您已开启两步验证")
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def _clean_code(code: str) -> str:
    return "".join(ch for ch in code if ch.isdigit())[:8]


def two_step_check(*, device: TOTPDevice, code: str) -> str | None:
    """Check a code from the app; None when it is right, else why not (in Chinese).

    django-otp throttles the device too: after each wrong code the next try must wait
    1, 2, 4 … seconds, which survives a new login and is cleared only by a right code.
    """
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().filter(pk=device.pk).first()
        if locked is None:
            return "两步验证已关闭，请重新登录"
        allowed, info = locked.verify_is_allowed()
        if not allowed:
            if info and info.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS:
                wait = max(1, int((info["locked_until"] - timezone.now()).total_seconds()) + 1)
                return f"验证码错误次数过多，请 {wait} 秒后再试"
            return "暂时不能验证，请稍后再试"
        if locked.verify_token(_clean_code(code)):
            device.refresh_from_db()
            return None
    return "验证码不正确，请输入验证器中当前显示的 6 位数字"


def two_step_confirm(*, user: Any, device: TOTPDevice, code: str) -> TOTPDevice:
    """Turn two-step sign-in on, once a code from the newly scanned app is right."""
    if device.user_id != user.pk or device.confirmed:
        raise Refused("请重新扫描二维码")
    problem = two_step_check(device=device, code=code)
    if problem is not None:
        raise Refused(problem, field="code")
    with transaction.atomic():
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        device.confirmed = True
        audit_log(actor=user, action="user.two_step_on", obj=user, data={"device": device.pk})
        notify(
            users=[user],
            title="已开启两步验证",
            body=(
                f"您于 {timezone.localtime():%Y-%m-%d %H:%M} 开启了两步验证，"
                "此后登录需要输入验证器中的 6 位数字。如果这不是您本人操作，请立即联系系统管理员。"
            ),
            kind="account.two_step",
            email=True,
        )
    return device


def two_step_disable(*, user: Any, code: str) -> None:
    """Turn two-step sign-in off with a current code; staff cannot (the admin needs it)."""
    device = two_step_device(user)
    if device is None:
        raise Refused("您没有开启两步验证")
    if user.is_staff or user.is_superuser:
        raise Refused("管理后台账号必须开启两步验证，不能关闭")
    problem = two_step_check(device=device, code=code)
    if problem is not None:
        raise Refused(problem, field="code")
    with transaction.atomic():
        deleted, _ = TOTPDevice.objects.filter(user_id=user.pk).delete()
        audit_log(actor=user, action="user.two_step_off", obj=user, data={"devices": deleted})
        notify(
            users=[user],
            title="已关闭两步验证",
            body=(
                f"您于 {timezone.localtime():%Y-%m-%d %H:%M} 关闭了两步验证。"
                "如果这不是您本人操作，请立即修改密码并联系系统管理员。"
            ),
            kind="account.two_step",
            email=True,
        )
