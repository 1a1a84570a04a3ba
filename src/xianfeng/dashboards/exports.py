"""A dashboard as an Excel workbook: this month's figures, the trends, the children."""

from __future__ import annotations

from django.http import HttpResponse

from xianfeng.common.xlsx import XlsxWriter
from xianfeng.dashboards.selectors import Dashboard


def _number(value: float | None) -> float | str:
    return "" if value is None else value


def dashboard_workbook(board: Dashboard) -> HttpResponse:
    book = XlsxWriter()
    month = f"{board.month.year}年{board.month.month}月"
    title = f"{board.org.name} 数据看板 {month}"
    overview = book.sheet(
        "本月指标",
        ["分组", "指标", "数值", "单位", "分子", "分母", "目标", "是否达标", "上月", "计算口径"],
        widths=[12, 22, 10, 6, 10, 10, 8, 10, 10, 50],
        preamble=[title],
        wrap=[10],
    )
    for group, cards in board.groups:
        for card in cards:
            f = card.figure
            ind = card.indicator
            overview.append(
                [
                    group,
                    ind.name,
                    _number(f.value),
                    ind.unit,
                    f.numerator,
                    f.denominator if ind.ratio else "",
                    _number(ind.target),
                    {True: "是", False: "否", None: ""}[f.meets],
                    _number(f.previous),
                    ind.description,
                ]
            )
    trend = book.sheet(
        "近12个月",
        ["指标", "单位"] + [f"{m.year}-{m.month:02d}" for m in board.months],
        widths=[22, 6] + [9] * len(board.months),
        preamble=[title],
    )
    for card in board.cards:
        trend.append([card.indicator.name, card.indicator.unit] + [_number(v) for v in card.trend])
    if board.chosen and board.children:
        children = book.sheet(
            "下级排名",
            ["名次", "组织", "组织代码", board.chosen.name, "分子", "分母"],
            widths=[6, 28, 14, 12, 10, 10],
            preamble=[f"{title} · 按{board.chosen.name}"],
        )
        for rank, row in enumerate(board.children, start=1):
            children.append(
                [
                    rank,
                    row.org.name,
                    row.org.code,
                    _number(row.figure.value),
                    row.figure.numerator,
                    row.figure.denominator if board.chosen.ratio else "",
                ]
            )
    return book.response(
        f"{board.org.name}数据看板{board.month}.xlsx",
        ascii_filename=f"dashboard-{board.month}.xlsx",
    )
