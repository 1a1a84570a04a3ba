"""现场竞答 run from a village site's TV (1280×720, keyboard only: arrow keys, OK, back):
the room's tile on the player, OK asks the question, two phones answer, the screen counts
the answers without telling who is right, OK reveals the answer and the leaderboard, and
the last OK ends it. Nothing overflows the screen and no script breaks the CSP."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login
from tests.browser.test_remote_loop import until
from tests.conftest import PASSWORD
from tests.factories import MemberFactory, UserFactory, make_site
from xianfeng.remote import services as remote_services
from xianfeng.study.bank import fingerprint
from xianfeng.study.models import Question, QuizRoom, RoomAnswer
from xianfeng.study.services import rooms

pytestmark = pytest.mark.django_db(transaction=True)

EXPLAIN = "大屏解析：遵义会议在 1935 年 1 月召开"


def test_a_village_runs_a_room_from_its_tv(new_page, county):
    for stem, answer in (("遵义会议在 1935 年召开。", ["T"]), ("党的一大在北京闭幕。", ["F"])):
        Question.objects.create(
            org=county.county,
            kind="judge",
            stem=stem,
            options=[],
            answer=answer,
            explanation=EXPLAIN,
            fingerprint=fingerprint("judge", stem),
        )
    MemberFactory(org=county.branch_a1, user=UserFactory(username="member_a1b", name="刘东街"))
    site = make_site(county.branch_a1, code="DJ01", name="东街社区远程教育站点")
    room = rooms.room_create(
        actor=county.secretary_a1,
        org=county.branch_a1,
        title="东街主题党日竞答",
        count=2,
        seconds=60,
    )
    _, key = remote_services.device_token_issue(actor=None, site=site, label="会议室电视")

    tv = new_page(width=1280, height=720)
    tv.goto("/remote/tv/pair/")
    tv.evaluate(f"window.localStorage.setItem('xf_device_token', '{key}')")
    tv.goto("/remote/tv/")
    tv.wait_for_selector("text=东街主题党日竞答")
    assert "东街主题党日竞答" in tv.evaluate("document.activeElement.textContent")
    tv.keyboard.press("Enter")
    tv.wait_for_selector("#show:not([hidden])")
    until(tv, "document.activeElement.id === 'show-next'")
    assert tv.locator("#show-next").inner_text() == "出题（按确定）"
    assert room.code in tv.locator("#show-join").inner_text()

    phones = []
    for username in ("member_a1", "member_a1b"):
        phone = new_page(360, 740)
        login(phone, username, PASSWORD)
        phone.goto(f"/study/rooms/{room.pk}/")
        phones.append(phone)

    tv.keyboard.press("Enter")  # 出题
    first = QuizRoom.objects.get(pk=room.pk).paper[0]
    right, wrong = ("对", "错") if first["key"] == ["T"] else ("错", "对")
    tv.wait_for_selector(f"text={first['stem']}")
    until(tv, "/剩余 (5[0-9]|60) 秒/.test(document.getElementById('show-left').textContent)")
    assert tv.locator("#show-next").inner_text() == "公布答案（按确定）"
    for phone, text in zip(phones, (right, wrong), strict=True):
        phone.wait_for_selector(f"text={first['stem']}", timeout=10_000)
        phone.locator("button.room-choice", has_text=text).first.click()
        phone.wait_for_selector("text=已提交，等待公布答案")
    assert RoomAnswer.objects.count() == 2
    tv.wait_for_selector("text=已有 2 人作答", timeout=10_000)
    # Before the reveal nothing on the wall tells who is right: no key, no points.
    show = tv.locator("#show").inner_text()
    assert "正确答案" not in show and EXPLAIN not in show
    assert "张东街" not in show and "刘东街" not in show
    assert tv.locator("#show-board li").all_inner_texts() == ["还没有得分"]

    tv.keyboard.press("Enter")  # 公布答案
    tv.wait_for_selector(f"text=正确答案：{right}")
    assert EXPLAIN in tv.locator("#show-explain").inner_text()
    board = tv.locator("#show-board li").all_inner_texts()
    assert board[0].startswith("1. 张东街") and board[1].startswith("2. 刘东街")
    assert board[1].endswith("0 分")
    phones[0].wait_for_selector("text=答对 +", timeout=10_000)
    assert tv.locator("#show-next").inner_text() == "下一题（按确定）"

    # Everything fits the 1280×720 screen: no scrolling, the OK button and board in view.
    assert tv.evaluate("document.documentElement.scrollWidth") <= 1280
    for selector in ("#show-next", "#show-back", "#show-board"):
        box = tv.locator(selector).bounding_box()
        assert (
            box is not None and box["y"] + box["height"] <= 720 and box["x"] + box["width"] <= 1280
        )

    tv.keyboard.press("Enter")  # 下一题
    second_stem = QuizRoom.objects.get(pk=room.pk).paper[1]["stem"]
    tv.wait_for_selector(f"text={second_stem}")
    tv.keyboard.press("Enter")  # 公布答案 (nobody answered)
    tv.wait_for_selector("text=结束竞答（按确定）")
    tv.keyboard.press("Enter")
    tv.wait_for_selector("text=竞答结束，请看排行榜")
    assert QuizRoom.objects.get(pk=room.pk).state == "finished"
    assert tv.locator("#show-next").is_hidden()
    until(tv, "document.activeElement.id === 'show-back'")

    # 返回: the tiles again, the finished room gone from them.
    tv.keyboard.press("Escape")
    tv.wait_for_selector("#tiles:not([hidden])")
    tv.wait_for_selector("text=今天没有安排收看")
    for page in (tv, *phones):
        assert page.errors == []  # type: ignore[attr-defined]
