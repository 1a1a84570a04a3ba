from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from xianfeng.common.transitions import StateMachine


class TransferState(models.TextChoices):
    PENDING = "pending", _("待接收")
    ACCEPTED = "accepted", _("已接收")
    RETURNED = "returned", _("已退回")
    CANCELLED = "cancelled", _("已撤回")


class TransferDirection(models.TextChoices):
    INTERNAL = "internal", _("系统内转接")
    OUT = "out", _("转出系统外")
    IN = "in", _("从系统外转入")


T = TransferState
# 组织关系转接: the sending branch starts it, the receiving branch accepts or returns it,
# the sender may withdraw it while it waits. A transfer out of the system is "accepted" when
# the outside org's 回执 comes back (the sender records it); one in from outside is
# registered already accepted.
TRANSFER_MACHINE = StateMachine(
    name="transfer",
    label="组织关系转接",
    states=TransferState,
    transitions={T.PENDING: {T.ACCEPTED, T.RETURNED, T.CANCELLED}},
)

# A transfer not accepted or returned after this many days is overdue: both sides are told.
OVERDUE_DAYS = 7

REMINDER_KIND = "transfer.overdue"
NOTICE_KIND = "transfer.notice"
