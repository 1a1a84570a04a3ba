"""`manage.py restore DIR`: restore a backup into an empty installation, then migrate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from xianfeng.ops.backup.archive import restore_backup
from xianfeng.ops.backup.database import BackupError
from xianfeng.ops.services import current_roots, current_target


class Command(BaseCommand):
    help = "把备份恢复到一个空的安装（先校验清单和校验和），然后执行数据库迁移"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", help="备份目录（含 manifest.json）")
        parser.add_argument("--no-migrate", action="store_true", help="恢复后不执行迁移")

    def handle(self, *args: Any, folder: str, no_migrate: bool, **opts: Any) -> None:
        target = current_target()
        connections.close_all()  # the restore replaces what these connections would see
        try:
            done = restore_backup(
                folder=Path(folder).resolve(), target=target, roots=current_roots()
            )
        except (BackupError, OSError) as exc:
            raise CommandError(f"恢复失败：{exc}") from exc
        files = "，".join(f"{label} {count} 个文件" for label, count in done.files.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"已恢复到 {target.describe()}：{done.tables} 张表，{done.rows} 行，"
                f"与备份清单逐表核对一致；{files}。"
            )
        )
        if not no_migrate:
            call_command("migrate", "--no-input", verbosity=0)
            self.stdout.write("数据库迁移已执行，结构与当前程序一致。")
