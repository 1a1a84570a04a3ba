"""Import a question bank workbook into an org's bank.

    manage.py import_questions FILE.xlsx --org CODE [--skip-invalid]

Prints one line per row that failed (naming the sheet and the row) and a summary; exits 1
when any row failed. By default nothing is written when any row fails; with
--skip-invalid the valid rows are imported and the failures are still listed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xianfeng.common.errors import Refused
from xianfeng.orgs.models import Org
from xianfeng.study.bank import format_error
from xianfeng.study.services.bank import question_import_commit, question_import_preview


class Command(BaseCommand):
    help = "把 Excel 题库导入某组织的题库（有错误行时默认不导入）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--org", required=True, help="组织代码")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="只导入正确的行，错误行照样列出"
        )

    def handle(self, *args: Any, file: Path, org: str, skip_invalid: bool, **opts: Any) -> None:
        target = Org.objects.filter(code=org).first()
        if target is None:
            raise CommandError(f"找不到组织代码为“{org}”的组织")
        if not file.is_file():
            raise CommandError(f"找不到文件：{file}")
        try:
            with file.open("rb") as handle:
                batch = question_import_preview(
                    actor=None, org=target, file=handle, filename=file.name
                )
        except Refused as exc:
            raise CommandError(exc.message) from exc
        for error in batch.errors:
            self.stderr.write(format_error(error))
        failed, valid = len(batch.errors), len(batch.rows)
        if failed and not skip_invalid:
            self.stderr.write(
                f"共 {valid + failed} 道题：{valid} 道正确，{failed} 行有错误；未导入任何题目"
                "（改正后重新导入，或加 --skip-invalid 只导入正确的行）"
            )
            raise SystemExit(1)
        imported = question_import_commit(actor=None, batch=batch, skip_invalid=skip_invalid)
        summary = f"已导入 {imported} 道题到“{target.name}”题库"
        if failed:
            self.stderr.write(f"{summary}；{failed} 行有错误，未导入")
            raise SystemExit(1)
        self.stdout.write(summary)
