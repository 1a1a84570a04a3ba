"""Import existing courseware (the discs and folders branches already hold) as lessons.

    manage.py import_lessons DIR --org ORG_CODE [--sidecar SHEET] [--speaker NAME] [--publish]

Every media file in DIR goes through the same pipeline as a phone upload: a draft lesson,
its Video probed and transcoded. Titles, speakers, summaries and categories come from a
sheet beside the files (目录表 .xlsx or .csv: 文件名, 标题, 主讲人, 简介, 分类), else from
the file's own title tag, else from its name cleaned of resolution, codec and date tokens
(see `lessons.courseware`). A sheet row that names no file stops the import before any
file is touched (unless --skip-unmatched). The command waits and prints one
line per file (ready, or failed with the reason), then a summary; it exits 1 if any failed.
With no task worker running it processes the files itself, one after another.
"""

from __future__ import annotations

import time
import unicodedata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from xianfeng.common.text import clean_text
from xianfeng.common.workers import workers_alive
from xianfeng.lessons import services
from xianfeng.lessons.courseware import (
    Naming,
    SidecarRow,
    SidecarUnreadable,
    find_sidecars,
    match_rows,
    naming_for,
    read_sidecar,
    speaker_name,
)
from xianfeng.lessons.models import Lesson, Tag
from xianfeng.media.enums import VideoStatus
from xianfeng.media.models import Video
from xianfeng.media.pipeline import video_process
from xianfeng.media.services import video_create
from xianfeng.orgs.models import Org
from xianfeng.people.models import User

MEDIA_SUFFIXES = {
    ".mp4", ".mov", ".m4v", ".mkv", ".avi", ".wmv", ".flv", ".mpg", ".mpeg", ".ts", ".3gp", ".webm",
    ".m4a", ".mp3", ".aac", ".wav", ".wma", ".amr", ".ogg", ".flac",
}  # fmt: skip
FINAL = {VideoStatus.READY, VideoStatus.FAILED}


class Command(BaseCommand):
    help = "把文件夹中的课件批量导入为微党课（逐个转码，打印结果）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument("--org", required=True, help="组织代码")
        parser.add_argument(
            "--sidecar",
            type=Path,
            default=None,
            help="目录表（.xlsx 或 .csv），默认用文件夹中的表格",
        )
        parser.add_argument(
            "--speaker", default="", help="目录表和文件信息都没有主讲人时用的姓名（不填则留空）"
        )
        parser.add_argument(
            "--skip-unmatched", action="store_true", help="目录表中有找不到文件的行时仍然导入"
        )
        parser.add_argument("--publish", action="store_true", help="处理完成后直接发布到该组织")
        parser.add_argument("--all-files", action="store_true", help="不按扩展名筛选，每个文件都试")
        parser.add_argument("--timeout", type=int, default=6 * 3600, help="最长等待秒数")

    def handle(
        self,
        *args: Any,
        directory: Path,
        org: str,
        sidecar: Path | None,
        speaker: str,
        skip_unmatched: bool,
        publish: bool,
        all_files: bool,
        timeout: int,
        **opts: Any,
    ) -> None:
        target = Org.objects.filter(code=org).first()
        if target is None:
            raise CommandError(f"找不到组织代码“{org}”")
        if not directory.is_dir():
            raise CommandError(f"{directory} 不是文件夹")
        files = sorted(
            p
            for p in directory.iterdir()
            if p.is_file()
            and not p.name.startswith(".")
            and (all_files or p.suffix.lower() in MEDIA_SUFFIXES)
        )
        if not files:
            raise CommandError(f"{directory} 中没有音视频文件")
        rows = self._sheet_rows(directory, sidecar, files, skip_unmatched)
        tags = {self._tag_key(t.name): t for t in Tag.objects.all()}
        default_speaker = speaker_name(speaker)
        importer = self._importer()
        inline = settings.TASKS_MODE == "immediate" or not workers_alive()
        if inline:
            self.stdout.write("没有运行中的任务进程，本命令将逐个处理文件。")
        self.stdout.write(f"导入 {len(files)} 个文件到 {target.name}（{target.code}）")

        pending: list[tuple[Path, Lesson, Video]] = []
        for path in files:
            naming = naming_for(
                path, rows.get(path), suffixes=MEDIA_SUFFIXES, default_speaker=default_speaker
            )
            lesson = services.lesson_create(
                actor=importer,
                org=target,
                data=services.LessonData(
                    title=naming.title,
                    speaker_name=naming.speaker,
                    summary=naming.summary,
                    tag_ids=self._tag_ids(naming, tags, path),
                ),
                speaker_required=False,
            )
            self.stdout.write(self._naming_line(path, naming))
            video = video_create(
                owner=importer,
                source_path=path,
                original_name=clean_text(path.name, multiline=False),
                target_kind="lesson",
                target_id=str(lesson.pk),
            )
            if inline:
                # Processing twice is harmless (a second run finds the video ready).

                video_process(video_id=video.pk)
            pending.append((path, lesson, video))

        deadline = time.monotonic() + timeout
        results: dict[int, Video] = {}
        while len(results) < len(pending) and time.monotonic() < deadline:
            fresh = Video.objects.in_bulk([v.pk for _, _, v in pending])
            for _path, _lesson, video in pending:
                current = fresh[video.pk]
                if current.status in FINAL and video.pk not in results:
                    results[video.pk] = current
            if len(results) < len(pending):
                time.sleep(1)

        failed = 0
        for path, lesson, video in pending:
            current = results.get(video.pk) or Video.objects.get(pk=video.pk)
            if current.status == VideoStatus.READY:
                note = ""
                if publish:
                    lesson.refresh_from_db()
                    services.lesson_submit(actor=importer, lesson=lesson)
                    services.lesson_publish(actor=importer, lesson=lesson, audience=target)
                    note = "，已发布"
                seconds = round(current.duration)
                self.stdout.write(f"成功  {path.name}  时长 {seconds} 秒  课 #{lesson.pk}{note}")
            elif current.status == VideoStatus.FAILED:
                failed += 1
                self.stdout.write(f"失败  {path.name}  {current.failure_reason}")
            else:
                failed += 1
                self.stdout.write(f"超时  {path.name}  仍在{current.get_status_display()}")
        ok = len(pending) - failed
        self.stdout.write(f"共 {len(pending)} 个文件：成功 {ok} 个，失败 {failed} 个")
        if failed:
            raise SystemExit(1)

    def _sheet_rows(
        self, directory: Path, sidecar: Path | None, files: list[Path], skip_unmatched: bool
    ) -> dict[Path, SidecarRow]:
        """Each file's row of the 目录表; problems printed, and fatal unless skipped."""
        if sidecar is None:
            found = find_sidecars(directory)
            if len(found) > 1:
                names = "、".join(p.name for p in found)
                raise CommandError(f"文件夹中有多个表格（{names}），请用 --sidecar 指定目录表")
            if not found:
                return {}
            sidecar = found[0]
        elif not sidecar.is_file():
            raise CommandError(f"找不到目录表 {sidecar}")
        try:
            sheet = read_sidecar(sidecar)
        except SidecarUnreadable as exc:
            raise CommandError(str(exc)) from None
        rows, problems = match_rows(sheet, files, MEDIA_SUFFIXES)
        problems = sheet.problems + problems
        self.stdout.write(
            f"目录表 {sidecar.name}：{len(sheet.rows)} 行，对应 {len(rows)} 个文件"
            f"（另有 {len(files) - len(rows)} 个文件不在表中，用文件信息或文件名作标题）"
            if len(rows) < len(files)
            else f"目录表 {sidecar.name}：{len(sheet.rows)} 行，对应 {len(rows)} 个文件"
        )
        for problem in problems:
            self.stdout.write(f"目录表问题  {problem}")
        if problems and not skip_unmatched:
            raise CommandError(
                f"目录表有 {len(problems)} 处问题（见上），没有导入任何文件。"
                "请改正目录表后重试，或加 --skip-unmatched 忽略这些行"
            )
        return rows

    @staticmethod
    def _tag_key(name: str) -> str:
        return unicodedata.normalize("NFKC", name).replace(" ", "").casefold()

    def _tag_ids(self, naming: Naming, tags: dict[str, Tag], path: Path) -> list[int]:
        ids: list[int] = []
        for category in naming.categories:
            tag = tags.get(self._tag_key(category))
            if tag is None:
                known = "、".join(t.name for t in tags.values())
                self.stdout.write(
                    f"提示  {path.name}：没有名为“{category}”的主题标签，未加（现有：{known}）"
                )
            elif tag.pk not in ids:
                ids.append(tag.pk)
        return ids

    @staticmethod
    def _naming_line(path: Path, naming: Naming) -> str:
        # A file name the file system could not decode carries lone surrogates.
        name = clean_text(path.name, multiline=False)
        speaker = f"  主讲 {naming.speaker}" if naming.speaker else "  主讲人未填"
        return f"标题  {name} → 《{naming.title}》{speaker}（{naming.source}）"

    def _importer(self) -> Any:
        """The account imports are recorded under (created once, cannot log in)."""

        user, _ = User.objects.get_or_create(
            username="importer",
            defaults={"name": "课件导入", "is_superuser": True, "is_active": True},
        )
        if user.has_usable_password():
            user.set_unusable_password()
            user.save(update_fields=["password"])
        return user
