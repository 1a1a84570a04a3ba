from __future__ import annotations

import datetime

import pytest

from tests.browser.conftest import ARTIFACTS, login
from tests.conftest import PASSWORD
from tests.people.roster_support import id_number, use_tmp_private_storage, workbook_bytes
from xianfeng.people.exports import HEADERS

pytestmark = pytest.mark.django_db(transaction=True)


def roster_file(tmp_path):
    rows = [
        {"姓名": "赵　一", "性别": "男", "手机号": "１３７ ０００１ ０００１", "学历": "本科",
         "身份证号": id_number(datetime.date(1980, 5, 1), 201), "入党日期": "2003年7月1日",
         "转正日期": "2004-07-01", "党员类别": "正式党员", "党小组": "第一党小组"},
        {"姓名": "钱二", "手机号": 13700010002,
         "身份证号": id_number(datetime.date(1990, 8, 8), 202), "入党日期": 41456,
         "党员类别": "正式"},
    ]  # fmt: skip
    sheet = [["东街社区党员花名册"], [], HEADERS, *[[r.get(h) for h in HEADERS] for r in rows]]
    path = tmp_path / "东街名册.xlsx"
    path.write_bytes(workbook_bytes({"花名册": sheet}, merges={"花名册": ["A1:P1"]}))
    return path


def test_secretary_imports_a_roster_from_the_member_list(county, new_page, tmp_path, monkeypatch):
    use_tmp_private_storage(monkeypatch, tmp_path / "private")
    page = new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the data-confirm question
    login(page, "secretary_a1", PASSWORD)
    page.click("text=党员")
    page.wait_for_url("**/members/")
    assert page.locator("#member-results .title").all_inner_texts() == ["张东街"]

    page.click("text=导入名册")
    page.wait_for_url("**/members/import/")
    page.set_input_files("input[name=file]", str(roster_file(tmp_path)))
    page.click("button:has-text('上传并预览')")
    page.wait_for_selector("#import-ready")
    assert page.locator("#import-ready h2").inner_text() == "核对无误，共 2 人"
    rows = page.locator("#import-sample > li")
    assert rows.count() == 2
    assert rows.nth(0).locator(".title").inner_text() == "赵一"
    assert rows.nth(0).locator(".tag").inner_text() == "第 4 行"
    assert "入党 2003-07-01 · 转正 2004-07-01" in rows.nth(0).inner_text()
    assert "东街社区党支部 · 第一党小组" in rows.nth(0).inner_text()
    assert "入党 2013-07-01" in rows.nth(1).inner_text()  # an Excel serial date
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "roster-preview.png"), full_page=True)

    page.click("button:has-text('确认导入')")
    page.wait_for_selector("text=已导入 2 名党员")
    page.click("nav >> text=党员")
    page.wait_for_url("**/members/")
    names = page.locator("#member-results .title").all_inner_texts()
    assert sorted(names) == sorted(["张东街", "赵一", "钱二"])
    assert page.errors == []  # no CSP violation, no script error


def test_secretary_sees_what_to_fix_and_cannot_commit(county, new_page, tmp_path, monkeypatch):
    use_tmp_private_storage(monkeypatch, tmp_path / "private")
    sheet = [
        HEADERS,
        ["孙三", "男", None, None, "大学", None, "1.10105E+17", "2020-02-30"],
        ["李四", None, None, None, None, county.member_a1.user.phone,
         id_number(datetime.date(1990, 8, 8), 204), "2013", None, None, None, None,
         "南街社区党支部"],
    ]  # fmt: skip
    path = tmp_path / "有错.xlsx"
    path.write_bytes(workbook_bytes({"花名册": sheet}))
    page = new_page()
    login(page, "secretary_a1", PASSWORD)
    page.goto("/members/import/")
    page.set_input_files("input[name=file]", str(path))
    page.click("button:has-text('上传并预览')")
    page.wait_for_selector("#import-errors")
    assert page.locator("#import-errors h2").inner_text() == "发现 6 处错误"
    cells = page.locator("#import-errors tbody tr").first.locator("td").all_inner_texts()
    assert cells == [
        "2",
        "学历",
        "看不懂的学历“大学”，可填：研究生、本科、大专、中专、高中、初中、小学及以下",
    ]
    assert page.locator("text=确认导入").count() == 0
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "roster-errors.png"), full_page=True)
    page.click("a:has-text('重新上传')")
    page.wait_for_url("**/members/import/")
    assert page.locator(".list .title").all_inner_texts() == ["有错.xlsx"]
    page.screenshot(path=str(ARTIFACTS / "roster-list.png"), full_page=True)
    assert page.errors == []
