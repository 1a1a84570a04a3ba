"""一人一课 in Chromium: the organiser sets up three rounds, two branches recommend, the
town committee selects, three judges score with "save and next", the organiser publishes
the awards and the winner downloads a certificate whose text names them and the award."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from tests.browser.conftest import login
from tests.conftest import PASSWORD
from tests.factories import MemberFactory, UserFactory, grant, published_lesson
from xianfeng.contests.models import Award, Contest, Review, Standing
from xianfeng.orgs.enums import RoleKind

pytestmark = pytest.mark.django_db(transaction=True)


def add_round(page, name, level, quota="0", criteria=()):
    page.click("summary:has-text('添加评选轮次')")
    form = page.locator("form[action$='/do/round/']")
    today = timezone.localdate()
    form.locator("input[name=name]").fill(name)
    form.locator("select[name=level]").select_option(level)
    form.locator("input[name=starts_on]").fill(today.isoformat())
    form.locator("input[name=ends_on]").fill((today + datetime.timedelta(days=30)).isoformat())
    form.locator("input[name=quota]").fill(quota)
    if criteria:
        form.locator("select[name=aggregation]").select_option("trimmed")
    for i, (cname, weight) in enumerate(criteria):
        form.locator(f"input[name=c{i}_name]").fill(cname)
        form.locator(f"input[name=c{i}_weight]").fill(weight)
        form.locator(f"input[name=c{i}_counted]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_selector(f".rounds >> text={name}")


def test_three_round_contest_in_the_browser(county, new_page, tmp_path):
    secretary_a2 = UserFactory(username="secretary_a2", name="西街书记")
    grant(secretary_a2, county.branch_a2, RoleKind.SECRETARY)
    judges = []
    for i in range(3):
        judge = UserFactory(username=f"judge{i}", name=f"县评委{i}")
        MemberFactory(user=judge, org=county.county)
        grant(judge, county.county, RoleKind.JUDGE)
        judges.append(judge)
    a1 = published_lesson(
        org=county.branch_a1,
        author=county.member_a1.user,
        title="矿灯下的初心",
        speaker_name="张东街",
    )
    a2 = published_lesson(
        org=county.branch_a2,
        author=county.member_a2.user,
        title="西街的廉洁课",
        speaker_name="李西街",
    )

    # The organiser sets up the contest and its three rounds.
    organiser = new_page(width=1200, height=900)
    organiser.on("dialog", lambda dialog: dialog.accept())  # the 公布 buttons ask first
    login(organiser, "county_admin", PASSWORD)
    organiser.goto("/contests/new/")
    organiser.select_option("select[name=org]", label="青山县委")
    organiser.fill("input[name=title]", "青山县一人一课大赛")
    organiser.fill("input[name=starts_on]", timezone.localdate().isoformat())
    organiser.fill(
        "input[name=ends_on]", (timezone.localdate() + datetime.timedelta(days=60)).isoformat()
    )
    organiser.click("form.card button[type=submit]")
    organiser.wait_for_url("**/contests/*/")
    contest = Contest.objects.get(title="青山县一人一课大赛")
    add_round(organiser, "支部推荐", "branch", quota="1")
    add_round(organiser, "镇党委评选", "committee", quota="2")
    add_round(
        organiser,
        "县级决赛",
        "organiser",
        criteria=[("思想性", "40"), ("艺术性", "30"), ("观赏性", "30")],
    )
    organiser.click("button:has-text('开始竞赛')")
    organiser.wait_for_selector("text=竞赛已开始")
    for judge in judges:
        final = organiser.locator(".rounds > li").nth(2)
        final.locator("summary:has-text('聘请评委')").click()
        final.locator("input[name=who]").fill(judge.username)
        final.locator("button:has-text('聘请')").click()
        organiser.wait_for_selector(f"text=已聘请 {judge.name}")

    # Entrants enter their lessons (the entry form on the contest page).
    for username, lesson in (("member_a1", a1), ("member_a2", a2)):
        member = new_page()
        login(member, username, PASSWORD)
        member.goto(f"/contests/{contest.pk}/")
        member.select_option("#enter-lesson", value=str(lesson.pk))
        member.click("button:has-text('报名')")
        member.wait_for_selector("text=已报名")

    # Two branches recommend.
    for username in ("secretary_a1", "secretary_a2"):
        secretary = new_page()
        login(secretary, username, PASSWORD)
        secretary.goto(f"/contests/{contest.pk}/rounds/1/decide/")
        secretary.click("button[value=advanced]")
        secretary.wait_for_selector(".tag-ok:has-text('晋级')")
    organiser.goto(f"/contests/{contest.pk}/")
    organiser.locator(".rounds > li").nth(0).locator("button:has-text('公布本轮结果')").click()
    organiser.wait_for_selector("text=支部推荐结果已公布")

    # The town committee selects both.
    town = new_page()
    login(town, "town_admin", PASSWORD)
    town.goto(f"/contests/{contest.pk}/rounds/2/decide/")
    for advanced in (1, 2):
        town.locator("li:has(.tag:text-is('待定')) button[value=advanced]").first.click()
        # The click only starts the post: wait for the page that answers it.
        town.wait_for_function(f"document.querySelectorAll('.tag-ok').length === {advanced}")
    assert town.locator(".tag-ok").count() == 2
    organiser.goto(f"/contests/{contest.pk}/")
    organiser.locator(".rounds > li").nth(1).locator("button:has-text('公布本轮结果')").click()
    organiser.wait_for_selector("text=镇党委评选结果已公布")

    # Three judges score both entries with "save and next".
    for j, judge in enumerate(judges):
        page = new_page()
        login(page, judge.username, PASSWORD)
        page.goto(f"/contests/{contest.pk}/rounds/3/judge/")
        assert "0 / 2" in page.inner_text("#judge-progress")
        page.click("ul.list a.title >> nth=0")
        page.wait_for_selector("#save-next")  # the entry's page, not the list the click left
        scored = []
        for _ in range(2):
            title = page.inner_text("h1.page-title")
            assert title not in scored
            scored.append(title)
            base = 95 if "矿灯" in title else 80
            for field in page.locator("input[type=number]").all():
                field.fill(str(base - j))
            page.click("#save-next")
            # The click only starts the post: wait for the next entry's page, or the end.
            page.wait_for_function(
                "t => !document.querySelector('#save-next')"
                " || document.querySelector('h1.page-title').innerText !== t",
                arg=title,
            )
        page.wait_for_selector("text=本轮作品已全部评完")
        assert "2 / 2" in page.inner_text("#judge-progress")
    assert Review.objects.count() == 6

    # The organiser publishes the awards.
    organiser.goto(f"/contests/{contest.pk}/")
    organiser.click("summary:has-text('评定奖项并公布')")
    organiser.fill("input[name=first]", "1")
    organiser.fill("input[name=second]", "1")
    organiser.fill("input[name=third]", "0")
    organiser.fill("input[name=excellent]", "0")
    organiser.click("button:has-text('评定并公布')")
    organiser.wait_for_selector("#awards")
    assert list(Award.objects.order_by("rank").values_list("label", "entry__lesson__title")) == [
        ("一等奖", "矿灯下的初心"),
        ("二等奖", "西街的廉洁课"),
    ]

    # The winner downloads the certificate.
    winner = new_page()
    login(winner, "member_a1", PASSWORD)
    winner.goto(f"/contests/{contest.pk}/")
    assert "一等奖" in winner.inner_text("#awards")
    with winner.expect_download() as download_info:
        winner.click("#awards a:has-text('下载证书')")
    path = download_info.value.path()
    text = PdfReader(io.BytesIO(path.read_bytes())).pages[0].extract_text()
    assert "张东街" in text and "一等奖" in text and "青山县一人一课大赛" in text
    assert Standing.objects.filter(round__number=3, decision="advanced").count() == 2
    for page in (organiser, town, winner):
        assert page.errors == []
