"""走上讲台 in Chromium: the host runs two speeches from the console, three judges score on
their own phones, the big screen follows. One judge's phone is offline for the second
speech: the score waits on the device and arrives when the network is back. Revealed
scores are locked: the sheet is closed and the server refuses a change."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from tests.browser.conftest import login
from tests.conftest import PASSWORD
from tests.factories import MemberFactory, UserFactory, grant
from xianfeng.contests import services
from xianfeng.contests.enums import Aggregation, Level
from xianfeng.contests.models import Review, StageSlot
from xianfeng.orgs.enums import RoleKind

pytestmark = pytest.mark.django_db(transaction=True)


def _setup(county):
    admin = county.county_admin
    today = timezone.localdate()
    contest = services.contest_create(
        actor=admin,
        org=county.county,
        title="青山县“一人一课”现场决赛",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=5),
    )
    round_ = services.round_add(
        actor=admin,
        contest=contest,
        name="现场决赛",
        level=Level.ORGANISER,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=5),
        aggregation=Aggregation.MEAN,
        criteria=[
            services.CriterionData("思想性", Decimal(40)),
            services.CriterionData("表达", Decimal(60)),
        ],
        on_stage=True,
    )
    services.contest_open(actor=admin, contest=contest)
    judges = []
    for i in range(3):
        user = UserFactory(username=f"stage{i}", name=f"现场评委{i}")
        MemberFactory(user=user, org=county.county)
        grant(user, county.county, RoleKind.JUDGE)
        services.judge_assign(actor=admin, round_=round_, user=user)
        judges.append(user)
    entries = [
        services.stage_entry_add(actor=admin, round_=round_, speaker=member, topic=topic)
        for member, topic in (
            (county.member_a1, "矿灯下的初心"),
            (county.member_b1, "柳湾修路记"),
        )
    ]
    return contest, round_, judges, entries


def _score(page, entry_id, a, b):
    sheet = page.locator(f".stage-sheet[data-entry='{entry_id}']")
    sheet.locator("input[data-criterion]").nth(0).fill(str(a))
    sheet.locator("input[data-criterion]").nth(1).fill(str(b))
    sheet.locator("button.stage-submit").click()
    return sheet


def test_an_on_stage_round_with_a_judge_offline(county, new_page):
    contest, round_, judges, entries = _setup(county)
    base = f"/contests/{contest.pk}/rounds/{round_.number}/stage/"
    first, second = (e.pk for e in entries)

    host = new_page(1280, 900)
    login(host, "county_admin", PASSWORD)
    host.on("dialog", lambda dialog: dialog.accept())
    host.goto(base)
    board = new_page(1920, 1080)
    login(board, "member_a2", PASSWORD)
    board.goto(base + "board/")
    sheets = []
    for judge in judges:
        page = new_page(390, 844)
        login(page, judge.username, PASSWORD)
        page.goto(base + "judge/")
        sheets.append(page)

    # Speech 1: judges score while the speaker speaks; two press submit before the end.
    host.locator(f".stage-slot[data-entry='{first}'] button.stage-start").click()
    board.wait_for_selector("#stage-now-who:has-text('张东街')")
    for page in sheets:
        page.wait_for_selector(f".stage-sheet[data-entry='{first}'][open]")
    _score(sheets[0], first, 90, 80)
    _score(sheets[1], first, 80, 90)
    sheets[0].wait_for_selector(f".stage-sheet[data-entry='{first}'] >> text=演讲结束后自动送达")
    assert Review.objects.count() == 0
    host.locator(f".stage-slot[data-entry='{first}'] button.stage-stop").click()
    for page in sheets[:2]:
        page.wait_for_selector(f".stage-sheet[data-entry='{first}'] >> text=评分已送达")
    _score(sheets[2], first, 70, 70)
    sheets[2].wait_for_selector(f".stage-sheet[data-entry='{first}'] >> text=评分已送达")
    host.wait_for_selector(f".stage-slot[data-entry='{first}'] >> text=已提交 3/3")
    host.locator(f".stage-slot[data-entry='{first}'] button.stage-reveal").click()
    # (84 + 86 + 70) / 3 = 80.
    board.wait_for_selector(f"tr[data-entry='{first}'] .stage-score:has-text('80.000')")

    # Speech 2: the third judge's phone loses its connection.
    offline = sheets[2]
    offline.context.set_offline(True)
    host.locator(f".stage-slot[data-entry='{second}'] button.stage-start").click()
    host.locator(f".stage-slot[data-entry='{second}'] button.stage-stop").click()
    for page in sheets[:2]:
        page.wait_for_selector(f".stage-sheet[data-entry='{second}'][open]")
    _score(sheets[0], second, 95, 95)
    _score(sheets[1], second, 85, 85)
    offline.locator(f".stage-sheet[data-entry='{second}'] summary").click()
    _score(offline, second, 90, 90)
    offline.wait_for_selector(f".stage-sheet[data-entry='{second}'] >> text=保存在本机")
    queued = offline.evaluate(
        "key => JSON.parse(localStorage.getItem(key) || '[]').length",
        f"xf_stage_{contest.pk}_{round_.number}_{judges[2].pk}",
    )
    assert queued == 1
    host.wait_for_selector(f".stage-slot[data-entry='{second}'] >> text=已提交 2/3")
    assert not Review.objects.filter(judge=judges[2], entry_id=second).exists()
    offline.context.set_offline(False)
    offline.wait_for_selector(f".stage-sheet[data-entry='{second}'] >> text=评分已送达")
    assert Review.objects.filter(judge=judges[2], entry_id=second).exists()
    host.wait_for_selector(f".stage-slot[data-entry='{second}'] >> text=已提交 3/3")
    host.locator(f".stage-slot[data-entry='{second}'] button.stage-reveal").click()
    board.wait_for_selector(f"tr[data-entry='{second}'] .stage-score:has-text('90.000')")
    assert board.locator(f"tr[data-entry='{second}'] .stage-rank").inner_text() == "1"
    assert board.locator(f"tr[data-entry='{first}'] .stage-rank").inner_text() == "2"

    # Locked: the sheet is closed to edits and the server refuses a changed score.
    judge = sheets[0]
    judge.wait_for_selector(f".stage-sheet[data-entry='{second}'] >> text=评分已锁定")
    assert judge.locator(f".stage-sheet[data-entry='{second}'] button.stage-submit").is_disabled()
    status = judge.evaluate(
        """([url, csrf, scores]) => fetch(url, {method: 'PUT', headers: {'Content-Type':
        'application/json', 'X-CSRFToken': csrf}, body: JSON.stringify({scores: scores, key:
        'late'})}).then(r => r.status)""",
        [
            f"/api/v1/contests/{contest.pk}/rounds/1/stage/{second}/score",
            judge.locator("#stage").get_attribute("data-csrf"),
            {str(c.pk): 100 for c in round_.criteria.all()},
        ],
    )
    assert status == 409
    slot = StageSlot.objects.get(entry_id=second)
    assert (slot.state, slot.score) == ("revealed", Decimal("90.000"))
    for page in (host, board, *sheets):
        assert page.errors == []  # type: ignore[attr-defined]
