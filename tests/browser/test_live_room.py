"""现场竞答 in Chromium: the host's screen and two phones (360 px). The host asks, the
phones see the question by polling and answer with one tap, nothing on either screen
tells the answer before the host reveals it, then the phones see right or wrong and the
big screen's leaderboard puts the right answer first. No page scrolls sideways and no
script breaks the CSP."""

from __future__ import annotations

import pytest

from tests.browser.conftest import login
from tests.conftest import PASSWORD
from xianfeng.study.bank import LETTERS, fingerprint
from xianfeng.study.models import Question, RoomAnswer
from xianfeng.study.services import rooms

pytestmark = pytest.mark.django_db(transaction=True)

EXPLAIN = "现场解析：一大在上海召开，后转移到嘉兴南湖"


def test_a_host_and_two_phones_play_a_room(new_page, county):
    for kind, stem, options, answer in (
        ("single", "中国共产党第一次全国代表大会在哪里开幕？", ["上海", "北京", "广州"], ["A"]),
        ("judge", "遵义会议在 1935 年召开。", [], ["T"]),
    ):
        Question.objects.create(
            org=county.county,
            kind=kind,
            stem=stem,
            options=options,
            answer=answer,
            explanation=EXPLAIN,
            fingerprint=fingerprint(kind, stem),
        )
    room = rooms.room_create(
        actor=county.town_a_admin, org=county.town_a, title="七一主题党日竞答", count=2, seconds=60
    )
    first = room.paper[0]
    right_text = first["options"][LETTERS.index(first["key"][0])] if first["options"] else "对"
    wrong_text = next((o for o in (first["options"] or ["对", "错"]) if o != right_text), "错")

    host = new_page(1280, 800)
    login(host, "town_admin", PASSWORD)
    host.goto(f"/study/rooms/{room.pk}/host/")
    phones = []
    for username in ("member_a1", "member_a2"):
        phone = new_page(360, 740)
        login(phone, username, PASSWORD)
        phone.goto(f"/study/rooms/{room.pk}/")
        assert phone.locator("#room-phone").inner_text().startswith("请看大屏幕")
        phones.append(phone)

    host.get_by_role("button", name="出题").click()
    host.wait_for_selector("text=已有 0 人作答")
    for phone, text in zip(phones, (right_text, wrong_text), strict=True):
        phone.wait_for_selector(f"text={first['stem']}", timeout=10_000)
        assert "正确答案" not in phone.content() and EXPLAIN not in phone.content()
        phone.locator("button.room-choice", has_text=text).first.click()
        phone.wait_for_selector("text=已提交，等待公布答案")
    assert RoomAnswer.objects.count() == 2
    host.wait_for_selector("text=已有 2 人作答", timeout=10_000)
    assert "正确答案" not in host.content() and EXPLAIN not in host.content()
    # Nor does the leaderboard: nobody has points until the reveal.
    assert host.locator("#room-screen tr.rank-row").count() == 0

    host.get_by_role("button", name="公布答案").click()
    host.wait_for_selector("text=正确答案")
    assert EXPLAIN in host.content()
    phones[0].wait_for_selector("text=答对 +", timeout=10_000)
    phones[1].wait_for_selector("text=答错", timeout=10_000)
    rows = host.locator("#room-screen tr.rank-row")
    rows.first.wait_for(timeout=10_000)
    assert "张东街" in rows.first.inner_text()
    for phone in phones:
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 360
    for page in (host, *phones):
        assert page.errors == []  # type: ignore[attr-defined]
