"""微实事 and 微行动 in Chromium on a 360 px phone: the resident finds the open vote on
their home page and votes, signs up for an activity, and checks in with the QR code the
organiser shows at the place; the pages fit the phone in large text too."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest
from django.utils import timezone

from tests.browser.conftest import login
from tests.conftest import PASSWORD
from xianfeng.community.models import Ballot, Signup
from xianfeng.community.services import activities, civic

pytestmark = pytest.mark.django_db(transaction=True)

# Set XF_SHOTS=/some/dir to keep screenshots of the new pages (looked at by hand).
SHOTS = os.environ.get("XF_SHOTS", "")


def fits(page, width: int = 360) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width, page.url


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_resident_votes_signs_up_and_checks_in_by_qr(county, new_page):
    resident = county.resident
    resident.home_org = county.branch_a1
    resident.large_text = True
    resident.save()
    now = timezone.now()
    civic.round_open(
        actor=county.secretary_a1, org=county.branch_a1, title="东街冬季民生微实事投票",
        opens_at=now - datetime.timedelta(hours=1), closes_at=now + datetime.timedelta(days=5),
    )  # fmt: skip
    for title in ("广场加装四张休息长椅", "清理河道边的垃圾死角"):
        civic.project_propose(
            actor=county.secretary_a1, org=county.branch_a1, title=title,
            description="跳广场舞和带孩子的老人没地方坐。", cost_yuan=2000,
        )  # fmt: skip
    start = now + datetime.timedelta(minutes=10)
    activity = activities.activity_create(
        actor=county.secretary_a1, org=county.branch_a1, kind="cleanup",
        title="背街小巷环境整治", starts_at=start, ends_at=start + datetime.timedelta(hours=2),
        place="东街社区党群服务中心", capacity=20,
    )  # fmt: skip

    phone = new_page(width=360, height=740)
    phone.context.set_default_timeout(60_000)  # a shared 2-core machine can be slow
    login(phone, "resident", PASSWORD)
    phone.goto("/")
    assert phone.is_visible("html.large-text")
    fits(phone)
    shot(phone, "home-large-text-360")
    phone.click("#panel-five >> text=去投票")
    phone.wait_for_selector("text=您还有 3 票")
    fits(phone)
    shot(phone, "round-large-text-360")
    phone.click("#candidates li:has-text('广场加装四张休息长椅') >> button:has-text('投一票')")
    phone.wait_for_selector("text=投票成功")
    assert phone.is_visible("text=您还有 2 票")
    assert list(Ballot.objects.values_list("project__title", flat=True)) == ["广场加装四张休息长椅"]

    phone.goto("/")
    phone.click("#panel-five >> text=背街小巷环境整治")
    phone.click("#signup >> button:has-text('我要报名')")
    phone.wait_for_selector("text=报名成功")
    fits(phone)
    shot(phone, "activity-large-text-360")

    organiser = new_page(width=1280, height=900)
    organiser.context.set_default_timeout(60_000)
    login(organiser, "secretary_a1", PASSWORD)
    organiser.goto(f"/community/activities/{activity.pk}/")
    organiser.click("text=出示签到二维码")
    organiser.wait_for_selector("#qr-code img")  # the click only starts the navigation
    shot(organiser, "activity-qr-1280")
    scan_url = organiser.inner_text("#checkin-url")

    phone.goto(scan_url)
    phone.click("#scan-confirm")
    phone.wait_for_selector("#scan-done >> text=签到成功")
    fits(phone)
    assert Signup.objects.get(user=resident).checked_in_at is not None
    for page in (phone, organiser):
        assert page.errors == []  # type: ignore[attr-defined]


def test_new_pages_fit_a_phone_and_double_zoom(county, new_page):
    """The list pages at 360 px and at 640 px (a 1280 px screen at 200 % zoom)."""
    for width in (360, 640):
        page = new_page(width=width, height=800)
        for path in ("/community/projects/", "/community/activities/", "/community/honors/",
                     f"/community/org/{county.branch_a1.code}/"):  # fmt: skip
            page.goto(path)
            fits(page, width)
            shot(page, path.strip("/").replace("/", "-") + f"-{width}")
        assert page.errors == []  # type: ignore[attr-defined]
