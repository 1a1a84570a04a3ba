"""Thin tasks: the boards rendered ahead of their first visitor after a recompute."""

from __future__ import annotations

from django_tasks import task

from xianfeng.dashboards.boards import boards_warm


@task()
def warm_boards() -> int:
    return boards_warm()
