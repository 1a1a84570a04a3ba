"""Granting a role from an org's page: only an admin above the org, a person found by
phone or user name, nothing granted on a refusal."""

from __future__ import annotations

import pytest
from django.urls import reverse

from xianfeng.orgs.models import Role

pytestmark = pytest.mark.django_db


def test_town_admin_grants_a_role_by_user_name(client, county):
    client.force_login(county.town_a_admin)
    url = reverse("people:role_grant", args=[county.branch_a1.code])
    assert url == f"/orgs/{county.branch_a1.code}/roles/"
    response = client.post(url, {"who": "member_a1", "kind": "propaganda"})
    assert response.status_code == 302
    assert Role.objects.filter(
        user=county.member_a1.user, org=county.branch_a1, kind="propaganda"
    ).exists()


def test_unknown_person_is_reported_and_nothing_granted(client, county):
    client.force_login(county.town_a_admin)
    before = Role.objects.count()
    response = client.post(
        reverse("people:role_grant", args=[county.branch_a1.code]),
        {"who": "13800000000", "kind": "judge"},
        follow=True,
    )
    assert "找不到该用户，请核对手机号或用户名" in response.content.decode()
    assert Role.objects.count() == before


@pytest.mark.parametrize("who", ["secretary_a1", "town_b", "member"])
def test_others_cannot_grant_and_nothing_changes(client, county, who):
    actor = {
        "secretary_a1": county.secretary_a1,
        "town_b": county.secretary_b1,
        "member": county.member_a1.user,
    }[who]
    client.force_login(actor)
    before = Role.objects.count()
    response = client.post(
        reverse("people:role_grant", args=[county.branch_a1.code]),
        {"who": "member_a2", "kind": "admin"},
    )
    assert response.status_code == 404
    assert Role.objects.count() == before
