"""manage.py remote_bulletin --org CODE --month YYYY-MM [--format csv|xlsx] [--output FILE]"""

from __future__ import annotations

import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xianfeng.orgs.models import Org
from xianfeng.remote.bulletin import bulletin_csv, bulletin_xlsx, month_bulletin


class Command(BaseCommand):
    help = "输出某组织某月的远程教育开机通报（默认 CSV 到标准输出）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--org", required=True, help="组织代码")
        parser.add_argument("--month", required=True, help="月份，如 2026-11")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--output", help="写入该文件（xlsx 必须指定）")

    def handle(self, *args: Any, **options: Any) -> None:
        org = Org.objects.filter(code=options["org"]).first()
        if org is None:
            raise CommandError(f"找不到组织代码“{options['org']}”")
        match = re.fullmatch(r"(\d{4})-(\d{1,2})", options["month"])
        if (
            not match
            or not 1 <= int(match.group(2)) <= 12
            or not 2000 <= int(match.group(1)) <= 2100
        ):
            raise CommandError(f"月份“{options['month']}”应写成 2026-11 这样的格式")
        bulletin = month_bulletin(org, int(match.group(1)), int(match.group(2)))
        if options["format"] == "xlsx":
            if not options["output"]:
                raise CommandError("xlsx 格式须用 --output 指定文件")
            with open(options["output"], "wb") as handle:
                handle.write(bulletin_xlsx(bulletin))
            return
        text = bulletin_csv(bulletin)
        if options["output"]:
            # UTF-8 with a BOM: Excel and WPS open it as Chinese, not mojibake.
            with open(options["output"], "w", encoding="utf-8-sig", newline="") as handle:
                handle.write(text)
        else:
            self.stdout.write(text, ending="")
