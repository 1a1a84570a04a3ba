"""Load sensitive words from a text file, one per line (# starts a comment)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xianfeng.moderation.services import sensitive_words_add


class Command(BaseCommand):
    help = "从文本文件导入敏感词（每行一个）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--category", default="")

    def handle(self, *args: Any, file: Path, category: str, **options: Any) -> None:
        try:
            lines = file.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"无法读取 {file}：{exc}") from exc
        added = sensitive_words_add(actor=None, words=lines, category=category)
        self.stdout.write(f"新增 {added} 个敏感词（文件中共 {len(lines)} 行）")
