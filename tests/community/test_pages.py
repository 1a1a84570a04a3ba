"""The 微心愿 pages: what each person sees and may do, and what never leaks."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.community.conftest import open_wish, png, post
from xianfeng.community import services
from xianfeng.community.enums import WishState
from xianfeng.community.models import Wish, WishPhoto

pytestmark = pytest.mark.django_db

PHONE = "13712345678"


def page(client, user, name, *args, **params):
    if user is not None:
        client.force_login(user)
    return client.get(reverse(name, args=args), params)


# --- privacy: the wall, the wish, for people outside the community -----------------------------


def test_wall_shows_the_public_name_never_the_phone_or_full_name(client, county, resident_a1):
    open_wish(county, resident_a1, contact_address="东街 8 号 3 单元")
    for viewer in (None, county.member_b1.user, county.secretary_b1):
        client.logout()
        html = page(client, viewer, "community:index").content.decode()
        assert "给孙子买一个新书包" in html
        assert "孙**" in html
        assert "东街社区党支部" in html
        assert PHONE not in html
        assert "孙桂芳" not in html
        assert "东街 8 号" not in html


def test_wish_page_hides_the_contact_from_outsiders(client, county, resident_a1):
    wish = open_wish(county, resident_a1, contact_address="东街 8 号 3 单元")
    for viewer in (None, county.member_b1.user, county.secretary_b1, county.member_a1.user):
        client.logout()
        response = page(client, viewer, "community:wish", wish.pk)
        html = response.content.decode()
        assert response.status_code == 200
        assert "孙**" in html
        assert PHONE not in html
        assert "孙桂芳" not in html
        assert "东街 8 号" not in html
        assert 'id="contact"' not in html


def test_wish_page_shows_the_contact_to_the_branch_and_the_claimer(client, county, resident_a1):
    wish = open_wish(county, resident_a1, contact_address="东街 8 号 3 单元")
    html = page(client, county.secretary_a1, "community:wish", wish.pk).content.decode()
    assert PHONE in html and "孙桂芳" in html and "东街 8 号 3 单元" in html
    services.wish_claim(actor=county.member_b1.user, wish=wish)
    client.logout()
    html = page(client, county.member_b1.user, "community:wish", wish.pk).content.decode()
    assert PHONE in html and "东街 8 号 3 单元" in html


# --- scoping: pending and refused wishes are seen by their side and their branch only ----------


def test_a_pending_wish_is_404_outside_its_side_and_branch(client, county, resident_a1):
    wish = post(resident_a1, county.branch_a1)
    for viewer in (None, county.member_b1.user, county.secretary_b1, county.member_a1.user):
        client.logout()
        assert page(client, viewer, "community:wish", wish.pk).status_code == 404
    for viewer in (resident_a1, county.secretary_a1, county.town_a_admin, county.county_admin):
        client.logout()
        assert page(client, viewer, "community:wish", wish.pk).status_code == 200


def test_the_wall_leaves_out_pending_and_rejected_wishes(client, county, resident_a1):
    post(resident_a1, county.branch_a1, title="等待审核的心愿")
    rejected = post(resident_a1, county.branch_a1, title="没有通过的心愿")
    services.wish_review(
        actor=county.secretary_a1, wish=rejected, approve=False, note="不属于微心愿"
    )
    open_wish(county, resident_a1, title="公开的心愿一个")
    html = page(client, None, "community:index").content.decode()
    assert "公开的心愿一个" in html
    assert "等待审核的心愿" not in html
    assert "没有通过的心愿" not in html


def test_review_queue_lists_only_the_officers_own_communities(client, county, resident_a1):
    post(resident_a1, county.branch_a1, title="东街的心愿一个")
    other = post(county.member_b1.user, county.branch_b1, title="柳湾的心愿一个")
    assert other.state == WishState.PENDING
    html = page(client, county.secretary_b1, "community:review").content.decode()
    assert "柳湾的心愿一个" in html
    assert "东街的心愿一个" not in html
    client.logout()
    assert page(client, county.member_a1.user, "community:review").status_code == 403


def test_review_by_another_branch_through_the_page_changes_nothing(client, county, resident_a1):
    wish = post(resident_a1, county.branch_a1)
    client.force_login(county.secretary_b1)
    response = client.post(
        reverse("community:wish_action", args=[wish.pk, "review"]), {"decision": "approve"}
    )
    assert response.status_code == 404
    assert Wish.objects.get(pk=wish.pk).state == WishState.PENDING


# --- the flow through the pages ------------------------------------------------------------------


def test_post_claim_fulfil_confirm_through_the_pages(client, county, resident_a1):
    client.force_login(resident_a1)
    response = client.post(
        reverse("community:wish_new"),
        {
            "org": county.branch_a1.pk,
            "category": "study",
            "title": "给孙子买一个新书包",
            "detail": "孙子今年上一年级",
            "value_yuan": "120",
            "public_name": "孙阿姨",
            "contact_address": "东街 8 号",
        },
    )
    wish = Wish.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("community:wish", args=[wish.pk])
    client.force_login(county.secretary_a1)
    client.post(
        reverse("community:wish_action", args=[wish.pk, "review"]),
        {"decision": "approve", "title": wish.title, "detail": "", "public_name": "孙阿姨"},
    )
    assert Wish.objects.get(pk=wish.pk).state == WishState.OPEN
    client.force_login(county.member_a2.user)
    client.post(reverse("community:wish_action", args=[wish.pk, "claim"]))
    assert Wish.objects.get(pk=wish.pk).claimer == county.member_a2.user
    upload = png()
    upload.handle.name = "done.png"
    client.post(
        reverse("community:wish_action", args=[wish.pk, "fulfil"]),
        {"note": "书包已经送到家里", "photo": upload.handle},
    )
    assert Wish.objects.get(pk=wish.pk).state == WishState.CONFIRMING
    client.force_login(resident_a1)
    client.post(reverse("community:wish_action", args=[wish.pk, "confirm"]), {"thanks": "谢谢"})
    assert Wish.objects.get(pk=wish.pk).state == WishState.FULFILLED
    photo = WishPhoto.objects.get(wish=wish)
    client.logout()
    response = client.get(reverse("community:photo", args=[wish.pk, photo.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, max-age=3600"


def test_post_form_errors_are_in_chinese_and_nothing_is_saved(client, county, resident_a1):
    client.force_login(resident_a1)
    response = client.post(
        reverse("community:wish_new"),
        {"org": county.branch_a1.pk, "category": "study", "title": "书包", "value_yuan": "9999"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "500" in html
    assert Wish.objects.count() == 0


def test_claim_through_the_page_a_second_time_by_another_shows_a_message(
    client, county, resident_a1
):
    wish = open_wish(county, resident_a1)
    services.wish_claim(actor=county.member_a2.user, wish=wish)
    client.force_login(county.member_b1.user)
    response = client.post(reverse("community:wish_action", args=[wish.pk, "claim"]), follow=True)
    assert "这个心愿刚刚已被认领" in response.content.decode()
    assert Wish.objects.get(pk=wish.pk).claimer == county.member_a2.user


def test_photo_of_a_pending_wish_is_404_for_outsiders(client, county, resident_a1):
    wish = post(resident_a1, county.branch_a1, photos=[png()])
    photo = WishPhoto.objects.get(wish=wish)
    url = reverse("community:photo", args=[wish.pk, photo.pk])
    assert client.get(url).status_code == 404
    client.force_login(county.secretary_b1)
    assert client.get(url).status_code == 404
    client.force_login(county.secretary_a1)
    assert client.get(url).status_code == 200
    other = open_wish(county, resident_a1, title="另一个公开的心愿")
    # A photo asked for under another wish's id is not found either.
    assert client.get(reverse("community:photo", args=[other.pk, photo.pk])).status_code == 404


# --- query counts ---------------------------------------------------------------------------------


def _wishes(county, resident, n):
    for i in range(n):
        wish = open_wish(county, resident, title=f"第{i}个小小的心愿")
        if i % 2:
            services.wish_claim(actor=county.secretary_b1, wish=wish, org=county.branch_b1)


@pytest.mark.parametrize("n", [1, 3])
def test_wall_query_count(client, county, resident_a1, django_assert_num_queries, n):
    _wishes(county, resident_a1, n)
    # the towns, the page of wishes with org/claimer/campaign (a cursor: no COUNT)
    with django_assert_num_queries(2):
        html = client.get(reverse("community:index"), {"state": ""}).content.decode()
    assert html.count('class="wish-card"') == n


@pytest.mark.parametrize("n", [1, 3])
def test_wall_filtered_query_count(client, county, resident_a1, django_assert_num_queries, n):
    _wishes(county, resident_a1, n)
    # the org of the filter comes with the towns
    with django_assert_num_queries(2):
        html = client.get(
            reverse("community:index"), {"org": "TA", "category": "study"}
        ).content.decode()
    assert html.count('class="wish-card"') == n


@pytest.mark.parametrize("n", [1, 3])
def test_mine_query_count(client, county, resident_a1, django_assert_num_queries, n):
    _wishes(county, resident_a1, n)
    client.force_login(resident_a1)
    # session, user, my wishes, my claims, roles (the menu), unread badge
    with django_assert_num_queries(7):  # + the nav's member record (residents' tabs)
        html = client.get(reverse("community:mine")).content.decode()
    assert html.count('class="wish-card"') == n


@pytest.mark.parametrize("n", [1, 3])
def test_review_queue_query_count(client, county, resident_a1, django_assert_num_queries, n):
    for i in range(n):
        post(resident_a1, county.branch_a1, title=f"第{i}个待审核心愿")
    client.force_login(county.secretary_a1)
    # session, user, roles, count, page (with contact), unread badge
    with django_assert_num_queries(6):
        html = client.get(reverse("community:review")).content.decode()
    assert html.count('class="wish-card"') == n
