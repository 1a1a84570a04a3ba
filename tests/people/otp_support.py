"""Codes of an authenticator app, computed the way the app does (RFC 6238)."""

from __future__ import annotations

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def code_for(device: TOTPDevice, steps: int = 0) -> str:
    """The code the app shows now (or `steps` periods from now)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code_for(device: TOTPDevice) -> str:
    """A code no window the device accepts (now, one period before or after) would take."""
    valid = {code_for(device, s) for s in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)


def enrolled(user) -> TOTPDevice:
    """A confirmed device, as if the person had scanned the QR code and given a code."""
    return TOTPDevice.objects.create(user=user, name="手机验证器", confirmed=True)
