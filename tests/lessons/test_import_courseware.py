"""Imported courseware is named from its 目录表, its own title tag, or its cleaned file name;
a speaker nobody named stays empty (the org is not written twice)."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from xianfeng.lessons.courseware import (
    match_rows,
    naming_for,
    read_sidecar,
    title_from_file_name,
)
from xianfeng.lessons.management.commands.import_lessons import MEDIA_SUFFIXES
from xianfeng.lessons.models import Lesson

pytestmark = pytest.mark.django_db


def make_clip(path: Path, *, title: str = "", artist: str = "") -> Path:
    """A real 2-second H.264/AAC file, with container tags when given."""
    tags: list[str] = []
    if title:
        tags += ["-metadata", f"title={title}"]
    if artist:
        tags += ["-metadata", f"artist={artist}"]
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10:duration=2",
            "-f", "lavfi", "-i", "sine=duration=2",
            "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", "-shortest",
            *tags, str(path),
        ],
        check=True,
    )  # fmt: skip
    return path


def messy_workbook(path: Path) -> Path:
    """As typed in Excel: a title and a date line above the header, spaces and full-width
    characters, one file name without its extension, a footer below the table."""
    wb = Workbook()
    ws = wb.active
    ws.title = "课件目录"
    ws.append(["东街社区党支部课件目录（2023年）"])
    ws.append(["整理日期：2023-07-01"])
    ws.append([])
    ws.append([" 序号 ", "文件名 ", " 标 题", "主讲人（姓名）", "简介", "分类"])
    ws.append(
        [1, "ＵＨＤ_4K.MP4", "  红船精神　永放光芒 ", "张  三", "  讲述南湖红船的故事 ", "党史"]
    )
    ws.append([2, "VID_20230701_093000", "入党誓词的由来", "", "", "党章党规、不存在的分类"])
    ws.append([])
    ws.append(["填表人：李四"])
    wb.save(path)
    return path


@pytest.mark.parametrize(
    ("stem", "title"),
    [
        ("uhd_4k", ""),
        ("01 党史故事", "01 党史故事"),
        ("VID_20230701_093000", ""),
        ("党史学习_第一讲_1080p_x264", "党史学习 第一讲"),
        ("[2021-07-01]红船精神（HD）", "红船精神"),
        ("红色家书.h264.aac", "红色家书"),
        ("入党誓词 2023.7.1", "入党誓词"),
        ("第3讲-初心使命-720P", "第3讲-初心使命"),
        ("学习强国_720x1280_30fps", "学习强国"),
        ("党的二十大精神_20221016", "党的二十大精神"),
    ],
)
def test_title_from_file_name_drops_resolution_codec_and_date_tokens(stem, title):
    assert title_from_file_name(stem) == title


def test_messy_workbook_reads_header_under_title_rows_and_stops_at_footer(tmp_path):
    sheet = read_sidecar(messy_workbook(tmp_path / "目录.xlsx"))
    assert sheet.problems == []
    read = [(r.where, r.file_text, r.title, r.speaker, r.summary, r.categories) for r in sheet.rows]
    assert read == [
        ("第 5 行", "UHD_4K.MP4", "红船精神 永放光芒", "张三", "讲述南湖红船的故事", ["党史"]),
        ("第 6 行", "VID_20230701_093000", "入党誓词的由来", "", "", ["党章党规", "不存在的分类"]),
    ]  # fmt: skip


def test_gbk_csv_from_excel_is_read(tmp_path):
    path = tmp_path / "课件.csv"
    path.write_bytes(
        "课件清单,,\r\n文件名,标题,主讲人\r\n01.mp4,党的光辉历程,王　五\r\n".encode("gbk")
    )
    sheet = read_sidecar(path)
    assert [(r.where, r.file_text, r.title, r.speaker) for r in sheet.rows] == [
        ("第 3 行", "01.mp4", "党的光辉历程", "王五")
    ]


def test_rows_matching_no_file_are_named_in_chinese(tmp_path):
    files = [tmp_path / "a.mp4", tmp_path / "a.mov", tmp_path / "b.mp4"]
    path = tmp_path / "目录.csv"
    path.write_text(
        "文件名,标题\nc.mp4,不存在\na,两个同名\nB.MP4,第二课\nb,又一次\n", encoding="utf-8"
    )
    rows, problems = match_rows(read_sidecar(path), files, MEDIA_SUFFIXES)
    assert {p.name: r.title for p, r in rows.items()} == {"b.mp4": "第二课"}
    assert problems == [
        "第 2 行：文件夹中找不到文件“c.mp4”，请核对文件名",
        "第 3 行：文件名“a”同时对应 a.mp4、a.mov，请写上扩展名",
        "第 5 行：文件“b.mp4”在第 4 行已经登记过，这一行未使用",
    ]


def test_container_title_and_artist_used_when_no_row(tmp_path):
    clip = make_clip(tmp_path / "uhd_4k.mp4", title="不忘初心 牢记使命", artist="赵六")
    naming = naming_for(clip, None, suffixes=MEDIA_SUFFIXES)
    assert (naming.title, naming.speaker, naming.source) == (
        "不忘初心 牢记使命",
        "赵六",
        "文件信息",
    )


def test_import_takes_titles_and_speakers_from_sheet_then_tags_then_name(
    county, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.VIDEO_MIN_SECONDS = 1
    folder = tmp_path / "courseware"
    folder.mkdir()
    make_clip(folder / "UHD_4K.mp4")  # named by the sheet (written in full width there)
    make_clip(folder / "VID_20230701_093000.mp4")  # the sheet names it without extension
    make_clip(folder / "x264_1080p.mp4", title="红色家书")  # only its title tag
    make_clip(folder / "党史学习_第二讲_720p.mp4")  # only its name
    make_clip(folder / "uhd_4k_2.mp4")  # nothing at all
    messy_workbook(folder / "目录.xlsx")
    out = io.StringIO()
    call_command("import_lessons", str(folder), "--org", "A1", stdout=out)
    assert set(Lesson.objects.values_list("title", "speaker_name", "summary")) == {
        ("红船精神 永放光芒", "张三", "讲述南湖红船的故事"),
        ("入党誓词的由来", "", ""),
        ("红色家书", "", ""),
        ("党史学习 第二讲", "", ""),
        ("未命名课件（uhd_4k_2.mp4）", "", ""),
    }
    tags = {
        lesson.title: sorted(t.name for t in lesson.tags.all())
        for lesson in Lesson.objects.prefetch_related("tags")
    }
    assert tags["红船精神 永放光芒"] == ["党史"]
    assert tags["入党誓词的由来"] == ["党章党规"]
    text = out.getvalue()
    assert "目录表 目录.xlsx：2 行，对应 2 个文件（另有 3 个文件不在表中" in text
    assert "标题  UHD_4K.mp4 → 《红船精神 永放光芒》  主讲 张三（目录表第 5 行）" in text
    assert "标题  x264_1080p.mp4 → 《红色家书》  主讲人未填（文件信息）" in text
    assert "标题  党史学习_第二讲_720p.mp4 → 《党史学习 第二讲》  主讲人未填（文件名）" in text
    assert "提示  VID_20230701_093000.mp4：没有名为“不存在的分类”的主题标签，未加" in text
    assert "共 5 个文件：成功 5 个，失败 0 个" in text
    assert not Lesson.objects.filter(speaker_name="东街社区党支部").exists()


def test_unmatched_sheet_row_stops_before_any_file_is_imported(county, tmp_path):
    folder = tmp_path / "courseware"
    folder.mkdir()
    make_clip(folder / "01.mp4")
    (folder / "目录.csv").write_bytes("文件名,标题\r\n02.mp4,第二课\r\n".encode("gbk"))
    out = io.StringIO()
    with pytest.raises(CommandError, match="目录表有 1 处问题（见上），没有导入任何文件"):
        call_command("import_lessons", str(folder), "--org", "A1", stdout=out)
    assert "目录表问题  第 2 行：文件夹中找不到文件“02.mp4”，请核对文件名" in out.getvalue()
    assert Lesson.objects.count() == 0
