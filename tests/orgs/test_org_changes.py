"""Orgs over time: create, rename, move, merge with an effective date and a reason; names
kept ("原名"); codes never change; scoping of every page (an admin only below their rank)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tests.factories import MemberFactory, OrgFactory, UserFactory
from xianfeng.common.errors import Refused
from xianfeng.orgs import services
from xianfeng.orgs.enums import OrgChangeKind, OrgKind
from xianfeng.orgs.models import Org, OrgChange
from xianfeng.orgs.selectors import org_name_on
from xianfeng.people.models import Member, MemberPeriod
from xianfeng.people.selectors import members_on

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def county(county):
    Org.objects.update(founded_on=D(2015, 1, 1))
    Member.objects.update(org_since=D(2016, 1, 1))
    for name in ("county", "town_a", "town_b", "branch_a1", "branch_a2", "branch_b1", "group_a1"):
        getattr(county, name).refresh_from_db()
    return county


def changes():
    """Changes made by the test (the fixture's orgs each have their 成立 row)."""
    return OrgChange.objects.exclude(kind=OrgChangeKind.FOUNDED)


def snapshot() -> list[tuple]:
    return list(
        Org.objects.order_by("pk").values_list("code", "name", "path", "parent_id", "dissolved_on")
    )


# --- rename ------------------------------------------------------------------------------


def test_rename_keeps_the_old_name_for_dates_before_it_and_the_code(county, client):
    branch = county.branch_a1
    client.force_login(county.town_a_admin)
    response = client.post(
        reverse("orgs:rename", args=["A1"]),
        {"name": "东街社区第一党支部", "on": "2026-03-01", "reason": "城关党发〔2026〕3号"},
    )
    assert response.status_code == 302
    branch.refresh_from_db()
    assert (branch.code, branch.name) == ("A1", "东街社区第一党支部")
    assert org_name_on(branch, D(2026, 2, 28)) == "东街社区党支部"
    assert org_name_on(branch, D(2026, 3, 1)) == "东街社区第一党支部"
    page = client.get(reverse("orgs:detail", args=["A1"])).content.decode()
    assert "原名 东街社区党支部" in page
    assert "至 2026-03-01" in page
    assert "城关党发〔2026〕3号" in page


def test_two_renames_give_each_day_its_name(county):
    branch = county.branch_a1
    services.org_rename(
        actor=county.town_a_admin, org=branch, name="乙", on=D(2020, 1, 1), reason="合并村"
    )
    services.org_rename(
        actor=county.town_a_admin, org=branch, name="丙", on=D(2024, 1, 1), reason="改社区"
    )
    branch.refresh_from_db()
    assert [org_name_on(branch, d) for d in (D(2019, 12, 31), D(2023, 6, 1), D(2025, 1, 1))] == [
        "东街社区党支部",
        "乙",
        "丙",
    ]
    with pytest.raises(Refused, match="更名日期不能早于上一次更名（2024-01-01）"):
        services.org_rename(
            actor=county.town_a_admin, org=branch, name="丁", on=D(2022, 1, 1), reason="x"
        )


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"name": "东街社区党支部", "on": "2026-03-01", "reason": "x"}, "新名称与现名称相同"),
        ({"name": "新名", "on": "2099-01-01", "reason": "x"}, "更名日期不能晚于今天"),
        ({"name": "新名", "on": "2010-01-01", "reason": "x"}, "更名日期早于"),
        ({"name": "新名", "on": "2026-13-01", "reason": "x"}, "日期格式不对"),
        ({"name": "新名", "on": "2026-03-01", "reason": "  "}, "请填写原因或批准文号"),
    ],
)
def test_a_bad_rename_keeps_the_input_and_changes_nothing(county, client, post, message):
    before = snapshot()
    client.force_login(county.town_a_admin)
    response = client.post(reverse("orgs:rename", args=["A1"]), post)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    assert f'value="{post["name"]}"' in body
    assert snapshot() == before
    assert not changes().exists()


def test_an_admin_cannot_rename_their_own_top_org(county, client):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.org_rename(
            actor=county.town_a_admin, org=county.town_a, name="新镇", on=D(2026, 1, 1), reason="x"
        )
    client.force_login(county.town_a_admin)
    page = client.get(reverse("orgs:detail", args=["TA"])).content.decode()
    assert 'id="org-rename"' not in page
    response = client.post(
        reverse("orgs:rename", args=["TA"]), {"name": "新镇", "on": "2026-01-01", "reason": "x"}
    )
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("who", ["town_b_admin", "secretary_a1", "member", "resident", "anon"])
def test_others_cannot_see_or_rename_a_branch(county, client, who):
    town_b_admin = UserFactory(username="town_b_admin")
    services.role_grant(actor=None, user=town_b_admin, org=county.town_b, kind="admin")
    actor = {
        "town_b_admin": town_b_admin,
        "secretary_a1": county.secretary_a1,
        "member": county.member_a1.user,
        "resident": county.resident,
        "anon": None,
    }[who]
    if actor:
        client.force_login(actor)
    before = snapshot()
    response = client.post(
        reverse("orgs:rename", args=["A1"]), {"name": "新名", "on": "2026-01-01", "reason": "x"}
    )
    assert response.status_code in (302, 404) if who == "anon" else response.status_code == 404
    if who != "secretary_a1" and actor is not None:
        assert client.get(reverse("orgs:detail", args=["A1"])).status_code in (403, 404)
    assert snapshot() == before


# --- move --------------------------------------------------------------------------------


def test_county_admin_moves_a_branch_with_its_groups_from_a_date(county, client):
    client.force_login(county.county_admin)
    page = client.get(reverse("orgs:detail", args=["A1"])).content.decode()
    assert 'id="org-move"' in page
    response = client.post(
        reverse("orgs:move", args=["A1"]),
        {"parent": county.town_b.pk, "on": "2026-06-01", "reason": "区划调整"},
    )
    assert response.status_code == 302
    branch = Org.objects.get(code="A1")
    group = Org.objects.get(code="A1G1")
    assert branch.parent_id == county.town_b.pk
    assert group.path.startswith(branch.path) and group.path.startswith(county.town_b.path)
    (change,) = OrgChange.objects.filter(org=branch, kind=OrgChangeKind.MOVED)
    assert (change.effective_on, change.from_parent_id, change.to_parent_id, change.reason) == (
        D(2026, 6, 1),
        county.town_a.pk,
        county.town_b.pk,
        "区划调整",
    )


def test_a_town_admin_cannot_move_a_branch_out_of_their_town(county, client):
    client.force_login(county.town_a_admin)
    before = snapshot()
    response = client.post(
        reverse("orgs:move", args=["A1"]),
        {"parent": county.town_b.pk, "on": "2026-06-01", "reason": "x"},
    )
    assert response.status_code == 400
    assert "所选上级组织不在您的管理范围内" in response.content.decode()
    assert snapshot() == before
    page = client.get(reverse("orgs:detail", args=["A1"])).content.decode()
    assert "河口镇党委" not in page


def test_a_town_admin_cannot_move_their_town(county):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.org_move(
            actor=county.town_a_admin,
            org=county.town_a,
            new_parent=county.town_b,
            on=D(2026, 1, 1),
            reason="x",
        )
    assert snapshot() == before


# --- merge -------------------------------------------------------------------------------


def test_merge_moves_members_with_their_dates_and_dissolves_the_source(county, client):
    extra = MemberFactory(org=county.branch_a2, org_since=D(2018, 5, 1))
    client.force_login(county.town_a_admin)
    response = client.post(
        reverse("orgs:merge", args=["A2"]),
        {"target": county.branch_a1.pk, "on": "2026-04-01", "reason": "两社区合并"},
    )
    assert response.status_code == 302
    source = Org.objects.get(code="A2")
    assert source.dissolved_on == D(2026, 4, 1)
    assert source.dissolve_reason == "并入东街社区党支部：两社区合并"
    moved = Member.objects.get(pk=county.member_a2.pk)
    assert (moved.org_id, moved.org_since) == (county.branch_a1.pk, D(2026, 4, 1))
    assert set(members_on(source, D(2026, 3, 31)).values_list("pk", flat=True)) == {
        county.member_a2.pk,
        extra.pk,
    }
    assert not members_on(source, D(2026, 4, 1)).exists()
    assert set(members_on(county.branch_a1, D(2026, 4, 1)).values_list("pk", flat=True)) == {
        county.member_a1.pk,
        county.member_a2.pk,
        extra.pk,
    }
    assert not members_on(county.branch_a1, D(2026, 3, 31)).filter(pk=extra.pk).exists()
    period = MemberPeriod.objects.get(member=extra)
    assert (period.org_id, period.started_on, period.ended_on) == (
        source.pk,
        D(2018, 5, 1),
        D(2026, 4, 1),
    )
    kinds = set(changes().values_list("org__code", "kind"))
    assert kinds == {("A2", OrgChangeKind.MERGED), ("A1", OrgChangeKind.MERGED_IN)}
    page = client.get(reverse("orgs:detail", args=["A2"])).content.decode()
    assert 'id="org-dissolved"' in page and "并入其他组织" in page


def test_merge_of_a_branch_takes_its_groups_along(county):
    services.org_merge(
        actor=county.town_a_admin,
        source=county.branch_a1,
        target=county.branch_a2,
        on=D(2026, 4, 1),
        reason="合并",
    )
    group = Org.objects.get(code="A1G1")
    assert group.parent_id == county.branch_a2.pk
    member = Member.objects.get(pk=county.member_a1.pk)
    assert (member.org_id, member.group_id) == (county.branch_a2.pk, group.pk)


def test_merge_refusals_change_nothing(county):
    before = snapshot()
    late = MemberFactory(org=county.branch_a2, org_since=D(2026, 5, 1))
    with pytest.raises(Refused, match="只能合并同类组织"):
        services.org_merge(
            actor=county.county_admin,
            source=county.branch_a2,
            target=county.town_b,
            on=D(2026, 4, 1),
            reason="x",
        )
    with pytest.raises(Refused, match=f"合并日期早于{late.user.name}转入西街社区党支部的日期"):
        services.org_merge(
            actor=county.county_admin,
            source=county.branch_a2,
            target=county.branch_a1,
            on=D(2026, 4, 1),
            reason="x",
        )
    with pytest.raises(PermissionDenied):
        services.org_merge(
            actor=county.town_a_admin,
            source=county.branch_a2,
            target=county.branch_b1,
            on=D(2026, 6, 1),
            reason="x",
        )
    assert snapshot() == before
    assert Member.objects.get(pk=late.pk).org_id == county.branch_a2.pk
    assert not MemberPeriod.objects.exists() and not changes().exists()


# --- create ------------------------------------------------------------------------------


def test_create_records_its_founding_date_and_reason(county, client):
    client.force_login(county.town_a_admin)
    response = client.post(
        reverse("orgs:child_create", args=["TA"]),
        {
            "name": "南街社区党支部",
            "code": "A3",
            "kind": "branch",
            "region": "village",
            "founded_on": "2026-02-01",
            "reason": "城关党发〔2026〕1号",
        },
    )
    assert response.status_code == 302
    org = Org.objects.get(code="A3")
    assert org.founded_on == D(2026, 2, 1)
    (change,) = OrgChange.objects.filter(org=org)  # its 成立
    assert (change.kind, change.reason, change.to_parent_id) == (
        OrgChangeKind.FOUNDED,
        "城关党发〔2026〕1号",
        county.town_a.pk,
    )


def test_create_with_a_taken_code_shows_the_form_again(county, client):
    client.force_login(county.town_a_admin)
    response = client.post(
        reverse("orgs:child_create", args=["TA"]),
        {"name": "南街社区党支部", "code": "A1", "kind": "branch", "region": "village"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "组织代码“A1”已被使用" in body and 'value="南街社区党支部"' in body
    assert not Org.objects.filter(name="南街社区党支部").exists()


# --- party groups ------------------------------------------------------------------------


def test_the_secretary_sets_up_a_group_and_puts_members_in_it(county, client):
    client.force_login(county.secretary_a1)
    page = client.get(reverse("orgs:detail", args=["A1"])).content.decode()
    assert 'id="org-groups"' in page and "第一党小组" in page
    response = client.post(reverse("orgs:group_create", args=["A1"]), {"name": "第二党小组"})
    assert response.status_code == 302
    group = Org.objects.get(name="第二党小组")
    assert (group.code, group.parent_id, group.kind) == ("A1G2", county.branch_a1.pk, "group")
    url = reverse("people:group_members", args=["A1"])
    response = client.post(url, {f"group_{county.member_a1.pk}": str(group.pk)})
    assert response.status_code == 302
    assert Member.objects.get(pk=county.member_a1.pk).group_id == group.pk
    again = client.post(reverse("orgs:group_create", args=["A1"]), {"name": "第二党小组"})
    assert again.status_code == 400
    assert "本支部已有“第二党小组”" in again.content.decode()
    assert Org.objects.filter(name="第二党小组").count() == 1


def test_a_group_of_another_branch_is_refused_and_nothing_changes(county, client):
    other = OrgFactory(
        code="B1G1", name="柳湾第一小组", kind=OrgKind.GROUP, parent=county.branch_b1
    )
    client.force_login(county.secretary_a1)
    response = client.post(
        reverse("people:group_members", args=["A1"]), {f"group_{county.member_a1.pk}": other.pk}
    )
    assert response.status_code == 400
    assert "所选党小组不属于本支部或已撤销" in response.content.decode()
    assert Member.objects.get(pk=county.member_a1.pk).group_id == county.group_a1.pk


@pytest.mark.parametrize("who", ["secretary_b1", "member", "resident", "propagandist"])
def test_group_pages_are_the_branch_managers_only(county, client, who):
    actor = {
        "secretary_b1": county.secretary_b1,
        "member": county.member_a1.user,
        "resident": county.resident,
        "propagandist": county.propagandist_a1,
    }[who]
    client.force_login(actor)
    url = reverse("people:group_members", args=["A1"])
    assert client.get(url).status_code == 404
    assert client.post(url, {f"group_{county.member_a1.pk}": ""}).status_code == 404
    assert client.post(reverse("orgs:group_create", args=["A1"]), {"name": "x"}).status_code == 404
    assert Member.objects.get(pk=county.member_a1.pk).group_id == county.group_a1.pk
    assert not Org.objects.filter(name="x").exists()


def test_anonymous_is_sent_to_login_from_the_group_page(county, client):
    response = client.get(reverse("people:group_members", args=["A1"]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_dissolving_a_group_takes_its_members_out_of_it(county, client):
    client.force_login(county.secretary_a1)
    response = client.post(
        reverse("orgs:dissolve", args=["A1G1"]), {"on": "2026-05-01", "reason": "小组调整"}
    )
    assert response.status_code == 302
    assert Org.objects.get(code="A1G1").dissolved_on == D(2026, 5, 1)
    assert Member.objects.get(pk=county.member_a1.pk).group_id is None


def test_the_secretary_renames_a_group_but_not_the_branch(county):
    services.org_rename(
        actor=county.secretary_a1,
        org=county.group_a1,
        name="一组",
        on=D(2026, 1, 1),
        reason="支委会决定",
    )
    assert Org.objects.get(code="A1G1").name == "一组"
    with pytest.raises(PermissionDenied):
        services.org_rename(
            actor=county.secretary_a1, org=county.branch_a1, name="新", on=D(2026, 1, 1), reason="x"
        )


# --- query counts ------------------------------------------------------------------------


def _detail_queries(client, county, start: int, count: int) -> int:
    for n in range(start, start + count):
        services.org_rename(
            actor=None, org=county.branch_a1, name=f"东街{n}", on=D(2018 + n, 1, 1), reason="更名"
        )
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(county.town_a_admin)
    client.get(reverse("orgs:detail", args=["A1"]))
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("orgs:detail", args=["A1"])).status_code == 200
    return len(ctx.captured_queries)


def test_detail_page_queries_do_not_grow_with_history(county, client):
    one = _detail_queries(client, county, 0, 1)
    three = _detail_queries(client, county, 1, 2)
    assert one == three
    assert one <= 22


def test_group_members_page_queries_do_not_grow(county, client):
    client.force_login(county.secretary_a1)
    url = reverse("people:group_members", args=["A1"])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    first = len(ctx.captured_queries)
    MemberFactory(org=county.branch_a1)
    MemberFactory(org=county.branch_a1)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    assert len(ctx.captured_queries) == first
