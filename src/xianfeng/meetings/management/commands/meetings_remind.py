"""Send the 三会一课 reminders now (the periodic job does it every six hours)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xianfeng.meetings.services import reminders_send


class Command(BaseCommand):
    help = "提醒支部书记：本期结束前一周仍未完成的三会一课"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="as if today were this date (YYYY-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        today = datetime.date.fromisoformat(options["date"]) if options["date"] else None
        sent = reminders_send(today=today)
        self.stdout.write(f"sent {sent} reminder notices")
