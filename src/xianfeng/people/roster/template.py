"""The roster template and its sample rows, written by the one xlsx writer."""

from __future__ import annotations

from django.conf import settings

from xianfeng.common.xlsx import DATE_FORMAT, TEXT_FORMAT, XlsxWriter
from xianfeng.people.exports import HEADERS, WIDTHS
from xianfeng.people.models import RosterImport

# Where to look for the header row: under a title, a date line, a blank row or two.
from xianfeng.people.roster.cells import (
    EDUCATION_HINT,
    RosterUnreadable,
)
from xianfeng.people.roster.reader import (
    RosterRow,
    read_roster,
)


def roster_sample(batch: RosterImport, *, limit: int = 10) -> list[RosterRow]:
    """The first rows of a stored batch as the importer reads them, for the preview page."""
    try:
        with batch.file.open("rb") as handle:
            parsed = read_roster(
                handle, org=batch.org, max_rows=settings.ROSTER_MAX_ROWS, limit=limit
            )
    except (RosterUnreadable, FileNotFoundError):
        return []
    return parsed.rows


# --- the template --------------------------------------------------------------------------


TEXT_COLUMNS = ("手机号", "身份证号", "组织代码")


DATE_COLUMNS = ("出生日期", "入党日期", "转正日期")


EXAMPLE = {
    "姓名": ("张三", "必填"),
    "性别": ("男", "男或女；不填则按身份证号"),
    "民族": ("汉族", "不填为汉族"),
    "出生日期": ("1985-06-15", "不填则按身份证号"),
    "学历": ("本科", EDUCATION_HINT),
    "手机号": ("13812345678", "11 位手机号，不能与他人重复"),
    "身份证号": ("370102198506150013", "必填；18 位，本列已设为文本格式，请勿改为数字"),
    "入党日期": ("2010-07-01", "如 2010-07-01，须年满 18 周岁"),
    "转正日期": ("2011-07-01", "预备党员不填"),
    "党员类别": ("正式党员", "正式党员或预备党员"),
    "流动党员": ("否", "是或否"),
    "流动去向": ("", "流动党员必填，如：广东省深圳市"),
    "所在党组织": ("东街社区党支部", "不填则为导入时选择的组织；重名时请填组织代码"),
    "组织代码": ("", "可不填"),
    "党小组": ("第一党小组", "可不填"),
    "党内职务": ("", "可不填，如：组织委员"),
}


def roster_template() -> bytes:
    """An empty roster workbook with the importer's headers, and a sheet explaining them."""
    notes = {}
    for index, title in enumerate(HEADERS, start=1):
        example, note = EXAMPLE.get(title, ("", ""))
        if note:
            notes[index] = f"{note}\n示例：{example}" if example else note
    formats = {}
    for index, title in enumerate(HEADERS, start=1):
        if title in TEXT_COLUMNS:
            # New cells typed into the column take its style: ID numbers stay text.
            formats[index] = TEXT_FORMAT
        elif title in DATE_COLUMNS:
            formats[index] = DATE_FORMAT
    book = XlsxWriter()
    book.sheet(
        "党员名册",
        HEADERS,
        widths=WIDTHS,
        notes=notes,
        formats=formats,
        choices={
            HEADERS.index(title) + 1: options
            for title, options in (
                ("性别", ["男", "女"]),
                ("党员类别", ["正式党员", "预备党员"]),
                ("流动党员", ["是", "否"]),
                ("学历", ["研究生", "本科", "大专", "中专", "高中", "初中", "小学及以下"]),
            )
        },
    )
    guide = book.sheet("填表说明", ["列名", "示例", "说明"], widths=[12, 22, 60])
    for title in HEADERS:
        example, note = EXAMPLE.get(title, ("", ""))
        guide.append([title, example, note])
    guide.append([])
    guide.append(["", "", "从第 2 行起每行填一人；表头可以在标题行之下，列的顺序不限。"])
    guide.append(["", "", "身份证号、手机号列请保持“文本”格式，否则 Excel 会改动号码。"])
    return book.to_bytes()
