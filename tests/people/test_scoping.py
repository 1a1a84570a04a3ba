"""Who sees whom: pages, exports, the API and guessed ids, with data that could leak."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import MemberFactory
from xianfeng.people.selectors import members_visible_to

pytestmark = pytest.mark.django_db


def names(qs) -> list[str]:
    return sorted(m.user.name for m in qs)


def test_secretary_sees_own_branch_only(county):
    assert names(members_visible_to(county.secretary_a1)) == ["张东街"]


def test_town_admin_sees_exactly_the_town(county):
    assert names(members_visible_to(county.town_a_admin)) == ["张东街", "李西街"]


def test_county_admin_sees_all(county):
    assert names(members_visible_to(county.county_admin)) == ["张东街", "李西街", "王柳湾"]


def test_plain_member_and_judge_and_resident(county):
    assert names(members_visible_to(county.member_a1.user)) == ["张东街"]
    assert names(members_visible_to(county.judge)) == []
    assert names(members_visible_to(county.resident)) == []


def test_secretary_list_page_leaks_nothing_from_other_branches(client, county):
    client.force_login(county.secretary_a1)
    html = client.get(reverse("people:member_list")).content.decode()
    assert "张东街" in html
    for leak in ("李西街", "王柳湾", county.member_b1.user.phone, county.member_b1.id_number):
        assert leak not in html


def test_guessing_another_branchs_member_id_is_404(client, county):
    client.force_login(county.secretary_a1)
    for url in (
        reverse("people:member_detail", args=[county.member_b1.pk]),
        reverse("people:member_edit", args=[county.member_b1.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert "王柳湾" not in response.content.decode()
    response = client.post(
        reverse("people:member_set_password", args=[county.member_b1.pk]),
        {"password": "Another-pass-99", "password2": "Another-pass-99"},
    )
    assert response.status_code == 404
    county.member_b1.user.refresh_from_db()
    assert not county.member_b1.user.check_password("Another-pass-99")


def test_filtering_by_an_org_outside_scope_is_404(client, county):
    client.force_login(county.secretary_a1)
    assert client.get(reverse("people:member_list"), {"org": "B1"}).status_code == 404


def test_export_contains_only_visible_members(client, county):
    client.force_login(county.secretary_a1)
    response = client.get(reverse("people:member_export"))
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(wb.active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["张东街"]
    assert rows[1][6] == county.member_a1.id_number  # the secretary manages A1: unmasked


def test_propagandist_sees_masked_numbers(client, county):
    client.force_login(county.propagandist_a1)
    html = client.get(reverse("people:member_detail", args=[county.member_a1.pk])).content.decode()
    phone, id_number = county.member_a1.user.phone, county.member_a1.id_number
    assert phone not in html and id_number not in html
    assert f"{phone[:3]}****{phone[-4:]}" in html
    assert f"{id_number[:4]}{'*' * 10}{id_number[-4:]}" in html


def test_manager_sees_full_numbers(client, county):
    client.force_login(county.secretary_a1)
    html = client.get(reverse("people:member_detail", args=[county.member_a1.pk])).content.decode()
    assert county.member_a1.user.phone in html and county.member_a1.id_number in html


def test_member_sees_own_record_masked_and_not_others(client, county):
    client.force_login(county.member_a1.user)
    assert (
        client.get(reverse("people:member_detail", args=[county.member_a1.pk])).status_code == 200
    )
    assert (
        client.get(reverse("people:member_detail", args=[county.member_a2.pk])).status_code == 404
    )
    assert client.get(reverse("people:member_list")).status_code == 403


def test_api_member_list_is_scoped(client, county):
    client.force_login(county.secretary_a1)
    data = client.get("/api/v1/members/").json()
    assert data["count"] == 1
    assert [m["name"] for m in data["results"]] == ["张东街"]
    assert data["results"][0]["masked"] is False
    body = client.get("/api/v1/members/", {"page_size": 100}).content.decode()
    assert "王柳湾" not in body and "李西街" not in body


def test_api_guessed_member_id_is_404(client, county):
    client.force_login(county.secretary_a1)
    response = client.get(f"/api/v1/members/{county.member_b1.pk}")
    assert response.status_code == 404
    assert "王柳湾" not in response.content.decode()


def test_api_masks_for_propagandist(client, county):
    client.force_login(county.propagandist_a1)
    row = client.get(f"/api/v1/members/{county.member_a1.pk}").json()
    assert row["masked"] is True
    assert row["id_number"] == county.member_a1.masked_id_number
    assert row["phone"] == county.member_a1.user.masked_phone


def test_api_orgs_are_scoped(client, county):
    client.force_login(county.town_a_admin)
    assert [o["code"] for o in client.get("/api/v1/orgs/").json()] == ["TA"]
    children = client.get("/api/v1/orgs/TA/children").json()
    assert [(o["code"], o["members"]) for o in children] == [("A1", 1), ("A2", 1)]
    assert client.get("/api/v1/orgs/TB").status_code == 404
    assert client.get("/api/v1/orgs/B1/children").status_code == 404


def test_org_pages_are_scoped(client, county):
    client.force_login(county.town_a_admin)
    assert client.get(reverse("orgs:detail", args=["B1"])).status_code == 404
    assert client.get(reverse("orgs:children", args=["TB"])).status_code == 404
    html = client.get(reverse("orgs:tree")).content.decode()
    assert "城关镇党委" in html and "河口镇党委" not in html and "青山县委" not in html


def test_moving_a_branch_moves_its_members_out_of_scope(county):
    from xianfeng.orgs.services import org_move

    MemberFactory(org=county.branch_a1, user__name="新党员")
    org_move(
        actor=county.county_admin, org=county.branch_a1, new_parent=county.town_b, reason="区划调整"
    )
    assert names(members_visible_to(county.town_a_admin)) == ["李西街"]
    assert names(members_visible_to(county.secretary_a1)) == ["张东街", "新党员"]
