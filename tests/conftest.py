from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, settings

from tests.factories import MemberFactory, OrgFactory, UserFactory, grant
from xianfeng.orgs.enums import OrgKind, Region, RoleKind
from xianfeng.orgs.models import Org
from xianfeng.people.models import Member, User

# Property tests judge results, not speed: on a shared 2-core machine a draw can stall for
# seconds, which is no failure of the code under test.
settings.register_profile("xianfeng", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("xianfeng")

# Playwright's sync API runs an event loop in the test thread; Django refuses ORM calls
# from a thread with a running loop unless told this is deliberate.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_use_migrations,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
):
    """pytest-django's own set-up, but a test database starts as a copy of the migrated
    template (tests/dbtemplate.py) instead of migrating from nothing in every worker."""
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _get_databases_for_setup

    from tests import dbtemplate

    if not django_db_use_migrations:
        from pytest_django.fixtures import _disable_migrations

        _disable_migrations()
    keep = django_db_keepdb and not django_db_createdb
    aliases, serialized_aliases = _get_databases_for_setup(request.session.items)
    with django_db_blocker.unblock():
        copied = (
            django_db_use_migrations
            and not keep
            and bool(aliases)
            and dbtemplate.prepare_test_databases(aliases)
        )
        db_cfg = setup_databases(
            verbosity=request.config.option.verbose,
            interactive=False,
            aliases=aliases,
            serialized_aliases=serialized_aliases,
            keepdb=keep or copied,
        )
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            teardown_databases(db_cfg, verbosity=request.config.option.verbose)


@pytest.fixture(autouse=True)
def _forget_watchable_lessons():
    """lessons.selectors.watchable_lesson remembers "may watch" per process for a minute,
    keyed by user and lesson id; ids repeat between tests, so no test inherits another's."""
    from xianfeng.lessons import selectors

    selectors._watchable_local.clear()
    yield
    selectors._watchable_local.clear()


@pytest.fixture(autouse=True)
def _forget_identities():
    """The identity memo (common/memo.py) is keyed by user id and version; both repeat
    between tests once the database rolls back."""
    from xianfeng.common import memo

    memo.clear_all()
    yield
    memo.clear_all()


@dataclass
class County:
    """A small county: two towns, three branches, a party group, people with roles."""

    county: Org
    town_a: Org
    town_b: Org
    branch_a1: Org
    branch_a2: Org
    branch_b1: Org
    group_a1: Org
    county_admin: User
    town_a_admin: User
    secretary_a1: User
    secretary_b1: User
    propagandist_a1: User
    judge: User
    member_a1: Member
    member_a2: Member
    member_b1: Member
    resident: User


@pytest.fixture
def county(db) -> County:
    county = OrgFactory(code="C", name="青山县委", kind=OrgKind.COMMITTEE, region=Region.COUNTY)
    town_a = OrgFactory(
        code="TA", name="城关镇党委", kind=OrgKind.COMMITTEE, region=Region.TOWN, parent=county
    )
    town_b = OrgFactory(
        code="TB", name="河口镇党委", kind=OrgKind.COMMITTEE, region=Region.TOWN, parent=county
    )
    branch_a1 = OrgFactory(code="A1", name="东街社区党支部", parent=town_a)
    branch_a2 = OrgFactory(code="A2", name="西街社区党支部", parent=town_a)
    branch_b1 = OrgFactory(code="B1", name="柳湾村党支部", parent=town_b)
    group_a1 = OrgFactory(code="A1G1", name="第一党小组", kind=OrgKind.GROUP, parent=branch_a1)

    def person(username: str, name: str) -> User:
        return UserFactory(username=username, name=name)

    county_admin = person("county_admin", "县管理员")
    grant(county_admin, county, RoleKind.ADMIN)
    town_a_admin = person("town_admin", "镇管理员")
    grant(town_a_admin, town_a, RoleKind.ADMIN)
    secretary_a1 = person("secretary_a1", "东街书记")
    grant(secretary_a1, branch_a1, RoleKind.SECRETARY)
    secretary_b1 = person("secretary_b1", "柳湾书记")
    grant(secretary_b1, branch_b1, RoleKind.SECRETARY)
    propagandist_a1 = person("propaganda_a1", "东街宣传委员")
    grant(propagandist_a1, branch_a1, RoleKind.PROPAGANDA)
    judge = person("judge", "评委甲")
    grant(judge, county, RoleKind.JUDGE)
    member_a1 = MemberFactory(
        org=branch_a1, group=group_a1, user=UserFactory(username="member_a1", name="张东街")
    )
    member_a2 = MemberFactory(org=branch_a2, user=UserFactory(username="member_a2", name="李西街"))
    member_b1 = MemberFactory(org=branch_b1, user=UserFactory(username="member_b1", name="王柳湾"))
    resident = person("resident", "群众甲")
    return County(
        county=county,
        town_a=town_a,
        town_b=town_b,
        branch_a1=branch_a1,
        branch_a2=branch_a2,
        branch_b1=branch_b1,
        group_a1=group_a1,
        county_admin=county_admin,
        town_a_admin=town_a_admin,
        secretary_a1=secretary_a1,
        secretary_b1=secretary_b1,
        propagandist_a1=propagandist_a1,
        judge=judge,
        member_a1=member_a1,
        member_a2=member_a2,
        member_b1=member_b1,
        resident=resident,
    )


PASSWORD = "pass-word-123"


def beacon_sender(user, page: str):
    """A session of `user` that has opened `page` (so it holds the CSRF cookie), posting as
    app.js's xfBeacon does: a form with the report's JSON as `report` and the token as
    `csrfmiddlewaretoken` (left out with `token=False`, which CSRF must refuse)."""
    from django.conf import settings as django_settings
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.get(page)
    csrf = client.cookies[django_settings.CSRF_COOKIE_NAME].value

    def send(url: str, report: str, *, token: bool = True):
        return client.post(
            url, {"report": report, **({"csrfmiddlewaretoken": csrf} if token else {})}
        )

    return send
