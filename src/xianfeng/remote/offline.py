"""What an offline pack (离线包) holds, made without touching the database's writes:

- the lessons as MP4 files: each lesson's HLS rendition (360p; 720p too when it is small
  enough) read from the media storage and remuxed with the bundled ffmpeg (`-c copy`, the
  moov atom first) — no re-encoding, so a pack of a month's plan takes seconds per lesson;
- `index.html`, a player page that works from file:// with no server and no network: big
  tiles a TV remote moves between with the arrow keys, plain <video> elements, CSS and
  script inline (the pack is not served by the site, so its CSP does not apply);
- `plan.txt`, the plan (or the week's menu) as text;
- `roll-call.pdf`, the roll-call sheet: a page per viewing with the members of the site's
  branch to tick, a line for the number of 群众 and a QR that leads back to the page where
  the figures are entered online.
"""

from __future__ import annotations

import datetime
import io
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from django.core.files.storage import storages
from django.template.loader import render_to_string
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    Image,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from xianfeng.common.fonts import pdf_cjk_font
from xianfeng.common.qr import qr_png
from xianfeng.media.ffmpeg import FfmpegError, ffmpeg_popen, last_line
from xianfeng.media.pipeline import segment_entries

# 720p goes into the pack as well when its file would be at most this big (estimated from
# the rendition's measured bandwidth); 360p always does. A disc holds 4.7 GB.
HD_MAX_BYTES = 150 * 1024 * 1024
REMUX_TIMEOUT_SECONDS = 600
NAMES_PER_ROW = 4


@dataclass(frozen=True)
class PackVideo:
    """A file of a lesson in the pack."""

    label: str  # 标清 360p / 高清 720p
    name: str  # path inside the zip: videos/01-360p.mp4


@dataclass
class PackItem:
    """A viewing of the pack: its lesson, when it is planned, its entry code and URL."""

    number: int
    title: str
    speaker: str
    duration: float
    starts_at: datetime.datetime | None
    code: str
    entry_url: str
    video: Any  # media.Video or None
    files: list[PackVideo]


def _rendition(video: Any, name: str) -> dict[str, Any] | None:
    return next((r for r in video.renditions or [] if r.get("name") == name), None)


def renditions_for_pack(video: Any) -> list[dict[str, Any]]:
    """The renditions a pack carries for a video: the lowest (360p, or the clip's own size
    when smaller, or audio), and 720p when its estimated file fits HD_MAX_BYTES."""
    if video is None or not video.renditions:
        return []
    chosen = [video.renditions[0]]
    hd = _rendition(video, "720p")
    if hd is not None and hd is not chosen[0]:
        estimate = int(hd.get("bandwidth", 0)) * max(video.duration, 0) / 8
        if estimate <= HD_MAX_BYTES:
            chosen.append(hd)
    return chosen


def remux_rendition(rendition: dict[str, Any], target: Path, workdir: Path) -> None:
    """A rendition's HLS segments (MPEG-TS, cut from one encode) joined and remuxed into an
    MP4 with its moov atom first; the codec data is copied, never re-encoded."""
    storage = storages["default"]
    playlist_name = str(rendition["playlist"])
    base = playlist_name.rsplit("/", 1)[0]
    with storage.open(playlist_name, "rb") as handle:
        playlist = handle.read().decode("utf-8")
    joined = workdir / f"{target.stem}.ts"
    with joined.open("wb") as out:
        for _, segment in segment_entries(playlist):
            if "/" in segment or segment.startswith("."):
                raise FfmpegError(f"unexpected segment name {segment!r}", hint="分片名称不正确")
            with storage.open(f"{base}/{segment}", "rb") as part:
                while chunk := part.read(1024 * 1024):
                    out.write(chunk)
    stderr = workdir / f"{target.stem}.log"
    with stderr.open("wb") as log:
        process = ffmpeg_popen(
            [
                "-loglevel",
                "error",
                "-y",
                "-f",
                "mpegts",
                "-i",
                str(joined),
                "-map",
                "0",
                "-c",
                "copy",
                "-movflags",
                "+faststart",
                "-f",
                "mp4",
                str(target),
            ],
            stderr=log,
        )
        try:
            code = process.wait(timeout=REMUX_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise FfmpegError("remux timed out", hint="转封装超时") from None
    joined.unlink(missing_ok=True)
    if code != 0:
        hint = last_line(stderr.read_bytes())
        raise FfmpegError(f"ffmpeg exited with {code}: {hint}", hint=f"转封装失败：{hint}")


def _minutes(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}分{whole % 60:02d}秒"


def _when(moment: datetime.datetime | None) -> str:
    return f"{timezone.localtime(moment):%Y年%m月%d日 %H:%M}" if moment else ""


def index_html(*, title: str, site_name: str, period: str, items: list[PackItem]) -> str:
    """The pack's player page (no server, no network: every file it names is in the zip)."""
    tiles = [
        {
            "number": item.number,
            "title": item.title,
            "speaker": item.speaker,
            "duration": _minutes(item.duration) if item.duration else "",
            "when": _when(item.starts_at),
            "files": [{"label": f.label, "src": f.name} for f in item.files],
        }
        for item in items
    ]
    return render_to_string(
        "remote/offline/index.html",
        {
            "title": title,
            "site_name": site_name,
            "period": period,
            "tiles": tiles,
        },
    )


def plan_text(*, heading: list[str], items: list[PackItem], note: str = "") -> str:
    lines = [*heading, ""]
    if note:
        lines += ["说明：", note, ""]
    lines.append("收看场次：")
    for item in items:
        when = f"（{_when(item.starts_at)}）" if item.starts_at else ""
        length = f"，时长 {_minutes(item.duration)}" if item.duration else ""
        files = "、".join(f.name for f in item.files) or "（该课件没有可用的视频文件）"
        lines.append(f"{item.number}. {item.title}{when}{length}")
        lines.append(f"   主讲：{item.speaker or '—'}；文件：{files}；录入码：{item.code}")
    lines += [
        "",
        "使用方法：",
        "1. 将整个文件夹复制到 U 盘或光盘，在电脑或电视盒子的浏览器中打开 index.html，",
        "   用遥控器的方向键选择课件，按确定键播放。",
        "2. 打印 roll-call.pdf，每场收看一页：请参加的党员在姓名旁打勾，并填写群众人数。",
        "3. 回到有网络的地方后，用手机扫描签到表上的二维码（或在离线包页面输入录入码），",
        "   录入签到情况；同一张签到表重复录入只计一次。",
    ]
    return "\n".join(lines) + "\n"


def roll_call_pdf(
    *,
    title: str,
    site_name: str,
    org_name: str,
    members: list[str],
    items: list[PackItem],
) -> bytes:
    """The roll-call sheet: one page per viewing (lesson, date line, the members of the
    site's branch to tick, the number of 群众, a QR for entering the figures online)."""
    font = pdf_cjk_font()
    base = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    heading = ParagraphStyle("h", parent=base, fontSize=17, leading=24, alignment=1)
    sub = ParagraphStyle("s", parent=base, fontSize=10, textColor=colors.grey, alignment=1)
    small = ParagraphStyle("small", parent=base, fontSize=8.5, leading=12)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=16 * mm,
        rightMargin=16 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
        title=f"{site_name} 组织收看签到表",
    )
    width = A4[0] - 32 * mm
    story: list[Any] = []
    for index, item in enumerate(items):
        if index:
            story.append(PageBreak())
        story += [
            Paragraph(escape("远程教育组织收看签到表"), heading),
            Paragraph(escape(f"{site_name} · {org_name} · {title}"), sub),
            Spacer(1, 4 * mm),
        ]
        qr = Image(io.BytesIO(qr_png(item.entry_url, box_size=6)), width=32 * mm, height=32 * mm)
        facts = [
            Paragraph(escape(f"第 {item.number} 场：{item.title}"), base),
            Paragraph(escape(f"主讲：{item.speaker or '—'}"), base),
            Paragraph(
                escape(f"安排：{_when(item.starts_at)}" if item.starts_at else "安排：按计划"), base
            ),
            Paragraph(escape("收看日期：______年____月____日　____时____分"), base),
            Paragraph(escape("地点：________________________"), base),
            Paragraph(escape(f"录入码：{item.code}"), base),
        ]
        head = Table([[facts, qr]], colWidths=[width - 36 * mm, 36 * mm])
        head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
        story += [head, Spacer(1, 3 * mm)]
        story.append(Paragraph(escape("参加收看的党员（请在姓名前的方框内打“√”）："), base))
        cells = [f"□ {name}" for name in members] or ["（本支部暂无党员名单）"]
        rows = [
            cells[i : i + NAMES_PER_ROW]
            + [""] * (NAMES_PER_ROW - len(cells[i : i + NAMES_PER_ROW]))
            for i in range(0, len(cells), NAMES_PER_ROW)
        ]
        grid = Table(rows, colWidths=[width / NAMES_PER_ROW] * NAMES_PER_ROW)
        grid.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), font, 10.5),
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa0a6")),
                    ("TOPPADDING", (0, 0), (-1, -1), 4),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
                ]
            )
        )
        story += [grid, Spacer(1, 4 * mm)]
        tally = Table(
            [
                ["群众人数（划“正”字计数）", ""],
                ["群众合计", "________ 人"],
                ["党员合计", "________ 人"],
                ["站点管理员签字", ""],
            ],
            colWidths=[45 * mm, width - 45 * mm],
            rowHeights=[18 * mm, 9 * mm, 9 * mm, 12 * mm],
        )
        tally.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), font, 10.5),
                    ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa0a6")),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        story += [
            tally,
            Spacer(1, 3 * mm),
            Paragraph(
                escape(
                    "回到有网络的地方后，站点管理员用手机扫描右上角二维码，按本表勾选参加的党员、"
                    "填写群众人数，即记为集体收看（代签）。同一张表重复录入只计一次。"
                ),
                small,
            ),
        ]
    if not items:
        story.append(Paragraph(escape("本离线包没有收看场次。"), base))
    doc.build(story)
    return out.getvalue()


def write_zip(
    target: Path,
    *,
    texts: dict[str, str | bytes],
    videos: dict[str, Path],
) -> int:
    """The zip: small files deflated, the MP4s stored (they do not compress). Returns its size."""
    with zipfile.ZipFile(target, "w") as archive:
        for name, content in texts.items():
            data = content.encode("utf-8") if isinstance(content, str) else content
            archive.writestr(zipfile.ZipInfo(name, _zip_time()), data, zipfile.ZIP_DEFLATED)
        for name, path in videos.items():
            archive.write(path, name, compress_type=zipfile.ZIP_STORED)
    return target.stat().st_size


def _zip_time() -> tuple[int, int, int, int, int, int]:
    now = timezone.localtime()
    return (now.year, now.month, now.day, now.hour, now.minute, now.second)


def workdir() -> tempfile.TemporaryDirectory[str]:
    """Local scratch space beside the transcoder's (removed when the build ends)."""
    from xianfeng.media.pipeline import work_root

    root = work_root().parent
    root.mkdir(parents=True, exist_ok=True)
    return tempfile.TemporaryDirectory(prefix="xianfeng-offline-", dir=root)
