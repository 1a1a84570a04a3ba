"""The remote-education loop in Chromium: a TV (1280×720, keyboard only) is paired from the
site admin's phone and beats, queues beats while offline and sends them later; the plan's
lesson shows as a tile; the admin starts the viewing, the TV shows the roll-call QR, two
phones sign in and give feedback, the county admin reads the summary and drafts the next
plan; 参学率 shows the 集体收看 credit."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.browser.conftest import login
from tests.conftest import PASSWORD
from tests.factories import UserFactory, grant, make_site, published_lesson
from xianfeng.orgs.enums import RoleKind
from xianfeng.remote import services
from xianfeng.remote.models import SiteDay, Viewing, ViewingPlan

pytestmark = pytest.mark.django_db(transaction=True)


def until(page, expression: str, timeout: float = 20.0) -> None:
    """Poll a JS expression (wait_for_function evaluates strings, which the CSP forbids)."""
    import time

    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        page.wait_for_timeout(100)


def test_plan_tv_sign_in_feedback_next_plan(county, new_page):
    site = make_site(county.branch_a1, code="DJ01", name="东街社区远程教育站点")
    make_site(county.branch_b1, code="LW01", name="柳湾村远程教育站点")
    admin = UserFactory(username="site_admin_a", name="赵志强")
    grant(admin, county.branch_a1, RoleKind.SITE_ADMIN)
    lesson = published_lesson(
        org=county.county, author=county.member_a1.user, title="学习二十届四中全会精神"
    )
    today = timezone.localdate()
    plan = services.plan_create(
        actor=county.county_admin,
        org=county.county,
        title="本周集中收看",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=6),
        lessons=[lesson],
        sites=[site],
    )
    services.plan_publish(actor=county.county_admin, plan=plan)

    # The TV: pairing screen with a short code.
    tv = new_page(width=1280, height=720)
    tv.goto("/remote/tv/")
    tv.wait_for_url("**/remote/tv/pair/")
    code = tv.locator("#user-code")
    until(tv, "document.getElementById('user-code').textContent.length === 9")
    user_code = code.text_content()

    phone = new_page()
    login(phone, "site_admin_a", PASSWORD)
    phone.goto(f"/remote/pair/?code={user_code.replace('-', '')}")
    phone.fill("input[name=label]", "会议室电视")
    phone.click("text=确认配对")
    phone.wait_for_selector("#paired")

    # The TV picks up its token and opens the player: the plan's lesson as a tile, focused.
    tv.wait_for_url("**/remote/tv/", timeout=20_000)
    tv.wait_for_selector("text=学习二十届四中全会精神")
    assert tv.evaluate("document.activeElement.className") == "tv-tile"
    until(tv, "window.xfTv && window.xfTv.queue().length === 0")
    assert SiteDay.objects.get(site=site).beats == 1

    # Offline: the beat waits in the browser with its own time, then goes.
    tv.context.set_offline(True)
    tv.evaluate("window.xfTv.beat()")
    tv.wait_for_selector("text=网络断开，心跳已暂存，恢复后自动补报")
    assert tv.evaluate("window.xfTv.queue().length") == 1
    tv.context.set_offline(False)
    tv.evaluate("window.xfTv.flush()")
    until(tv, "window.xfTv.queue().length === 0")
    assert SiteDay.objects.get(site=site).beats == 2

    # The admin starts the viewing from the plan on the phone.
    phone.goto(f"/remote/plans/{plan.pk}/")
    phone.click("text=在“东街社区远程教育站点”组织收看")
    phone.fill("input[name=place]", "社区会议室")
    phone.click("text=开始收看")
    phone.wait_for_selector("#qr-code")
    viewing = Viewing.objects.get()

    # The TV shows the roll-call tile; the remote opens it with OK.
    tv.reload()
    tv.wait_for_selector("text=扫码签到")
    for _ in range(3):
        if "扫码签到" in tv.evaluate("document.activeElement.textContent"):
            break
        tv.keyboard.press("ArrowRight")
    assert "扫码签到" in tv.evaluate("document.activeElement.textContent")
    tv.keyboard.press("Enter")
    tv.wait_for_selector("#qr-box:not([hidden])")
    assert tv.evaluate("document.getElementById('qr').src").startswith("data:image/png")
    tv.keyboard.press("Escape")
    tv.wait_for_selector("#tiles:not([hidden])")

    # Two phones sign in with the code on the screen and give feedback.
    url = phone.locator("#checkin-url").text_content()
    for username, rating, wanted in (("member_a1", "5", "farming"), ("resident", "4", "health")):
        attendee = new_page()
        login(attendee, username, PASSWORD)
        attendee.goto(url)
        attendee.click("#confirm")
        attendee.wait_for_selector("#signed-in")
        attendee.click("text=收看后请在这里反馈意见")
        attendee.check(f"input[name=rating][value='{rating}']")
        attendee.select_option("select[name=wanted]", wanted)
        attendee.click("text=提交")
        attendee.wait_for_selector("#saved")
    phone.goto(f"/remote/viewings/{viewing.pk}/")
    phone.click("#end")
    phone.wait_for_selector("text=本次收看已结束，参加者已计入集体收看")

    # The county admin: summary, then the next plan in one step.
    county_page = new_page(width=1280, height=900)
    login(county_page, "county_admin", PASSWORD)
    county_page.goto(f"/remote/plans/{plan.pk}/")
    assert county_page.locator("#mean-rating").text_content() == "4.5"
    county_page.click("#draft-next")
    county_page.wait_for_selector("#previous")
    nxt = ViewingPlan.objects.exclude(pk=plan.pk).get()
    assert nxt.previous == plan

    # 参学率: the member who watched together counts.
    secretary = new_page(width=1280, height=900)
    login(secretary, "secretary_a1", PASSWORD)
    secretary.goto(f"/lessons/{lesson.pk}/participation/?org=A1")
    row = secretary.locator("tr", has_text="张东街")
    assert "集体收看" in row.text_content()
    for page in (tv, phone, county_page, secretary):
        assert page.errors == []  # type: ignore[attr-defined]
