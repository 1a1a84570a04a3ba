"""manage.py indicators_compute --month 2026-05 [--indicator CODE ...]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from xianfeng.assessment.services import facts_compute
from xianfeng.common import indicators
from xianfeng.common.indicators import Month


class Command(BaseCommand):
    help = "计算某月的全部指标（可重复执行，结果相同）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", default="", help="YYYY-MM，默认本月")
        parser.add_argument(
            "--indicator", action="append", default=[], help="只算这个指标（可多次给出）"
        )
        parser.add_argument("--list", action="store_true", help="列出已登记的指标")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for ind in indicators.registered():
                self.stdout.write(f"{ind.code}\t{ind.name}（{ind.unit}）\t{ind.description}")
            return
        try:
            month = (
                Month.parse(options["month"])
                if options["month"]
                else Month.of(timezone.localdate())
            )
            done = facts_compute(month=month, codes=options["indicator"] or None)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"{done.month}：{done.indicators} 项指标，写入 {done.facts} 条，删除 {done.removed} 条"
        )
