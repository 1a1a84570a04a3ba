"""The person's identity (member record, roles) kept between requests under a version:
no query for it on the next page, and any change takes effect on the very next request."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import LessonFactory, UserFactory
from xianfeng.common.memo import MISSING, VersionedMemo
from xianfeng.orgs import services as org_services
from xianfeng.orgs.enums import RoleKind
from xianfeng.orgs.models import Role
from xianfeng.people.models import Member, User
from xianfeng.people.services.history import member_move

pytestmark = pytest.mark.django_db


def _identity_queries(queries: list[dict[str, str]], user_id: int) -> list[str]:
    """Queries that load this person's roles or member record."""
    return [
        q["sql"]
        for q in queries
        if ('FROM "orgs_role"' in q["sql"] and f'"orgs_role"."user_id" = {user_id}' in q["sql"])
        or (
            'FROM "people_member"' in q["sql"]
            and f'"people_member"."user_id" = {user_id}' in q["sql"]
        )
    ]


def _version(user: User) -> int:
    return User.objects.values_list("access_version", flat=True).get(pk=user.pk)


def test_memo_hands_out_copies_and_forgets_the_least_recent():
    memo = VersionedMemo(size=2)
    value = {"roles": ["书记"]}
    memo.put(1, 0, value)
    got = memo.get(1, 0)
    got["roles"].append("管理员")
    assert memo.get(1, 0) == {"roles": ["书记"]}
    assert memo.get(1, 1) is MISSING  # another version is another key
    memo.put(2, 0, None)
    assert memo.get(2, 0) is None  # "no member record" is remembered too
    memo.get(1, 0)  # 1 is now the most recent
    memo.put(3, 0, "c")
    assert memo.get(2, 0) is MISSING
    assert memo.get(1, 0) == {"roles": ["书记"]}
    assert len(memo) == 2


def test_second_page_loads_no_roles_or_member_record(client, county):
    user = county.member_a1.user
    client.force_login(user)
    with CaptureQueriesContext(connection) as first:
        assert client.get(reverse("lessons:feed")).status_code == 200
    assert len(_identity_queries(first.captured_queries, user.pk)) == 2
    with CaptureQueriesContext(connection) as second:
        assert client.get(reverse("lessons:feed")).status_code == 200
    assert _identity_queries(second.captured_queries, user.pk) == []
    assert len(second.captured_queries) == len(first.captured_queries) - 2


def test_role_granted_and_revoked_takes_effect_on_the_next_request(client, county):
    user = county.member_a1.user
    client.force_login(user)
    url = reverse("people:member_list")
    refused = client.get(url).status_code
    assert refused in (403, 404)
    assert client.get(url).status_code == refused  # now from the memo
    role = org_services.role_grant(
        actor=county.county_admin, user=user, org=county.branch_a1, kind=RoleKind.SECRETARY
    )
    response = client.get(url)
    assert response.status_code == 200
    assert "张东街" in response.content.decode()
    org_services.role_revoke(actor=county.county_admin, role=role)
    assert client.get(url).status_code == refused


def test_role_deleted_with_its_org_subtree_query_still_bumps(client, county):
    """A role removed by a queryset delete (no service) is caught by the signal too."""
    client.force_login(county.secretary_a1)
    url = reverse("people:member_list")
    assert client.get(url).status_code == 200
    before = _version(county.secretary_a1)
    Role.objects.filter(user=county.secretary_a1).delete()
    assert _version(county.secretary_a1) == before + 1
    assert client.get(url).status_code in (403, 404)


def test_member_moved_to_another_branch_loses_the_old_branch_lesson_at_once(client, county):
    lesson = LessonFactory(org=county.branch_a1, published=True, title="东街支部专属课")
    user = county.member_a1.user
    client.force_login(user)
    url = reverse("lessons:detail", args=[lesson.pk])
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200
    member = Member.objects.get(pk=county.member_a1.pk)
    member_move(member=member, org=county.branch_b1, on=datetime.date.today(), reason="调动")
    assert client.get(url).status_code == 404


def test_org_renamed_shows_the_new_name_on_the_next_page(client, county):
    user = county.member_a1.user
    client.force_login(user)
    assert "东街社区党支部" in client.get(reverse("people:me")).content.decode()
    org_services.org_rename(
        actor=county.county_admin,
        org=county.branch_a1,
        name="东街新村党支部",
        on=datetime.date.today(),
        reason="村改居更名",
    )
    page = client.get(reverse("people:me")).content.decode()
    assert "东街新村党支部" in page
    assert "东街社区党支部" not in page


def test_org_move_bumps_everyone_attached_below_it(county):
    attached = [county.member_a1.user, county.secretary_a1, county.propagandist_a1]
    before = {u.pk: _version(u) for u in attached}
    others = {u.pk: _version(u) for u in (county.member_b1.user, county.secretary_b1)}
    org_services.org_move(
        actor=county.county_admin, org=county.branch_a1, new_parent=county.town_b, reason="区划调整"
    )
    assert {u.pk: _version(u) for u in attached} == {pk: v + 1 for pk, v in before.items()}
    assert {pk: _version(User(pk=pk)) for pk in others} == others


def test_resident_who_becomes_a_member_sees_the_branch_at_once(client, county):
    lesson = LessonFactory(org=county.branch_b1, published=True)
    user = UserFactory(username="newcomer", name="新党员")
    client.force_login(user)
    url = reverse("lessons:detail", args=[lesson.pk])
    assert client.get(url).status_code == 404
    assert client.get(url).status_code == 404
    Member.objects.create(user=user, org=county.branch_b1)
    assert client.get(url).status_code == 200


def test_instances_not_loaded_by_the_login_never_use_the_memo(county):
    """A user object that outlived its request may be behind its row: it reads the
    database, whatever an earlier request left in the memo."""
    from xianfeng.people.selectors import member_of

    user = User.objects.get(pk=county.member_a1.user_id)
    user._xf_identity_fresh = True
    assert member_of(user).org_id == county.branch_a1.pk
    Member.objects.filter(pk=county.member_a1.pk).update(org=county.branch_b1)  # no bump
    stale = User.objects.get(pk=user.pk)  # same version, but not from the login
    assert member_of(stale).org_id == county.branch_b1.pk


@pytest.fixture
def file_sessions(settings):
    """The embedded default's sessions (files shared by the processes, the database as
    the record); the rest of the suite counts a session query."""
    settings.SESSION_CACHE_ALIAS = "sessions"


def test_a_page_reads_its_session_without_a_query(client, county, file_sessions):
    client.force_login(county.member_a1.user)
    client.get(reverse("lessons:feed"))
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("lessons:feed")).status_code == 200
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert not [s for s in sqls if "django_session" in s or "xf_cache" in s]


def test_logging_out_ends_the_session_for_every_process(client, county, file_sessions):
    from django.contrib.sessions.backends.cached_db import SessionStore

    client.force_login(county.member_a1.user)
    key = client.cookies["sessionid"].value
    assert client.get(reverse("people:me")).status_code == 200
    client.post(reverse("people:logout"))
    assert SessionStore().exists(key) is False  # neither in the files nor in the database
    client.cookies["sessionid"] = key  # the old cookie, replayed
    response = client.get(reverse("people:me"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
