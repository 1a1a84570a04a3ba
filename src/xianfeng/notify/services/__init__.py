"""Writes of the notify app; import from here, not from the submodules.

Every app tells people through `notify(...)`; nothing else sends mail, SMS or messages.
"""

from xianfeng.notify.services.delivery import BACKOFF, deliveries_send
from xianfeng.notify.services.inbox import notifications_mark_read
from xianfeng.notify.services.prefs import (
    org_policy_update,
    org_robot_test,
    prefs_update,
)
from xianfeng.notify.services.sending import Sent, batch_start, notify

__all__ = [
    "BACKOFF",
    "Sent",
    "batch_start",
    "deliveries_send",
    "notifications_mark_read",
    "notify",
    "org_policy_update",
    "org_robot_test",
    "prefs_update",
]
