"""Organised viewings as evidence records (common/records): a branch's own 组织收看 (at
the sites of its subtree) that the person may see, through the remote app's selector."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from xianfeng.common import records
from xianfeng.remote.enums import ViewingState
from xianfeng.remote.models import Viewing
from xianfeng.remote.selectors import viewings_visible_to


def url(pk: int) -> str:
    return reverse("remote:viewing", kwargs={"pk": pk})


def _ref(viewing: Viewing) -> records.RecordRef:
    return records.RecordRef(
        kind="remote.viewing",
        pk=viewing.pk,
        title=f"{viewing.starts_at:%Y-%m-%d} 组织收看：{viewing.title}"[:100],
        url=url(viewing.pk),
        when=viewing.starts_at,
    )


def _own(user: Any, branch: Any) -> Any:
    # A cancelled viewing never happened: nothing to cite.
    return (
        viewings_visible_to(user)
        .filter(site__org__path__startswith=branch.path)
        .exclude(state=ViewingState.CANCELLED)
    )


def register() -> None:
    records.register(
        records.from_queryset(
            code="remote.viewing", label="组织收看", app="remote", own=_own, ref=_ref, url=url
        )
    )
