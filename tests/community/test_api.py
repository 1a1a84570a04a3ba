"""The 微心愿 API: the same reach and refusals as the pages; no contact for outsiders."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.api.conftest import TokenClient
from tests.community.conftest import open_wish, png, post
from tests.conftest import PASSWORD
from xianfeng.community import services
from xianfeng.community.enums import WishState
from xianfeng.community.models import Wish

pytestmark = pytest.mark.django_db

PHONE = "13712345678"


def with_password(user):
    user.set_password(PASSWORD)
    user.save()
    return TokenClient(user.username)


def test_wall_for_anyone_has_no_contact_or_full_name(county, resident_a1):
    open_wish(county, resident_a1, contact_address="东街 8 号 3 单元")
    post(resident_a1, county.branch_a1, title="还在审核的心愿")
    response = Client().get("/api/v1/wishes/")
    assert response.status_code == 200
    body = response.json()
    assert body["next_cursor"] is None
    (card,) = body["results"]
    assert (card["title"], card["public_name"], card["org_code"], card["state"]) == (
        "给孙子买一个新书包",
        "孙**",
        "A1",
        "open",
    )
    text = json.dumps(body, ensure_ascii=False)
    assert PHONE not in text and "孙桂芳" not in text and "东街 8 号" not in text


def test_detail_for_an_outsider_has_no_contact(county, resident_a1):
    wish = open_wish(county, resident_a1, contact_address="东街 8 号 3 单元")
    for client in (Client(), with_password(county.member_b1.user).http):
        response = client.get(
            f"/api/v1/wishes/{wish.pk}",
            headers=getattr(client, "auth", {}),
        )
        body = response.json()
        assert body["contact"] is None
        text = json.dumps(body, ensure_ascii=False)
        assert PHONE not in text and "孙桂芳" not in text and "东街 8 号" not in text
    member = with_password(county.member_b1.user)
    assert member.call("get", f"/api/v1/wishes/{wish.pk}")["actions"] == ["claim"]


def test_detail_for_the_branch_has_the_contact(county, resident_a1):
    wish = open_wish(county, resident_a1, contact_address="东街 8 号 3 单元")
    secretary = with_password(county.secretary_a1)
    body = secretary.call("get", f"/api/v1/wishes/{wish.pk}")
    assert body["contact"] == {"name": "孙桂芳", "phone": PHONE, "address": "东街 8 号 3 单元"}
    assert body["actions"] == ["claim", "withdraw"]


def test_a_pending_wish_is_404_for_outsiders(county, resident_a1):
    wish = post(resident_a1, county.branch_a1)
    assert Client().get(f"/api/v1/wishes/{wish.pk}").status_code == 404
    other = with_password(county.secretary_b1)
    body = other.call("get", f"/api/v1/wishes/{wish.pk}", status=404)
    assert body == {"detail": "找不到该微心愿", "field": None}
    other.call("post", f"/api/v1/wishes/{wish.pk}/review", {"approve": True}, status=404)
    assert Wish.objects.get(pk=wish.pk).state == WishState.PENDING


def test_claim_race_loser_gets_a_400_in_chinese(county, resident_a1):
    wish = open_wish(county, resident_a1)
    first = with_password(county.member_a2.user)
    second = with_password(county.member_b1.user)
    assert first.call("post", f"/api/v1/wishes/{wish.pk}/claim", {})["state"] == "claimed"
    body = second.call("post", f"/api/v1/wishes/{wish.pk}/claim", {}, status=400)
    assert body == {"detail": "这个心愿刚刚已被认领，请看看其他心愿", "field": None}
    assert Wish.objects.get(pk=wish.pk).claimer == county.member_a2.user


def test_claim_in_the_name_of_an_org_one_does_not_run_is_403(county, resident_a1):
    wish = open_wish(county, resident_a1)
    member = with_password(county.member_b1.user)
    member.call("post", f"/api/v1/wishes/{wish.pk}/claim", {"org": "B1"}, status=403)
    assert Wish.objects.get(pk=wish.pk).state == WishState.OPEN


def test_the_whole_flow_through_the_api(county, resident_a1):
    resident = with_password(resident_a1)
    created = resident.http.post(
        "/api/v1/wishes/",
        {"org": "A1", "category": "elderly", "title": "陪老人去一次医院", "value_yuan": "0"},
        headers=resident.auth,
    )
    assert created.status_code == 200, created.content.decode()
    wish_id = created.json()["id"]
    assert created.json()["state"] == "pending"
    assert created.json()["contact"]["phone"] == PHONE
    secretary = with_password(county.secretary_a1)
    body = secretary.call(
        "post", f"/api/v1/wishes/{wish_id}/review", {"approve": True, "public_name": "孙阿姨"}
    )
    assert (body["state"], body["public_name"]) == ("open", "孙阿姨")
    member = with_password(county.member_a2.user)
    member.call("post", f"/api/v1/wishes/{wish_id}/claim", {})
    upload = png()
    upload.handle.name = "done.png"
    done = member.http.post(
        f"/api/v1/wishes/{wish_id}/fulfil",
        {"note": "已陪同到县医院复查", "photo": upload.handle},
        headers=member.auth,
    )
    assert done.status_code == 200, done.content.decode()
    assert done.json()["state"] == "confirming"
    (photo,) = done.json()["photos"]
    assert photo["kind"] == "fulfil"
    assert (
        resident.call("post", f"/api/v1/wishes/{wish_id}/confirm", {"note": "谢谢"})["state"]
        == "fulfilled"
    )
    image = Client().get(photo["thumb_url"])
    assert (image.status_code, image["Content-Type"]) == (200, "image/jpeg")
    assert [w["id"] for w in member.call("get", "/api/v1/wishes/mine?role=claimer")] == [wish_id]


def test_post_over_the_limit_is_a_400_naming_the_field(county, resident_a1):
    resident = with_password(resident_a1)
    response = resident.http.post(
        "/api/v1/wishes/",
        {"org": "A1", "category": "study", "title": "买一台新电脑", "value_yuan": "5000"},
        headers=resident.auth,
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "微心愿的估计价值不超过 500 元", "field": "value_yuan"}
    assert Wish.objects.count() == 0


def test_withdraw_by_a_stranger_is_403_and_changes_nothing(county, resident_a1):
    wish = open_wish(county, resident_a1)
    stranger = with_password(county.member_b1.user)
    stranger.call("post", f"/api/v1/wishes/{wish.pk}/withdraw", {}, status=403)
    assert Wish.objects.get(pk=wish.pk).state == WishState.OPEN
    services.wish_claim(actor=county.member_b1.user, wish=wish)
    assert Wish.objects.get(pk=wish.pk).state == WishState.CLAIMED


@pytest.mark.parametrize("n", [1, 3])
def test_wall_api_query_count(county, resident_a1, django_assert_num_queries, n):
    for i in range(n):
        wish = open_wish(county, resident_a1, title=f"第{i}个小小的心愿")
        if i % 2:
            services.wish_claim(actor=county.secretary_b1, wish=wish, org=county.branch_b1)
    client = Client()
    with django_assert_num_queries(1):  # the page (a cursor: no COUNT)
        body = client.get("/api/v1/wishes/").json()
    assert len(body["results"]) == n and body["next_cursor"] is None
