"""`manage.py import_lessons DIR --org CODE`: a folder of courseware through the pipeline."""

from __future__ import annotations

import io
import subprocess

import imageio_ffmpeg
import pytest
from django.core.management import call_command

from xianfeng.lessons.models import Lesson

pytestmark = pytest.mark.django_db


def test_import_a_folder_reports_each_file_and_fails_if_one_failed(county, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    folder = tmp_path / "courseware"
    folder.mkdir()
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=15:duration=11",
            "-f", "lavfi", "-i", "sine=duration=11",
            "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest",
            str(folder / "01 党史故事.mp4"),
        ],
        check=True,
    )  # fmt: skip
    (folder / "02 损坏的光盘.mp4").write_text("这不是视频", encoding="utf-8")
    (folder / "说明.txt").write_text("课件目录", encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command(
            "import_lessons", str(folder), "--org", "A1", "--speaker", "老党员", stdout=out
        )
    assert exited.value.code == 1
    lines = out.getvalue().splitlines()
    assert lines[0] == "没有运行中的任务进程，本命令将逐个处理文件。"
    assert lines[1] == "导入 2 个文件到 东街社区党支部（A1）"
    assert lines[2] == "标题  01 党史故事.mp4 → 《01 党史故事》  主讲 老党员（文件名）"
    assert lines[3] == "标题  02 损坏的光盘.mp4 → 《02 损坏的光盘》  主讲 老党员（文件名）"
    assert lines[4].startswith("成功  01 党史故事.mp4  时长 11 秒")
    assert lines[5].startswith("失败  02 损坏的光盘.mp4  ")
    assert lines[6] == "共 2 个文件：成功 1 个，失败 1 个"
    assert sorted(Lesson.objects.values_list("title", "speaker_name", "org__code")) == [
        ("01 党史故事", "老党员", "A1"),
        ("02 损坏的光盘", "老党员", "A1"),
    ]


def test_unknown_org_is_a_clear_error(county, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="找不到组织代码“NOPE”"):
        call_command("import_lessons", str(tmp_path), "--org", "NOPE")
