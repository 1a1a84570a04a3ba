"""Previewing a messy real-world roster: every problem named by sheet, row, column."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import OrgFactory
from tests.people.roster_support import (
    id_number,
    id_number_ending_x,
    upload,
    use_tmp_private_storage,
    workbook_bytes,
)
from xianfeng.audit.models import AuditLog
from xianfeng.orgs.enums import OrgKind
from xianfeng.people import services
from xianfeng.people.checks import MemberData
from xianfeng.people.enums import ImportStatus
from xianfeng.people.models import Member, RosterImport, User
from xianfeng.people.roster import MSG_ID_NUMBER_CELL, read_roster
from xianfeng.people.roster.matching import MSG_ELSEWHERE

pytestmark = pytest.mark.django_db

D = datetime.date
HEADER = [
    "序号", "姓 名", "性别", "民族", "出生年月", "文化程度", "联系电话", "公民身份号码（必填）",
    "入党时间", "转正时间", "人员类别", "是否流动党员", "外出地点", "所在支部", "党小组", "职务",
]  # fmt: skip


def row(**values):
    """A data row in HEADER's order, from the normalised header names."""
    keys = [
        "seq", "name", "gender", "ethnicity", "birth", "education", "phone", "id", "joined",
        "confirmed", "status", "mobile", "place", "org", "group", "position",
    ]  # fmt: skip
    return [values.get(k) for k in keys]


@pytest.fixture(autouse=True)
def _private_storage(monkeypatch, tmp_path):
    use_tmp_private_storage(monkeypatch, tmp_path)


def messy_workbook(county) -> bytes:
    taken_phone = county.member_a1.user.phone
    taken_id = county.member_b1.id_number  # another town's member: still one registry
    zhang = id_number(D(1985, 6, 15), 11)
    rows = [
        ["青山县城关镇党员花名册"],
        [],
        HEADER,
        # 4: full-width digits and spaces, every column clean
        row(
            seq=1,
            name="张　三",
            gender="男",
            ethnicity="汉族",
            birth="1985-06-15",
            education="本科",
            phone="１３８ １２３４ ５６７８",
            id=zhang,
            joined="2010-07-01",
            confirmed="2011/7/1",
            status="正式党员",
            mobile="否",
            org="东街社区党支部",
            group="第一党小组",
            position="组织委员",
        ),
        # 5: Excel turned the ID into a number
        row(seq=2, name="李四", id=110105199003071000, joined="2020.7.1"),
        # 6: ... or into scientific notation text
        row(seq=3, name="王五", id="1.10105E+17", joined="2020年7月1日"),
        # 7: compact, real date cell, 出生年月 agreeing with a lower-case-x ID: all fine
        row(
            seq=4,
            name="赵六",
            birth="1990年3月",
            id=id_number_ending_x(D(1990, 3, 7)).lower(),
            joined=20100701,
            confirmed=datetime.datetime(2011, 7, 1),
            phone=13812340007,
        ),
        # 8: a serial date; an org that is not under the town
        row(
            seq=5, name="钱七", id=id_number(D(1980, 1, 2), 13), joined=44013, org="南街社区党支部"
        ),
        # 9: two party groups share the name
        row(seq=6, name="孙八", id=id_number(D(1980, 1, 3), 15), org="第二党小组"),
        # 10: phone repeated from row 4
        row(seq=7, name="周九", id=id_number(D(1980, 1, 4), 17), phone="13812345678"),
        # 11: a bare year; a date that does not exist
        row(
            seq=8, name="吴十", id=id_number(D(1980, 1, 5), 19), joined=2020, confirmed="2021-02-30"
        ),
        # 12: month only where a day is needed; 出生年月 not matching the ID
        row(
            seq=9,
            name="郑十一",
            id=id_number(D(1985, 5, 1), 21),
            birth="1990年3月",
            joined="1990-03",
        ),
        # 13: unreadable date
        row(seq=10, name="冯十二", id=id_number(D(1980, 1, 6), 23), joined="去年七月"),
        # 14: blank except the serial number column: skipped
        row(seq=11),
        # 15: phone already registered
        row(seq=12, name="陈十三", id=id_number(D(1980, 1, 7), 25), phone=taken_phone),
        # 16: mobile without a place; probationary with a confirmation date
        row(
            seq=13,
            name="褚十四",
            id=id_number(D(1980, 1, 8), 27),
            mobile="是",
            status="预备党员",
            joined="2024-07-01",
            confirmed="2025-07-01",
        ),
        # 17: joined at 15; unknown education; gender against the ID
        row(
            seq=14,
            name="卫十五",
            id=id_number(D(2000, 1, 1), 29),
            joined="2015-07-01",
            education="大学",
            gender="女",
        ),
        # 18: a date in the future; a wrong check digit
        row(seq=15, name="蒋十六", id=id_number(D(1980, 1, 9), 31)[:17] + "0", joined="2099-01-01"),
        # 19: ID repeated from row 4
        row(seq=16, name="沈十七", id=zhang),
        # 20: ID already in the registry; "+86" phone is fine
        row(seq=17, name="韩十八", id=taken_id, phone="+86 139 1234 0000"),
        # 21: no name
        row(seq=18, id=id_number(D(1980, 1, 10), 33)),
    ]
    guide = [["填表说明"], ["1. 每行一人"], ["2. 身份证号请用文本格式"]]
    return workbook_bytes(
        {"花名册": rows, "填表说明": guide},
        merges={"花名册": ["A1:P1"]},
        formats={"花名册": {"J7": "yyyy-mm-dd"}},
    )


@pytest.fixture
def groups_named_alike(county):
    OrgFactory(code="A1G2", name="第二党小组", kind=OrgKind.GROUP, parent=county.branch_a1)
    OrgFactory(code="A2G2", name="第二党小组", kind=OrgKind.GROUP, parent=county.branch_a2)


def test_preview_messy_workbook_lists_each_problem_and_writes_no_member(county, groups_named_alike):
    users, members = User.objects.count(), Member.objects.count()
    batch = services.roster_import_preview(
        actor=county.town_a_admin, org=county.town_a, upload=upload(messy_workbook(county))
    )
    s = "花名册"
    assert batch.errors == [
        {"sheet": s, "row": 5, "column": "公民身份号码", "message": MSG_ID_NUMBER_CELL},
        {"sheet": s, "row": 6, "column": "公民身份号码", "message": MSG_ID_NUMBER_CELL},
        {"sheet": s, "row": 8, "column": "所在支部",
         "message": "找不到党组织“南街社区党支部”（须在“城关镇党委”之下）"},
        {"sheet": s, "row": 9, "column": "所在支部",
         "message": "有多个党组织叫“第二党小组”，请改填组织代码"},
        {"sheet": s, "row": 10, "column": "联系电话", "message": "手机号与第 4 行重复"},
        {"sheet": s, "row": 11, "column": "入党时间",
         "message": "只填了年份“2020”，请填写完整日期，如 2020-07-01"},
        {"sheet": s, "row": 11, "column": "转正时间", "message": "日期“2021-02-30”不存在，请核对"},
        {"sheet": s, "row": 12, "column": "出生年月",
         "message": "出生年月“1990年3月”与身份证号（1985-05-01）不一致"},
        {"sheet": s, "row": 12, "column": "入党时间",
         "message": "只填了年月“1990-03”，请填写完整日期，如 1990-03-01"},
        {"sheet": s, "row": 13, "column": "入党时间",
         "message": "看不懂的日期“去年七月”，请写成 2020-07-01 这样的格式"},
        {"sheet": s, "row": 15, "column": "联系电话",
         "message": "该手机号已被系统中的其他用户使用"},
        {"sheet": s, "row": 16, "column": "转正时间", "message": "预备党员不应有转正日期"},
        {"sheet": s, "row": 16, "column": "外出地点", "message": "流动党员请填写流动去向"},
        {"sheet": s, "row": 17, "column": "性别", "message": "性别与身份证号不一致"},
        {"sheet": s, "row": 17, "column": "文化程度",
         "message": "看不懂的学历“大学”，可填：研究生、本科、大专、中专、高中、初中、小学及以下"},
        {"sheet": s, "row": 17, "column": "入党时间",
         "message": "入党时未满 18 周岁，请核对入党日期或出生日期"},
        {"sheet": s, "row": 18, "column": "公民身份号码",
         "message": "身份证号校验位不正确，请核对是否抄错"},
        {"sheet": s, "row": 18, "column": "入党时间", "message": "入党日期不能晚于今天"},
        {"sheet": s, "row": 19, "column": "公民身份号码", "message": "身份证号与第 4 行重复"},
        {"sheet": s, "row": 20, "column": "公民身份号码",
         "message": MSG_ELSEWHERE},
        {"sheet": s, "row": 21, "column": "姓名", "message": "请填写姓名"},
    ]  # fmt: skip
    assert batch.row_count == 17  # rows 4–21 less the blank row 14
    assert batch.status == ImportStatus.PREVIEWED
    assert (User.objects.count(), Member.objects.count()) == (users, members)
    assert RosterImport.objects.count() == 1
    assert batch.file.name.startswith("imports/")
    log = AuditLog.objects.get(action="roster_import.preview")
    assert log.data == {"filename": "名册.xlsx", "rows": 17, "errors": 21}


def test_preview_of_someone_elses_org_is_denied(county):
    with pytest.raises(PermissionDenied):
        services.roster_import_preview(
            actor=county.secretary_a1, org=county.branch_b1, upload=upload(messy_workbook(county))
        )
    assert RosterImport.objects.count() == 0


def test_messy_workbook_rows_without_problems_read_exactly(county, groups_named_alike):
    parsed = read_roster(
        io.BytesIO(messy_workbook(county)), org=county.town_a, max_rows=100, today=D(2025, 3, 1)
    )
    by_row = {r.row: r.data for r in parsed.rows}
    assert sorted(by_row) == [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 17, 18, 19, 20, 21]
    assert by_row[4] == MemberData(
        name="张三",
        phone="13812345678",
        id_number=id_number(D(1985, 6, 15), 11),
        gender="M",
        birth_date=D(1985, 6, 15),
        education="bachelor",
        joined_on=D(2010, 7, 1),
        confirmed_on=D(2011, 7, 1),
        status="full",
        position="组织委员",
        org_id=county.branch_a1.pk,
        group_id=county.group_a1.pk,
    )
    assert by_row[7] == MemberData(
        name="赵六",
        phone="13812340007",
        id_number=id_number_ending_x(D(1990, 3, 7)),
        gender="M",
        birth_date=D(1990, 3, 7),
        joined_on=D(2010, 7, 1),
        confirmed_on=D(2011, 7, 1),
        status="full",
        org_id=county.town_a.pk,  # the org cell is empty: the import's target
    )
    assert by_row[8].joined_on == D(2020, 7, 1)  # Excel serial 44013
    assert by_row[20].phone == "13912340000"  # "+86 139 1234 0000"
