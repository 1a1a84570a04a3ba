"""List and tree pages use a fixed number of queries, whatever the number of rows."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import MemberFactory, OrgFactory
from xianfeng.orgs.enums import OrgKind

pytestmark = pytest.mark.django_db

# session, user, roles, count, page of rows (with user, org, group joined)
MEMBER_LIST_QUERIES = 5


@pytest.mark.parametrize("extra", [0, 2])
def test_member_list_query_count(client, county, django_assert_num_queries, extra):
    for i in range(extra):
        MemberFactory(org=county.branch_a1, group=county.group_a1, user__name=f"党员{i}")
    client.force_login(county.secretary_a1)
    url = reverse("people:member_list")
    with django_assert_num_queries(MEMBER_LIST_QUERIES + 1):  # + the header's unread badge
        response = client.get(url)
    assert response.content.decode().count('class="title"') == 1 + extra


@pytest.mark.parametrize("extra", [0, 2])
def test_api_member_list_query_count(client, county, django_assert_num_queries, extra):
    for i in range(extra):
        MemberFactory(org=county.branch_a1, user__name=f"党员{i}")
    client.force_login(county.secretary_a1)
    with django_assert_num_queries(MEMBER_LIST_QUERIES):
        data = client.get("/api/v1/members/").json()
    assert data["count"] == 1 + extra


@pytest.mark.parametrize("extra", [0, 2])
def test_org_tree_query_count(client, county, django_assert_num_queries, extra):
    # The county root opens with its towns: 1 + extra children, each with counts.
    for i in range(extra):
        OrgFactory(code=f"TX{i}", name=f"新镇{i}", kind=OrgKind.COMMITTEE, parent=county.county)
    client.force_login(county.county_admin)
    # session, user, roles, root stats (members, orgs), children, children stats (2),
    # the unread badge
    with django_assert_num_queries(9):
        html = client.get(reverse("orgs:tree")).content.decode()
    assert html.count('class="node"') == 1 + 2 + extra


@pytest.mark.parametrize("extra", [0, 2])
def test_org_children_partial_query_count(client, county, django_assert_num_queries, extra):
    for i in range(extra):
        OrgFactory(code=f"AX{i}", name=f"新支部{i}", parent=county.town_a)
    client.force_login(county.county_admin)
    # session, user, roles, the org, children, children stats (2)
    with django_assert_num_queries(7):
        html = client.get(reverse("orgs:children", args=["TA"])).content.decode()
    assert html.count('class="node"') == 2 + extra
