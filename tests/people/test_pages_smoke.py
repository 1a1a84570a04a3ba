from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "username",
    [
        "county_admin",
        "town_admin",
        "secretary_a1",
        "propaganda_a1",
        "judge",
        "member_a1",
        "resident",
    ],
)
def test_home_renders_for_every_persona(client, county, username):
    from xianfeng.people.models import User

    client.force_login(User.objects.get(username=username))
    response = client.get(reverse("common:home"))
    assert response.status_code == 200
    assert "你好" in response.content.decode()


def test_tree_and_member_pages_render(client, county):
    client.force_login(county.county_admin)
    assert client.get(reverse("orgs:tree")).status_code == 200
    assert client.get(reverse("orgs:detail", args=["TA"])).status_code == 200
    assert client.get(reverse("orgs:children", args=["TA"])).status_code == 200
    r = client.get(reverse("people:member_list"))
    assert r.status_code == 200
    assert "张东街" in r.content.decode()
    assert (
        client.get(reverse("people:member_detail", args=[county.member_a1.pk])).status_code == 200
    )
    assert client.get(reverse("people:member_create")).status_code == 200
    assert client.get(reverse("people:member_edit", args=[county.member_a1.pk])).status_code == 200
    assert client.get(reverse("people:member_export")).status_code == 200
