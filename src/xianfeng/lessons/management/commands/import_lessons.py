"""Import existing courseware (the discs and folders branches already hold) as lessons.

    manage.py import_lessons DIR --org ORG_CODE [--speaker NAME] [--publish]

Every media file in DIR goes through the same pipeline as a phone upload: a draft lesson
named after the file, its Video probed and transcoded. The command waits and prints one
line per file (ready, or failed with the reason), then a summary; it exits 1 if any failed.
With no task worker running it processes the files itself, one after another.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from xianfeng.common.text import clean_text
from xianfeng.common.workers import workers_alive
from xianfeng.lessons import services
from xianfeng.lessons.models import Lesson
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
        parser.add_argument("--speaker", default="", help="主讲人姓名（不填则用组织名称）")
        parser.add_argument("--publish", action="store_true", help="处理完成后直接发布到该组织")
        parser.add_argument("--all-files", action="store_true", help="不按扩展名筛选，每个文件都试")
        parser.add_argument("--timeout", type=int, default=6 * 3600, help="最长等待秒数")

    def handle(
        self,
        *args: Any,
        directory: Path,
        org: str,
        speaker: str,
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
        importer = self._importer()
        inline = settings.TASKS_MODE == "immediate" or not workers_alive()
        if inline:
            self.stdout.write("没有运行中的任务进程，本命令将逐个处理文件。")
        self.stdout.write(f"导入 {len(files)} 个文件到 {target.name}（{target.code}）")

        pending: list[tuple[Path, Lesson, Video]] = []
        for path in files:
            # A file name the file system could not decode carries lone surrogates.
            title = clean_text(path.stem, multiline=False)[:80]
            lesson = services.lesson_create(
                actor=importer,
                org=target,
                data=services.LessonData(
                    title=title, speaker_name=clean_text(speaker or target.name, multiline=False)
                ),
            )
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
