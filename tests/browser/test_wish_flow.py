"""A 微心愿 in Chromium, on phones 360 px wide: a resident registers and posts a wish, the
branch secretary approves it, a member claims it and reports it done with a photo, the
resident confirms — and nobody outside sees the resident's phone."""

from __future__ import annotations

import pytest
from PIL import Image

from tests.browser.conftest import login
from tests.conftest import PASSWORD
from xianfeng.community.models import Wish, WishPhoto
from xianfeng.people.models import User

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "13712345678"
TITLE = "给上三年级的孙子买一个新书包"


@pytest.fixture
def photo(tmp_path, monkeypatch):
    storage = WishPhoto._meta.get_field("image").storage
    monkeypatch.setattr(storage, "base_location", str(tmp_path / "private"))
    monkeypatch.setattr(storage, "location", str(tmp_path / "private"))
    path = tmp_path / "书包送到了.jpg"
    Image.new("RGB", (3000, 2000), (40, 120, 40)).save(path, format="JPEG")
    return path


def fits(page) -> None:
    """Nothing wider than the phone's screen: no sideways scrolling at 360 px."""
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 360, page.url


def test_register_post_approve_claim_fulfil_confirm(county, new_page, photo):
    resident = new_page(width=360, height=740)
    resident.goto("/accounts/register/")
    resident.fill("input[name=name]", "孙桂芳")
    resident.fill("input[name=phone]", PHONE)
    resident.select_option("select[name=home_org]", str(county.branch_a1.pk))
    resident.fill("input[name=password]", "Sun-guifang-2026")
    resident.fill("input[name=password2]", "Sun-guifang-2026")
    resident.click("button[type=submit]")
    resident.wait_for_selector("text=注册成功")
    fits(resident)
    resident.click("#panel-wishes >> text=我要许愿")
    assert resident.input_value("select[name=org]") == str(county.branch_a1.pk)
    resident.select_option("select[name=category]", "study")
    resident.fill("input[name=title]", TITLE)
    resident.fill("textarea[name=detail]", "孩子父母在外打工，旧书包背带断了。")
    resident.fill("input[name=value_yuan]", "120")
    resident.fill("input[name=public_name]", "孙阿姨")
    resident.fill("input[name=contact_address]", "东街 8 号 3 单元")
    fits(resident)
    resident.click("text=提交心愿")
    resident.wait_for_selector("text=心愿已提交，支部审核后会公开在心愿墙上")
    fits(resident)
    wish = Wish.objects.get(title=TITLE)
    assert wish.wisher == User.objects.get(phone=PHONE)

    secretary = new_page(width=1280, height=900)
    login(secretary, "secretary_a1", PASSWORD)
    secretary.goto("/community/review/")
    secretary.click(f"text={TITLE}")
    secretary.wait_for_selector(f"#contact >> text={PHONE}")  # the click only starts the navigation
    secretary.click("text=通过并公开")
    secretary.wait_for_selector("text=已通过，心愿已公开")

    member = new_page(width=360, height=740)
    login(member, "member_b1", PASSWORD)
    member.goto("/community/?state=open")
    fits(member)
    assert member.is_visible("text=孙阿姨 · 东街社区党支部")
    assert PHONE not in member.content() and "孙桂芳" not in member.content()
    member.click(f"text={TITLE}")
    member.wait_for_selector("#claim")  # the wish's own page, not the list the click left
    assert PHONE not in member.content()
    member.click("#claim >> button:has-text('认领')")
    member.wait_for_selector("text=认领成功")
    # Once claimed, the claimer may reach the resident to deliver.
    assert member.is_visible(f"#contact >> text={PHONE}")
    member.fill("#fulfil-note", "买了书包和一套文具，送到家里。")
    member.set_input_files("#fulfil-photo", str(photo))
    member.click("text=提交，请心愿人确认")
    member.wait_for_selector("text=已报告实现，等待心愿人确认")
    fits(member)

    resident.goto("/")
    resident.click("#panel-wishes >> text=请确认")
    resident.wait_for_selector("#confirm")
    # The fulfilment photo arrives (its 480 px thumbnail), waited for: on a busy machine the
    # page is there before the picture.
    resident.wait_for_function(
        "() => { const i = document.querySelector('#done img');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    assert resident.eval_on_selector("#done img", "img => img.naturalWidth") == 480
    resident.fill("#thanks", "孩子高兴坏了，谢谢！")
    resident.click("text=确认已实现")
    resident.wait_for_selector("text=已确认心愿实现，谢谢！")
    fits(resident)
    wish.refresh_from_db()
    assert (wish.state, wish.claimer.username, wish.thanks_note) == (
        "fulfilled",
        "member_b1",
        "孩子高兴坏了，谢谢！",
    )
    for page in (resident, secretary, member):
        assert page.errors == []
