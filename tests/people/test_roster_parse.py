"""Reading roster cells and sheets: every shape real rosters hold."""

from __future__ import annotations

import datetime
import io
import zipfile

import pytest
from openpyxl import load_workbook

from tests.factories import OrgFactory
from tests.people.roster_support import (
    id_number,
    id_number_ending_x,
    roster_bytes,
    upload,
    use_tmp_private_storage,
    workbook_bytes,
)
from xianfeng.common.errors import Refused
from xianfeng.orgs.enums import OrgKind
from xianfeng.people import services
from xianfeng.people.checks import MemberData
from xianfeng.people.exports import HEADERS
from xianfeng.people.models import RosterImport
from xianfeng.people.roster import (
    MSG_ID_NUMBER_CELL,
    MSG_NOT_XLSX,
    MSG_OLD_XLS,
    RosterUnreadable,
    normalize_header,
    read_date,
    read_id_number,
    read_phone,
    read_roster,
    roster_template,
)

D = datetime.date
TODAY = D(2025, 3, 1)


@pytest.fixture(autouse=True)
def _private_storage(monkeypatch, tmp_path):
    use_tmp_private_storage(monkeypatch, tmp_path)


# --- cells ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2020-07-01",
        "2020/7/1",
        "2020.7.1",
        "2020年7月1日",
        "２０２０年７月１日",
        "20200701",
        20200701,
        "2020-07-01 00:00:00",
        datetime.datetime(2020, 7, 1),
        D(2020, 7, 1),
        44013,
        44013.0,
    ],
)
def test_read_date_accepts_every_shape(value):
    cell = read_date(value)
    assert (cell.value, cell.problem) == (D(2020, 7, 1), "")


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (2020, "只填了年份“2020”，请填写完整日期，如 2020-07-01"),
        ("2020", "只填了年份“2020”，请填写完整日期，如 2020-07-01"),
        ("2020年", "只填了年份“2020年”，请填写完整日期，如 2020-07-01"),
        ("2020-02-30", "日期“2020-02-30”不存在，请核对"),
        ("20200230", "日期“20200230”不存在，请核对"),
        ("1990年3月", "只填了年月“1990年3月”，请填写完整日期，如 1990-03-01"),
        ("1990-03", "只填了年月“1990-03”，请填写完整日期，如 1990-03-01"),
        ("199003", "只填了年月“199003”，请填写完整日期，如 1990-03-01"),
        ("1990-13", "日期“1990-13”不存在，请核对"),
        ("1850-01-01", "日期“1850-01-01”早于 1900 年，请核对"),
        ("七一", "看不懂的日期“七一”，请写成 2020-07-01 这样的格式"),
        (-5, "看不懂的日期“-5”，请写成 2020-07-01 这样的格式"),
    ],
)
def test_read_date_problems(value, problem):
    cell = read_date(value)
    assert (cell.value, cell.problem) == (None, problem)


def test_read_date_empty_is_no_date():
    assert read_date(None).value is None
    assert read_date("  ").problem == ""


@pytest.mark.parametrize(
    ("value", "phone"),
    [
        (13812345678, "13812345678"),
        (13812345678.0, "13812345678"),
        ("１３８ １２３４ ５６７８", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        (None, ""),
    ],
)
def test_read_phone(value, phone):
    assert read_phone(value) == (phone, "")


def test_read_phone_problems():
    assert read_phone("0531-8888888") == ("", "“0531-8888888”不是 11 位手机号")
    assert read_phone("138****5678") == (
        "",
        "手机号中有“*”，是隐去了部分数字的号码，请填写完整号码",
    )


def test_read_id_number_never_trusts_a_number_cell():
    real = id_number(D(1990, 3, 7), 101)
    assert read_id_number(int(real[:17] + "0")) == ("", MSG_ID_NUMBER_CELL)
    assert read_id_number(1.10105199003071e17) == ("", MSG_ID_NUMBER_CELL)
    assert read_id_number("1.10105E+17") == ("", MSG_ID_NUMBER_CELL)
    assert read_id_number("1.10105e17") == ("", MSG_ID_NUMBER_CELL)


def test_read_id_number_text():
    with_x = id_number_ending_x(D(1990, 3, 7))
    assert read_id_number(with_x.lower()) == (with_x, "")
    assert read_id_number(" " + with_x[:6] + "　" + with_x[6:]) == (with_x, "")
    assert read_id_number("1101**********1234") == (
        "",
        "身份证号中有“*”，是隐去了部分数字的号码，请填写完整号码",
    )
    assert read_id_number("11010519900307") == (
        "",
        "身份证号应为 18 位：17 位数字加 1 位数字或 X",
    )


@pytest.mark.parametrize(
    ("raw", "header"),
    [
        ("身份证号码（必填）", "身份证号码"),
        ("*姓 名", "姓名"),
        ("出生日期(年月日)", "出生日期"),
        ("手机号码\n", "手机号码"),
        ("所在党组织【全称】", "所在党组织"),
    ],
)
def test_normalize_header(raw, header):
    assert normalize_header(raw) == header


# --- files and sheets ----------------------------------------------------------------------


def read(data: bytes, org, **kwargs):
    return read_roster(io.BytesIO(data), org=org, max_rows=100, today=TODAY, **kwargs)


def test_old_xls_and_other_files_get_a_clear_message(county):
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512
    with pytest.raises(RosterUnreadable) as excinfo:
        read(ole, county.branch_a1)
    assert excinfo.value.message == MSG_OLD_XLS
    with pytest.raises(RosterUnreadable) as excinfo:
        read("姓名,身份证号\n张三,1\n".encode(), county.branch_a1)
    assert excinfo.value.message == MSG_NOT_XLSX
    not_a_workbook = io.BytesIO()
    with zipfile.ZipFile(not_a_workbook, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    with pytest.raises(RosterUnreadable) as excinfo:
        read(not_a_workbook.getvalue(), county.branch_a1)
    assert excinfo.value.message == MSG_NOT_XLSX


def test_no_sheet_with_a_header_is_one_clear_error(county):
    data = workbook_bytes({"说明": [["填表说明"], ["姓名请填全名"]], "Sheet2": [["a", "b"]]})
    with pytest.raises(RosterUnreadable) as excinfo:
        read(data, county.branch_a1)
    assert excinfo.value.message == (
        "没有找到表头：表格前 15 行中应有一行列名，包含“姓名”“身份证号”等。可下载导入模板对照填写"
    )


def test_header_below_row_15_is_not_found(county):
    rows = [["说明"]] * 15 + [["姓名", "性别", "身份证号"]]
    with pytest.raises(RosterUnreadable):
        read(workbook_bytes({"名册": rows}), county.branch_a1)


def test_missing_required_column_and_duplicate_columns_are_sheet_errors(county):
    data = workbook_bytes(
        {
            "一支部": [["姓名", "性别", "手机号"], ["张三", "男", "13812345678"]],
            "二支部": [
                ["姓名", "身份证号", "手机号码", "联系电话"],
                ["李四", id_number(D(1980, 1, 1), 1), "13812345678", "13812345679"],
            ],
        }
    )
    parsed = read(data, county.branch_a1)
    assert parsed.errors == [
        {"sheet": "一支部", "row": 1, "column": "", "message": "缺少“身份证号”列"},
        {
            "sheet": "二支部",
            "row": 1,
            "column": "",
            "message": "“手机号码”和“联系电话”是同一项，请删去其中一列",
        },
    ]
    assert parsed.rows == []


def test_rows_from_several_sheets_and_duplicates_across_them(county):
    header = ["姓名", "身份证号", "手机号", "所在党组织"]
    same_phone = "13812345678"
    data = workbook_bytes(
        {
            "东街": [header, ["张三", id_number(D(1980, 1, 1), 1), same_phone, "东街社区党支部"]],
            "填表说明": [["本表由支部填写"]],
            "西街": [header, ["李四", id_number(D(1980, 1, 2), 3), same_phone, "西街社区党支部"]],
        }
    )
    parsed = read(data, county.town_a)
    assert [(r.sheet, r.row, r.data.name, r.org_name) for r in parsed.rows] == [
        ("东街", 2, "张三", "东街社区党支部"),
        ("西街", 2, "李四", "西街社区党支部"),
    ]
    assert parsed.errors == [
        {
            "sheet": "西街",
            "row": 2,
            "column": "手机号",
            "message": "手机号与工作表“东街”第 2 行重复",
        }
    ]


def test_clean_row_reads_into_exact_values(county):
    with_x = id_number_ending_x(D(1990, 3, 7))
    data = workbook_bytes(
        {
            "名册": [
                ["青山县城关镇东街社区党员花名册"],
                ["填报日期：2025年1月"],
                [
                    "序号",
                    "姓　名",
                    "出生年月",
                    "公民身份号码*",
                    "手机",
                    "入党时间",
                    "转正时间",
                    "文化程度",
                    "人员类别",
                    "是否流动党员",
                    "外出地点",
                    "党支部",
                    "党小组",
                    "职务",
                    "民族",
                    "备注",
                ],
                [
                    1,
                    "赵　六",
                    "1990年3月",
                    with_x.lower(),
                    13812340007,
                    20100701,
                    datetime.datetime(2011, 7, 1),
                    "大专",
                    "正式",
                    "√",
                    "广东省 深圳市",
                    "第一党小组",
                    None,
                    "宣传委员",
                    "回族",
                    "调入",
                ],
                [
                    2,
                    "Ali Hasan",
                    "1991-04-02",
                    id_number(D(1991, 4, 2), 2),
                    None,
                    "2024-09-01",
                    None,
                    "硕士",
                    None,
                    "N",
                    None,
                    "A1",
                    "第一党小组",
                    None,
                    None,
                    None,
                ],
            ]
        },
        merges={"名册": ["A1:P1"]},
    )
    parsed = read(data, county.town_a)
    assert parsed.errors == []
    first, second = parsed.rows
    assert (first.sheet, first.row) == ("名册", 4)
    assert first.data == MemberData(
        name="赵六",
        phone="13812340007",
        id_number=with_x,
        gender="M",
        ethnicity="回族",
        birth_date=D(1990, 3, 7),
        education="college",
        joined_on=D(2010, 7, 1),
        confirmed_on=D(2011, 7, 1),
        status="full",
        is_mobile=True,
        mobile_place="广东省 深圳市",
        position="宣传委员",
        org_id=county.branch_a1.pk,
        group_id=county.group_a1.pk,
    )
    assert (first.org_name, first.group_name) == ("东街社区党支部", "第一党小组")
    # A code in the org column; joined within a year and not confirmed: probationary.
    assert second.data == MemberData(
        name="Ali Hasan",
        phone="",
        id_number=id_number(D(1991, 4, 2), 2),
        gender="F",
        ethnicity="汉族",
        birth_date=D(1991, 4, 2),
        education="postgraduate",
        joined_on=D(2024, 9, 1),
        status="probationary",
        org_id=county.branch_a1.pk,
        group_id=county.group_a1.pk,
    )


def test_org_resolution_inside_the_target_subtree(county):
    OrgFactory(code="A2G1", name="第一党小组", kind=OrgKind.GROUP, parent=county.branch_a2)
    header = ["姓名", "身份证号", "所在党组织", "组织代码", "党小组"]
    people = [
        ["甲", None, "A2", None, None],  # a code in the name column
        ["乙", None, None, "A1", "第一党小组"],  # code column, group by name under it
        ["丙", None, "东街社区党支部", "A2", None],  # name and code disagree
        ["丁", None, "柳湾村党支部", None, None],  # exists, but in another town
        ["戊", None, None, "B1", None],  # code outside the subtree
        ["己", None, "东街社区党支部", None, "第九党小组"],  # no such group there
        ["庚", None, "第一党小组", None, None],  # two groups of that name in the town
        ["辛", None, None, None, None],  # empty: the target org
    ]
    for n, person in enumerate(people, start=1):
        person[1] = id_number(D(1980, 2, n), n)
    parsed = read(workbook_bytes({"名册": [header, *people]}), county.town_a)
    assert parsed.errors == [
        {"sheet": "名册", "row": 4, "column": "所在党组织",
         "message": "组织代码“A2”是“西街社区党支部”，与所在党组织“东街社区党支部”不一致"},
        {"sheet": "名册", "row": 5, "column": "所在党组织",
         "message": "找不到党组织“柳湾村党支部”（须在“城关镇党委”之下）"},
        {"sheet": "名册", "row": 6, "column": "组织代码",
         "message": "找不到组织代码“B1”（须在“城关镇党委”之下）"},
        {"sheet": "名册", "row": 7, "column": "党小组",
         "message": "“东街社区党支部”下没有党小组“第九党小组”"},
        {"sheet": "名册", "row": 8, "column": "所在党组织",
         "message": "有多个党组织叫“第一党小组”，请改填组织代码"},
    ]  # fmt: skip
    by_name = {r.data.name: (r.data.org_id, r.data.group_id) for r in parsed.rows}
    assert by_name["甲"] == (county.branch_a2.pk, None)
    assert by_name["乙"] == (county.branch_a1.pk, county.group_a1.pk)
    assert by_name["辛"] == (county.town_a.pk, None)


def test_party_group_in_the_org_column_means_its_branch(county):
    data = workbook_bytes(
        {
            "名册": [
                ["姓名", "身份证号", "所在支部"],
                ["甲", id_number(D(1980, 1, 1), 1), "第一党小组"],
            ]
        }
    )
    (row,) = read(data, county.branch_a1).rows
    assert (row.data.org_id, row.data.group_id) == (county.branch_a1.pk, county.group_a1.pk)
    assert (row.org_name, row.group_name) == ("东街社区党支部", "第一党小组")


def test_empty_org_cell_needs_a_target_members_can_belong_to(county):
    data = workbook_bytes(
        {"名册": [["姓名", "身份证号", "性别"], ["甲", id_number(D(1980, 1, 1), 1), "男"]]}
    )
    parsed = read(data, county.group_a1)
    assert parsed.errors == [
        {
            "sheet": "名册",
            "row": 2,
            "column": "所在党组织",
            "message": "请填写所在党组织（“第一党小组”是党小组，党员须编入党支部等组织）",
        }
    ]


def test_empty_id_number_and_other_values(county):
    header = ["姓名", "身份证号", "性别", "党员类别", "流动党员", "民族"]
    rows = [
        ["甲", None, "男", "正式党员", "是", "汉"],
        ["乙", id_number(D(1980, 1, 2), 2), "F", "党员", "有时", "x" * 21],
    ]
    parsed = read(workbook_bytes({"名册": [header, *rows]}), county.branch_a1)
    assert [(e["row"], e["column"], e["message"]) for e in parsed.errors] == [
        (2, "身份证号", "请填写身份证号"),
        (2, "流动去向", "流动党员请填写流动去向"),
        (3, "性别", "性别应填“男”或“女”，不是“F”"),
        (3, "党员类别", "党员类别应填“正式党员”或“预备党员”，不是“党员”"),
        (3, "流动党员", "流动党员应填“是”或“否”，不是“有时”"),
        (3, "民族", "民族过长（最多 20 个字）"),
    ]


def test_sample_reads_only_the_first_rows(county, django_assert_max_num_queries):
    rows = [{"姓名": f"党员{n}", "身份证号": id_number(D(1980, 1, 1), n)} for n in range(1, 30)]
    with django_assert_max_num_queries(1):  # the org subtree; no duplicate checks
        parsed = read(roster_bytes(rows), county.branch_a1, limit=5)
    assert [r.data.name for r in parsed.rows] == ["党员1", "党员2", "党员3", "党员4", "党员5"]


# --- limits and the template, through the preview service ----------------------------------


@pytest.mark.django_db
def test_too_big_file_is_refused(county, settings):
    settings.ROSTER_MAX_BYTES = 1024 * 1024
    data = roster_bytes([{"姓名": "甲", "身份证号": id_number(D(1980, 1, 1), 1)}])
    big = upload(data + b"\0" * (1024 * 1024 + 200_000))
    with pytest.raises(Refused) as excinfo:
        services.roster_import_preview(actor=county.secretary_a1, org=county.branch_a1, upload=big)
    assert excinfo.value.message == (
        "文件太大（1.2 MB），最大 1 MB；请删去照片等无关内容，或分成几个文件上传"
    )
    assert RosterImport.objects.count() == 0


@pytest.mark.django_db
def test_too_many_rows_is_refused(county, settings):
    settings.ROSTER_MAX_ROWS = 3
    rows = [{"姓名": f"党员{n}", "身份证号": id_number(D(1980, 1, 1), n)} for n in range(1, 5)]
    with pytest.raises(Refused) as excinfo:
        services.roster_import_preview(
            actor=county.secretary_a1, org=county.branch_a1, upload=upload(roster_bytes(rows))
        )
    assert excinfo.value.message == "表格超过 3 行，一次最多导入 3 人，请分成几个文件导入"
    assert RosterImport.objects.count() == 0


@pytest.mark.django_db
def test_template_has_the_export_headers_and_text_number_columns(county):
    wb = load_workbook(io.BytesIO(roster_template()))
    sheet = wb["党员名册"]
    assert [c.value for c in sheet[1]] == HEADERS
    id_column = sheet.column_dimensions["G"]
    assert (sheet["G1"].value, id_column.number_format) == ("身份证号", "@")
    assert sheet.column_dimensions["F"].number_format == "@"
    assert sheet.max_row == 1  # nothing under the header to import by mistake
    guide = [row for row in wb["填表说明"].iter_rows(values_only=True)]
    assert guide[7][:2] == ("身份证号", "370102198506150013")
    # The template as downloaded is read by the importer: headers found, no rows.
    with pytest.raises(Refused) as excinfo:
        services.roster_import_preview(
            actor=county.secretary_a1, org=county.branch_a1, upload=upload(roster_template())
        )
    assert excinfo.value.message == "表格中只有表头，没有党员数据"
