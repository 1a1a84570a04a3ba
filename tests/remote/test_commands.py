"""import_sites, remote_bulletin and remote_device_token."""

from __future__ import annotations

import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from tests.factories import UserFactory, make_site
from tests.xlsx_support import opened
from xianfeng.orgs.enums import RoleKind
from xianfeng.orgs.models import Role
from xianfeng.remote import services
from xianfeng.remote.enums import SiteKind, ViewingState
from xianfeng.remote.models import DeviceToken, Site, Viewing

pytestmark = pytest.mark.django_db
CST = ZoneInfo("Asia/Shanghai")


def messy_workbook(path, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(["青山县远程教育站点登记表"])
    ws.merge_cells("A1:G1")
    ws.append(["填报日期：2026年11月"])
    ws.append([])
    ws.append(
        [
            "站点编码",
            "站点名称 *",
            "所属党组织（名称或代码）",
            "类型",
            "地址",
            "管理员手机号",
            "启用日期",
        ]
    )
    for row in rows:
        ws.append(row)
    ws.append([])
    ws.append(["填表人：王秀兰", None, None, None, None, None, None])
    ws.append(["合计", "2 个站点"])
    wb.save(path)
    return path


def test_import_sites_reads_a_messy_sheet(county, tmp_path):
    admin = UserFactory(phone="13712345678", name="赵志强")
    path = messy_workbook(
        tmp_path / "sites.xlsx",
        [
            [
                "ＤＪ０１",
                "东街社区远程教育站点",
                "东街社区党支部",
                "社区站点",
                "东街 1 号",
                "137 1234 5678",
                "2026-03-01",
            ],
            ["LW01", "柳湾村站点", "B1", "村站点", None, None, None],
        ],
    )
    out = StringIO()
    call_command("import_sites", str(path), stdout=out)
    assert out.getvalue() == "已导入 2 个站点\n"
    dj = Site.objects.get(code="DJ01")
    assert (dj.name, dj.org, dj.kind, dj.address, dj.service_start) == (
        "东街社区远程教育站点",
        county.branch_a1,
        SiteKind.COMMUNITY,
        "东街 1 号",
        datetime.date(2026, 3, 1),
    )
    assert Role.objects.filter(user=admin, org=county.branch_a1, kind=RoleKind.SITE_ADMIN).exists()
    lw = Site.objects.get(code="LW01")
    assert (lw.org, lw.kind) == (county.branch_b1, SiteKind.VILLAGE)


def test_import_sites_lists_failed_rows_and_imports_nothing(county, tmp_path):
    make_site(county.branch_a1, code="TAKEN")
    path = messy_workbook(
        tmp_path / "bad.xlsx",
        [
            ["OK01", "好站点", "A1", "村站点", None, None, None],
            ["OK01", "重复站点", "A1", "村站点", None, None, None],
            ["X02", "无名组织站点", "火星村党支部", "村站点", None, None, None],
            ["X03", "类型错误站点", "A1", "卫星站", None, None, None],
            ["TAKEN", "已有站点", "A1", None, None, "13000000000", "2026-13-01"],
        ],
    )
    err = StringIO()
    with pytest.raises(CommandError, match="4 行有错误，未导入任何站点（共 5 行）"):
        call_command("import_sites", str(path), stderr=err)
    assert err.getvalue().splitlines() == [
        "第 6 行：站点编码“OK01”与第 5 行重复",
        "第 7 行：找不到党组织“火星村党支部”",
        "第 8 行：类型“卫星站”不正确，"
        "应为村站点、社区站点、入户终端、户外示范点、企业站点、学校站点之一",
        "第 9 行：找不到手机号为 13000000000 的用户，请先登记该管理员；"
        "日期“2026-13-01”不存在，请核对；站点编码“TAKEN”已存在",
    ]
    assert list(Site.objects.values_list("code", flat=True)) == ["TAKEN"]


def test_import_sites_limited_to_an_org(county, tmp_path):
    path = messy_workbook(
        tmp_path / "s.xlsx", [["LW01", "柳湾村站点", "B1", None, None, None, None]]
    )
    with pytest.raises(CommandError):
        call_command("import_sites", str(path), "--org", "TA", stderr=StringIO())
    assert not Site.objects.exists()


def test_import_sites_without_a_header(county, tmp_path):
    wb = Workbook()
    wb.active.append(["姓名", "电话"])
    wb.save(tmp_path / "x.xlsx")
    with pytest.raises(CommandError, match="没有找到表头"):
        call_command("import_sites", str(tmp_path / "x.xlsx"))


@pytest.fixture
def month_of_beats(county):
    s1 = make_site(
        county.branch_a1, code="S1", name="东街站点", service_start=datetime.date(2026, 10, 1)
    )
    s2 = make_site(
        county.branch_b1, code="S2", name="=柳湾站点", service_start=datetime.date(2026, 11, 16)
    )
    d1, _ = services.device_token_issue(actor=None, site=s1)
    d2, _ = services.device_token_issue(actor=None, site=s2)
    for day in range(1, 31):
        for minute in range(0, 60, 5):
            when = datetime.datetime(2026, 11, day, 19, minute, tzinfo=CST)
            services.heartbeat_record(device=d1, at=when, now=when)
            later = when + datetime.timedelta(hours=1)
            services.heartbeat_record(device=d1, at=later, now=later)
    when = datetime.datetime(2026, 11, 20, 9, 0, tzinfo=CST)
    services.heartbeat_record(device=d2, at=when, now=when)
    for day in (3, 17):
        Viewing.objects.create(
            site=s1,
            title="学习党的二十届四中全会精神",
            starts_at=datetime.datetime(2026, 11, day, 19, 0, tzinfo=CST),
            state=ViewingState.HELD,
            code_key="k",
        )
    Viewing.objects.create(  # cancelled: not counted
        site=s1,
        title="取消的收看",
        starts_at=datetime.datetime(2026, 11, 5, 19, 0, tzinfo=CST),
        state=ViewingState.CANCELLED,
        code_key="k",
    )
    Viewing.objects.create(  # 1 December 00:30 local is 30 November in UTC: not November's
        site=s1,
        title="十二月",
        starts_at=datetime.datetime(2026, 12, 1, 0, 30, tzinfo=CST),
        state=ViewingState.HELD,
        code_key="k",
    )
    return s1, s2


def test_remote_bulletin_csv(county, month_of_beats):
    out = StringIO()
    call_command("remote_bulletin", "--org", "C", "--month", "2026-11", stdout=out)
    assert out.getvalue().split("\r\n") == [
        "站点编码,站点名称,所属组织,开机天数,在役天数,开机率,运行小时,组织收看次数,达标",
        "S1,东街站点,东街社区党支部,30,30,100.0%,60.0,2,是",
        "S2,'=柳湾站点,柳湾村党支部,1,15,6.7%,0.1,0,否",
        ",小计,城关镇党委,30,30,100.0%,60.0,2,1/1",
        ",小计,河口镇党委,1,15,6.7%,0.1,0,0/1",
        ",合计,青山县委,31,45,68.9%,60.1,2,1/2",
        "",
    ]


def test_remote_bulletin_follows_the_targets_up_the_tree(county, month_of_beats):
    services.target_set(
        actor=county.county_admin, org=county.town_a, min_viewings=3, min_hours=20, boot_rate_pct=95
    )
    out = StringIO()
    call_command("remote_bulletin", "--org", "TA", "--month", "2026-11", stdout=out)
    lines = out.getvalue().split("\r\n")
    assert lines[1] == "S1,东街站点,东街社区党支部,30,30,100.0%,60.0,2,否"
    assert lines[2] == ",小计,东街社区党支部,30,30,100.0%,60.0,2,0/1"
    assert lines[3] == ",合计,城关镇党委,30,30,100.0%,60.0,2,0/1"


def test_remote_bulletin_xlsx_to_a_file(county, month_of_beats, tmp_path):
    target = tmp_path / "通报.xlsx"
    call_command(
        "remote_bulletin",
        "--org",
        "C",
        "--month",
        "2026-11",
        "--format",
        "xlsx",
        "--output",
        str(target),
    )
    (rows,) = opened(target.read_bytes()).values()
    assert rows[0] == ["青山县委 2026年11月远程教育站点开机通报"] + [None] * 8
    assert rows[1][0] == "站点编码"
    assert rows[3][1] == "=柳湾站点"  # text stays text in the workbook
    assert rows[2] == ["S1", "东街站点", "东街社区党支部", 30, 30, "100.0%", 60, 2, "是"]
    assert rows[-1] == [None, "合计", "青山县委", 31, 45, "68.9%", 60.1, 2, "1/2"]


def test_remote_bulletin_refuses_bad_arguments(county):
    with pytest.raises(CommandError, match="找不到组织代码"):
        call_command("remote_bulletin", "--org", "NOPE", "--month", "2026-11")
    with pytest.raises(CommandError, match="2026-11 这样的格式"):
        call_command("remote_bulletin", "--org", "C", "--month", "2026-13")
    with pytest.raises(CommandError, match="--output"):
        call_command("remote_bulletin", "--org", "C", "--month", "2026-11", "--format", "xlsx")


def test_remote_device_token_prints_a_working_token(client, county):
    site = make_site(county.branch_b1, code="LW01")
    out = StringIO()
    call_command("remote_device_token", "LW01", stdout=out)
    key = out.getvalue().strip()
    assert DeviceToken.objects.get(site=site).label == "批量预置终端"
    response = client.post(
        "/api/v1/remote/heartbeat",
        {},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 200
    with pytest.raises(CommandError, match="找不到站点编码"):
        call_command("remote_device_token", "NOPE")
