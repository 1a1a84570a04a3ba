"""Run subscribers again for a range of domain events: `manage.py events_replay 120 340`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xianfeng.audit import events


class Command(BaseCommand):
    help = "重新投递一段领域事件（订阅者按事件编号幂等处理，重复投递是安全的）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("first_id", type=int, help="第一个事件（审计日志）编号")
        parser.add_argument("last_id", type=int, nargs="?", help="最后一个事件编号（缺省到最新）")
        parser.add_argument("--event", default="*", help="事件名或通配，如 meeting.*")
        parser.add_argument("--subscriber", help="只投递给这个订阅者")

    def handle(self, *args: Any, **opts: Any) -> None:
        ran = events.replay(
            first_id=opts["first_id"],
            last_id=opts["last_id"],
            pattern=opts["event"],
            subscriber=opts["subscriber"],
        )
        self.stdout.write(f"已重新投递 {ran} 次")
