"""`manage.py backup [--output DIR]`: a consistent backup while the system runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from xianfeng.ops.backup.database import BackupError
from xianfeng.ops.services import backup_create


class Command(BaseCommand):
    help = "备份数据库、媒体文件和私有文件（运行中也可备份），生成带校验和的清单"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            default="",
            help="备份存放的目录（默认 XF_BACKUP_DIR，未设置时为 var/backups）",
        )

    def handle(self, *args: Any, output: str, **opts: Any) -> None:
        folder = Path(output or settings.BACKUP_DIR or settings.VAR_DIR / "backups")
        try:
            made = backup_create(output=folder.resolve())
        except (BackupError, OSError) as exc:
            raise CommandError(f"备份失败：{exc}") from exc
        tables = made.manifest["tables"]
        files = made.manifest["files"]
        counts = "，".join(
            f"{label} {entry['files']} 个文件"
            if entry.get("archive")
            else f"{label} 在对象存储中（请开启存储桶版本控制）"
            for label, entry in files.items()
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"已备份到 {made.path}：{len(tables)} 张表，"
                f"{sum(t['rows'] for t in tables.values())} 行；{counts}；"
                f"共 {made.size / 1024 / 1024:.1f} MB，用时 {made.seconds:.1f} 秒。"
            )
        )
