"""What 流动党员 add to the figures (common/indicators.py): the meetings and study a member
away took part in at the place they work, recorded there by the org that looks after them
(or by the home branch from the member's report), are credited to the member's own branch
in 组织生活参加率 and 参学率. The member is counted by the indicator at the branch they
belonged to in the month, once, however many places recorded them."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from xianfeng.common import indicators
from xianfeng.common.indicators import Credit, Month
from xianfeng.mobility.enums import ActivityKind
from xianfeng.mobility.models import MobileActivity


def took_part(kind: str) -> Callable[[Month], Iterable[int]]:
    def members(month: Month) -> Iterable[int]:
        return set(
            MobileActivity.objects.filter(
                kind=kind, on__gte=month.first, on__lte=month.last
            ).values_list("record__member_id", flat=True)
        )

    return members


def register() -> None:
    indicators.register_credit(
        Credit(kind="meeting", app="mobility", members=took_part(ActivityKind.MEETING))
    )
    indicators.register_credit(
        Credit(kind="study", app="mobility", members=took_part(ActivityKind.STUDY))
    )
