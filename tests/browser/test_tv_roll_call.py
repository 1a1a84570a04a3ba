"""The TV's 点名 in Chromium: ticked with the remote (arrow keys + OK) while the network is
down, queued in the browser with its own time, sent when the network returns; a replayed
tick counts once."""

from __future__ import annotations

import pytest

from tests.browser.test_remote_loop import until
from tests.factories import MemberFactory, UserFactory, grant, make_site, published_lesson
from xianfeng.orgs.enums import RoleKind
from xianfeng.remote import services
from xianfeng.remote.enums import SignInHow
from xianfeng.remote.models import ViewingAttendance

pytestmark = pytest.mark.django_db(transaction=True)


def test_roll_call_on_the_tv_offline_then_replayed(county, new_page):
    site = make_site(county.branch_a1, code="DJ01", name="东街社区远程教育站点")
    admin = UserFactory(username="site_admin_a", name="赵志强")
    grant(admin, county.branch_a1, RoleKind.SITE_ADMIN)
    elder = MemberFactory(org=county.branch_a1, user__name="王大爷")
    lesson = published_lesson(org=county.county, author=county.member_a1.user, title="党史一课")
    viewing = services.viewing_start(actor=admin, site=site, title="周五集中收看", lessons=[lesson])
    _, key = services.device_token_issue(actor=admin, site=site)

    tv = new_page(width=1280, height=720)
    tv.set_default_timeout(60_000)  # a shared, busy machine
    tv.set_default_navigation_timeout(60_000)
    tv.goto("/healthz")  # any page of the origin: the token goes into its localStorage
    tv.evaluate(f"window.localStorage.setItem('xf_device_token', '{key}')")
    tv.goto("/remote/tv/")
    tv.wait_for_selector("text=扫码签到")
    for _ in range(4):
        if "扫码签到" in tv.evaluate("document.activeElement.textContent"):
            break
        tv.keyboard.press("ArrowRight")
    tv.keyboard.press("Enter")
    tv.wait_for_selector("#roster:not([hidden])")
    names = tv.locator("#roster-names .tv-name")
    assert sorted(names.all_text_contents()) == ["张东街", "王大爷"]

    # The network goes down; the remote moves to 王大爷 and presses OK.
    tv.context.set_offline(True)
    for _ in range(6):
        if tv.evaluate("document.activeElement.textContent") == "王大爷":
            break
        tv.keyboard.press("ArrowRight")
    assert tv.evaluate("document.activeElement.textContent") == "王大爷"
    tv.keyboard.press("Enter")
    until(tv, "window.xfTv.calls().length === 1")
    tv.wait_for_selector("text=王大爷 · 已点名，待上传")
    until(tv, "document.getElementById('net').className.indexOf('down') >= 0")
    assert ViewingAttendance.objects.count() == 0
    # OK pressed again on a ticked name queues nothing more.
    tv.keyboard.press("Enter")
    assert tv.evaluate("window.xfTv.calls().length") == 1
    queued_at = tv.evaluate("window.xfTv.calls()[0].at")

    # Back online: the queue drains by itself (the browser's online event).
    tv.context.set_offline(False)
    tv.evaluate("window.dispatchEvent(new Event('online'))")
    until(tv, "window.xfTv.calls().length === 0")
    (row,) = ViewingAttendance.objects.filter(viewing=viewing)
    assert (row.user_id, row.how) == (elder.user_id, SignInHow.PROXY)
    assert row.at.isoformat().replace("+00:00", "")[:19] == queued_at[:19]

    # The same tick replayed (a lost answer, a queue restored from a backup): counted once.
    tv.evaluate(
        "window.localStorage.setItem('xf_roll_calls', JSON.stringify(["
        f"{{viewing: {viewing.pk}, member: {elder.pk}, at: '{queued_at}'}},"
        f"{{viewing: {viewing.pk}, member: {elder.pk}, at: '{queued_at}'}}]))"
    )
    tv.evaluate("window.xfTv.flushCalls()")
    until(tv, "window.xfTv.calls().length === 0")
    assert ViewingAttendance.objects.filter(viewing=viewing).count() == 1
