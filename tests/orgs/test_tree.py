from __future__ import annotations

import pytest

from tests.factories import OrgFactory
from xianfeng.common.errors import Refused
from xianfeng.orgs import paths, services
from xianfeng.orgs.enums import OrgKind
from xianfeng.orgs.models import Org
from xianfeng.orgs.selectors import orgs_managed_by

pytestmark = pytest.mark.django_db


def codes(qs) -> list[str]:
    return sorted(o.code for o in qs)


def test_subtree_is_one_range_query_at_any_depth(county, django_assert_num_queries):
    with django_assert_num_queries(1):
        found = codes(Org.objects.within([county.town_a]))
    assert found == ["A1", "A1G1", "A2", "TA"]


def test_paths_encode_ancestry(county):
    assert county.group_a1.path == county.county.path + paths.segment(
        county.town_a.pk
    ) + paths.segment(county.branch_a1.pk) + paths.segment(county.group_a1.pk)
    assert county.group_a1.depth == 3
    assert county.group_a1.ancestor_ids() == [
        county.county.pk,
        county.town_a.pk,
        county.branch_a1.pk,
    ]


def test_move_subtree_rewrites_every_descendant(county):
    services.org_move(
        actor=county.county_admin, org=county.branch_a1, new_parent=county.town_b, reason="区划调整"
    )
    group = Org.objects.get(code="A1G1")
    branch = Org.objects.get(code="A1")
    town_b = Org.objects.get(code="TB")
    assert branch.parent_id == town_b.pk
    assert branch.path == town_b.path + paths.segment(branch.pk)
    assert group.path == branch.path + paths.segment(group.pk)
    assert (branch.depth, group.depth) == (2, 3)
    assert codes(Org.objects.within([town_b])) == ["A1", "A1G1", "B1", "TB"]
    assert codes(Org.objects.within([Org.objects.get(code="TA")])) == ["A2", "TA"]


def test_move_under_own_descendant_is_refused_and_nothing_changes(county):
    before = list(Org.objects.values_list("code", "path", "depth", "parent_id"))
    with pytest.raises(Refused, match="不能把组织移到它自己或它的下级组织之下"):
        services.org_move(
            actor=county.county_admin, org=county.town_a, new_parent=county.branch_a1, reason="x"
        )
    assert list(Org.objects.values_list("code", "path", "depth", "parent_id")) == before


def test_group_only_under_branch(county):
    with pytest.raises(Refused, match="党小组不能设在党委之下"):
        OrgFactory(code="X1", kind=OrgKind.GROUP, parent=county.town_a)
    assert not Org.objects.filter(code="X1").exists()


def test_duplicate_code_refused(county):
    with pytest.raises(Refused, match="组织代码“A1”已被使用"):
        OrgFactory(code="A1", parent=county.town_a)


def test_town_admin_reaches_exactly_the_town(county):
    assert codes(orgs_managed_by(county.town_a_admin)) == ["A1", "A1G1", "A2", "TA"]


def test_outermost_drops_nested_paths():
    assert paths.outermost(["0001", "00010002", "0003", "00030004000"]) == ["0001", "0003"]


def test_the_breadcrumb_links_only_the_orgs_the_person_may_open(client, county):
    """A branch secretary sees the town and county by name; a link would answer 404."""
    client.force_login(county.secretary_a1)
    html = client.get("/orgs/A1/").content.decode()
    crumb = html[html.index('class="breadcrumb"') :][:600]
    assert "青山县委" in crumb and "城关镇党委" in crumb
    assert 'href="/orgs/C/"' not in crumb and 'href="/orgs/TA/"' not in crumb
    assert client.get("/orgs/C/").status_code == 404
    client.force_login(county.town_a_admin)
    crumb = client.get("/orgs/A1/").content.decode()
    crumb = crumb[crumb.index('class="breadcrumb"') :][:600]
    assert 'href="/orgs/TA/"' in crumb and 'href="/orgs/C/"' not in crumb
    client.force_login(county.county_admin)
    crumb = client.get("/orgs/A1/").content.decode()
    crumb = crumb[crumb.index('class="breadcrumb"') :][:600]
    assert 'href="/orgs/TA/"' in crumb and 'href="/orgs/C/"' in crumb


def test_a_party_group_counts_the_members_in_it_and_the_branch_still_counts_them(county):
    """Members of a group belong to the branch (org) and the group (group): the group showed
    "0 名党员" while the roster listed its members."""
    from tests.factories import MemberFactory
    from xianfeng.orgs.selectors import subtree_stats

    MemberFactory(org=county.branch_a1, group=county.group_a1)
    MemberFactory(org=county.branch_a1)  # in the branch, in no group
    assert subtree_stats([county.group_a1])[county.group_a1.pk]["members"] == 2
    branches = subtree_stats([county.branch_a1, county.branch_a2])
    assert branches[county.branch_a1.pk]["members"] == 3
    assert branches[county.branch_a2.pk]["members"] == 1
    assert subtree_stats([county.town_a])[county.town_a.pk]["members"] == 4
