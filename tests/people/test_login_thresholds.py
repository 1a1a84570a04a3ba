"""The login throttling thresholds the README documents (XF_LOGIN_* defaults). Both sides
of each threshold are tested through the login page in test_login.py / test_lockout.py."""

from __future__ import annotations

from django.conf import settings


def test_login_thresholds_defaults():
    assert settings.LOGIN_MAX_FAILURES == 5
    assert settings.LOGIN_MAX_FAILURES_PER_IP == 50
    assert settings.LOGIN_LOCK_MINUTES == 15
