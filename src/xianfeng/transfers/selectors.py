"""Who sees which transfers: the roster managers of either branch, and the member."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from xianfeng.orgs.enums import ROSTER_MANAGE_ROLES
from xianfeng.orgs.selectors import scope_q
from xianfeng.transfers.enums import TransferState
from xianfeng.transfers.models import Transfer


def transfers_visible_to(user: Any) -> QuerySet[Transfer]:
    """Transfers out of or into the person's reach (书记, 组织委员, 管理员), and their own.
    Only the transfer is shared: the other branch's roster stays out of reach."""
    if not getattr(user, "is_authenticated", False):
        return Transfer.objects.none()
    sending = scope_q(user, ROSTER_MANAGE_ROLES, field="from_org__path")
    receiving = scope_q(user, ROSTER_MANAGE_ROLES, field="to_org__path")
    return Transfer.objects.filter(sending | receiving | Q(member__user_id=user.pk))


def transfer_list(user: Any, *, state: str = "") -> QuerySet[Transfer]:
    qs = transfers_visible_to(user).select_related(
        "member__user", "from_org", "to_org", "started_by"
    )
    if state in TransferState.values:
        qs = qs.filter(state=state)
    return qs.order_by("-started_at", "-id")


def get_transfer_for_user(user: Any, pk: int) -> Transfer:
    transfer = (
        transfers_visible_to(user)
        .select_related("member__user", "from_org", "to_org", "started_by", "decided_by")
        .filter(pk=pk)
        .first()
    )
    if transfer is None:
        raise Http404("找不到该组织关系转接")
    return transfer
