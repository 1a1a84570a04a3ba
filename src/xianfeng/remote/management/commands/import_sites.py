"""manage.py import_sites FILE.xlsx [--org CODE]: terminal sites from a workbook."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xianfeng.common.errors import Refused
from xianfeng.orgs.models import Org
from xianfeng.remote.importer import commit_sites, read_sites


class Command(BaseCommand):
    help = "从 Excel 导入远程教育站点（有错误的行时一个也不导入，逐行列出错误并以非零状态退出）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", help=".xlsx 文件")
        parser.add_argument("--org", help="只接受该组织（组织代码）之下的党组织")

    def handle(self, *args: Any, **options: Any) -> None:
        within = None
        if options["org"]:
            within = Org.objects.filter(code=options["org"]).first()
            if within is None:
                raise CommandError(f"找不到组织代码“{options['org']}”")
        try:
            with open(options["file"], "rb") as handle:
                result = read_sites(handle, within=within)
        except FileNotFoundError as exc:
            raise CommandError(f"找不到文件“{options['file']}”") from exc
        except Refused as exc:
            raise CommandError(exc.message) from exc
        if result.errors:
            for row in result.errors:
                self.stderr.write(f"第 {row.row} 行：{'；'.join(row.problems)}")
            raise CommandError(
                f"{len(result.errors)} 行有错误，未导入任何站点（共 {len(result.rows)} 行）"
            )
        sites = commit_sites(result, actor=None)
        self.stdout.write(f"已导入 {len(sites)} 个站点")
