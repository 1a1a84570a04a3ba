"""What an imported courseware file is called and who speaks in it.

A folder of old courseware comes with names like "uhd_4k.mp4" or "VID_20230701_093000.mp4",
and often with a sheet beside it (目录表: 文件名, 标题, 主讲人, 简介, 分类) typed by hand in
Excel: a title row above the header, spaces and full-width characters everywhere, file
names with or without their extension, CSV saved by Excel in GBK. Each field of a lesson is
taken from the first source that has it: the sheet's row for the file, then the file's own
container tags (title, artist), then — for the title only — the file name with the
resolution, codec and date tokens taken out. A speaker nobody named stays empty: the org
is shown beside every lesson already.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from xianfeng.common.text import clean_text
from xianfeng.media.probe import container_tags
from xianfeng.people.roster.cells import normalize_header
from xianfeng.people.roster.matching import is_footer

SIDECAR_SUFFIXES = {".csv", ".xlsx"}
HEADER_SCAN_ROWS = 15
TITLE_MAX, SPEAKER_MAX, SUMMARY_MAX = 80, 50, 200

# Header as written (after normalize_header) → field.
_NAMES = {
    "file": "文件名 文件 文件名称 视频文件 视频文件名 课件文件 原文件名",
    "title": "标题 课程名称 课程标题 课件名称 课题 题目 党课题目 名称 课程",
    "speaker": "主讲人 主讲 主讲人姓名 讲师 主讲老师 授课人 宣讲人",
    "summary": "简介 内容简介 课程简介 摘要 内容摘要 说明",
    "category": "分类 类别 主题 标签 主题标签 栏目",
}
ALIASES = {alias: name for name, aliases in _NAMES.items() for alias in aliases.split()}

# Tokens of a file name that say how it was encoded, not what it is about.
_TECH_TOKENS = re.compile(
    r"(?<![a-z0-9])(?:"
    r"\d{3,4}[pi]|[2458]k|u?hd|fhd|qhd|hdr(?:10)?|sdr|\d{3,4}x\d{3,4}"
    r"|[xh]\.?26[45]|hevc|avc1?|aac(?:\d\.\d)?|ac3|mp3|10bit|8bit|\d{2,3}fps"
    r"|web-?dl|web-?rip|blu-?ray|bdrip|dvdrip|remux"
    r")(?![a-z0-9])",
    re.IGNORECASE,
)
# Numeric dates (20230701, 2023-07-01, 2023.7.1, 2023_07_01), with a time right after them
# as cameras write it (VID_20230701_093000).
_DATES = re.compile(
    r"(?<!\d)(?:19|20)\d{2}([-._/]?)(?:0?[1-9]|1[0-2])\1(?:0[1-9]|[12]\d|3[01]|(?<=[-._/])[1-9])"
    r"(?:[-_. T]?\d{6}(?:\d{3})?)?(?!\d)"
)
_CAMERA_PREFIX = re.compile(
    r"^(?:vid|img|mvi|dsc|dji|pxl|mov|wechat|wx|video|lv)(?=[-_ ]|\d)", re.IGNORECASE
)
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*]|【\s*】|（\s*）|《\s*》")
_SEPARATORS = re.compile(r"[_.+\s]+")
_EDGE = re.compile(r"^[\s\-—~·,，、]+|[\s\-—~·,，、]+$")
# Container titles that are the writing program's name rather than a title.
_JUNK_TITLE = re.compile(
    r"^(?:lavf|lavc|handbrake|isomedia|untitled|未命名|新建|video|movie)", re.IGNORECASE
)
_CATEGORY_SPLIT = re.compile(r"[,，、;；/|｜\s]+")
_FULL_WIDTH_ALNUM = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F) if chr(c - 0xFEE0).isalnum()}
_FULL_WIDTH_ALNUM[0x3000] = 0x20


class SidecarUnreadable(Exception):
    """The sheet cannot be used at all; the message says why, in Chinese."""


@dataclass
class SidecarRow:
    """One row of the sheet that names a file."""

    where: str  # "第 5 行" or "工作表“二季度”第 5 行"
    file_text: str
    title: str = ""
    speaker: str = ""
    summary: str = ""
    categories: list[str] = field(default_factory=list)


@dataclass
class Sidecar:
    """The rows of a sheet, and what is wrong in it (rows that name no file …)."""

    path: Path
    rows: list[SidecarRow]
    problems: list[str] = field(default_factory=list)


@dataclass
class Naming:
    """What one file is imported as, and where each field came from."""

    title: str
    speaker: str = ""
    summary: str = ""
    categories: list[str] = field(default_factory=list)
    source: str = ""  # "目录表第 5 行", "文件信息", "文件名"


# --- text --------------------------------------------------------------------------------


def one_line(value: object) -> str:
    """Cell text on one line: control characters out, full-width letters, digits and spaces
    made ordinary, runs of spaces made one (full-width punctuation stays: it is Chinese)."""
    text = clean_text(_cell_text(value), multiline=False).translate(_FULL_WIDTH_ALNUM)
    return " ".join(text.split())


def speaker_name(value: object) -> str:
    """A name as typed to line up in a sheet ("张  三") is one name ("张三")."""
    text = one_line(value)
    parts = text.split()
    if len(parts) > 1 and all(_is_cjk(part) for part in parts):
        return "".join(parts)
    return text


def _is_cjk(text: str) -> bool:
    return all("\u3400" <= ch <= "\u9fff" or ch == "·" for ch in text)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()[:10]
    return str(value)


def file_key(name: str) -> str:
    """How a file name is compared: NFKC, case and spaces ignored, no folder."""
    name = re.split(r"[\\/]", name)[-1]
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name)).casefold()


def media_stem(name: str, suffixes: Iterable[str]) -> str:
    """The name without its media extensions ("课.mp4.mp4" → "课")."""
    known = {s.lower() for s in suffixes}
    path = Path(name)
    while path.suffix.lower() in known and path.stem:
        path = Path(path.stem)
    return path.name


def title_from_file_name(stem: str) -> str:
    """A title from a file name: resolution, codec and date tokens out, separators to spaces,
    "" when nothing but such tokens was there ("uhd_4k")."""
    text = unicodedata.normalize("NFKC", clean_text(stem, multiline=False))
    text = _CAMERA_PREFIX.sub(" ", text)
    text = _DATES.sub(" ", text)
    # Tokens are found between separators: "uhd_4k" is two of them.
    text = _SEPARATORS.sub(" ", text)
    text = _TECH_TOKENS.sub(" ", text)
    text = _EMPTY_BRACKETS.sub(" ", text)
    text = _EDGE.sub("", " ".join(text.split()))
    return text if any(ch.isalpha() for ch in text) else ""


def title_from_tags(tags: dict[str, str]) -> str:
    title = one_line(tags.get("title", ""))
    return "" if _JUNK_TITLE.match(title) else title


def speaker_from_tags(tags: dict[str, str]) -> str:
    for key in ("artist", "author", "album_artist"):
        name = speaker_name(tags.get(key, ""))
        if name:
            return name
    return ""


# --- the sheet ---------------------------------------------------------------------------


def find_sidecars(directory: Path) -> list[Path]:
    """Sheets lying beside the files (Excel's "~$" lock files are not sheets)."""
    return sorted(
        p
        for p in directory.iterdir()
        if p.is_file()
        and p.suffix.lower() in SIDECAR_SUFFIXES
        and not p.name.startswith((".", "~$"))
    )


def read_sidecar(path: Path) -> Sidecar:
    """Read a 目录表: the header may sit under a title row; rows end at a footer."""
    xlsx = path.suffix.lower() == ".xlsx"
    sheets = list(_xlsx_sheets(path)) if xlsx else [("", _csv_rows(path))]
    rows: list[SidecarRow] = []
    problems: list[str] = []
    found = False
    for title, records in sheets:
        prefix = f"工作表“{title}”" if title and len(sheets) > 1 else ""
        columns: dict[str, int] | None = None
        blank_seen = False
        for number, values in records:
            if columns is None:
                if number > HEADER_SCAN_ROWS:
                    break
                columns = _header(values)
                continue
            if is_footer(tuple(values), after_blank=blank_seen):
                break
            row = _row(columns, values, f"{prefix}第 {number} 行")
            if not (row.file_text or row.title or row.speaker or row.summary):
                blank_seen = blank_seen or bool(rows)
                continue
            if not row.file_text:
                problems.append(f"{row.where}：没有填写文件名（标题“{row.title}”）")
                continue
            rows.append(row)
        if columns is not None:
            found = True
    if not found:
        raise SidecarUnreadable(
            f"目录表 {path.name} 的前 {HEADER_SCAN_ROWS} 行中没有表头：应有一行列名，"
            "包含“文件名”和“标题”或“主讲人”"
        )
    return Sidecar(path=path, rows=rows, problems=problems)


def _row(columns: dict[str, int], values: list[Any], where: str) -> SidecarRow:
    def cell(name: str) -> Any:
        index = columns.get(name)
        return values[index] if index is not None and index < len(values) else None

    return SidecarRow(
        where=where,
        file_text=one_line(cell("file")),
        title=one_line(cell("title")),
        speaker=speaker_name(cell("speaker")),
        summary=one_line(cell("summary")),
        categories=[c for c in _CATEGORY_SPLIT.split(one_line(cell("category"))) if c],
    )


def _header(values: list[Any]) -> dict[str, int] | None:
    columns: dict[str, int] = {}
    for index, value in enumerate(values):
        name = ALIASES.get(normalize_header(value)) if value is not None else None
        if name and name not in columns:
            columns[name] = index
    if "file" in columns and ("title" in columns or "speaker" in columns):
        return columns
    return None


def _xlsx_sheets(path: Path) -> Iterator[tuple[str, Iterator[tuple[int, list[Any]]]]]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            workbook = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # a damaged or foreign zip: openpyxl raises many kinds
        raise SidecarUnreadable(f"目录表 {path.name} 不是可以读取的 Excel（.xlsx）文件") from exc
    # Read every sheet now: the workbook is closed before the rows are used.
    sheets = [
        (ws.title, [(n, list(v)) for n, v in enumerate(ws.iter_rows(values_only=True), start=1)])
        for ws in workbook.worksheets
    ]
    workbook.close()
    for title, records in sheets:
        yield title, iter(records)


def _csv_rows(path: Path) -> Iterator[tuple[int, list[Any]]]:
    data = path.read_bytes()
    text = _decode(data, path.name)
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",\t;，")
    except csv.Error:
        dialect = csv.excel
    for number, values in enumerate(csv.reader(io.StringIO(text, newline=""), dialect), start=1):
        yield number, list(values)


def _decode(data: bytes, name: str) -> str:
    """UTF-8 (with or without Excel's BOM), UTF-16 (Excel's "Unicode text"), else GBK as
    Excel writes CSV on a Chinese Windows (GB18030 is its superset)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SidecarUnreadable(
        f"目录表 {name} 的文字编码无法识别，请在 Excel 中另存为“CSV UTF-8”或 .xlsx"
    )


# --- matching ----------------------------------------------------------------------------


def match_rows(
    sidecar: Sidecar, files: list[Path], suffixes: Iterable[str]
) -> tuple[dict[Path, SidecarRow], list[str]]:
    """Each file's row, by full name or by name without extension; every row that names no
    file, or a name two files share, or a file named twice, is a problem."""
    by_name = {file_key(p.name): p for p in files}
    by_stem: dict[str, list[Path]] = {}
    for p in files:
        by_stem.setdefault(file_key(media_stem(p.name, suffixes)), []).append(p)
    found: dict[Path, SidecarRow] = {}
    problems: list[str] = []
    for row in sidecar.rows:
        key = file_key(row.file_text)
        path = by_name.get(key)
        if path is None:
            candidates = by_stem.get(file_key(media_stem(row.file_text, suffixes)), [])
            if len(candidates) > 1:
                names = "、".join(p.name for p in candidates)
                problems.append(
                    f"{row.where}：文件名“{row.file_text}”同时对应 {names}，请写上扩展名"
                )
                continue
            path = candidates[0] if candidates else None
        if path is None:
            problems.append(f"{row.where}：文件夹中找不到文件“{row.file_text}”，请核对文件名")
            continue
        if path in found:
            problems.append(
                f"{row.where}：文件“{path.name}”在{found[path].where}已经登记过，这一行未使用"
            )
            continue
        found[path] = row
    return found, problems


def naming_for(
    path: Path, row: SidecarRow | None, *, suffixes: Iterable[str], default_speaker: str = ""
) -> Naming:
    """The title, speaker, summary and categories a file is imported with."""
    tags = container_tags(path)
    sources: list[str] = []
    title = row.title if row else ""
    if title:
        sources.append(f"目录表{row.where}" if row else "")
    else:
        title = title_from_tags(tags)
        if title:
            sources.append("文件信息")
        else:
            title = title_from_file_name(media_stem(path.name, suffixes))
            if title:
                sources.append("文件名")
    if not title:
        title = f"未命名课件（{one_line(path.name)}）"
        sources.append("待补标题")
    if row and not row.title and (row.speaker or row.summary or row.categories):
        sources.append(f"目录表{row.where}")
    speaker = (row.speaker if row else "") or speaker_from_tags(tags) or default_speaker
    return Naming(
        title=title[:TITLE_MAX].strip(),
        speaker=speaker[:SPEAKER_MAX],
        summary=(row.summary if row else "")[:SUMMARY_MAX],
        categories=list(row.categories) if row else [],
        source="，".join(dict.fromkeys(sources)),
    )
