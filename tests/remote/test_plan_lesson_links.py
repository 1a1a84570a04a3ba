"""A viewing plan links only the lessons the reader may open: a lesson published to one
branch is listed by title on another branch's site admin's plan page, not as a link that
answers 404 (the persona crawl found three such links on the demo county's plans)."""

from __future__ import annotations

import datetime

import pytest

from tests.factories import MemberFactory, published_lesson
from xianfeng.remote import services

pytestmark = pytest.mark.django_db


def test_plan_links_only_the_lessons_the_reader_may_open(client, county, sites2):
    # Each site's admin is a member of the site's branch, as in the demo county.
    MemberFactory(org=county.branch_a1, user=sites2.admin_a)
    MemberFactory(org=county.branch_b1, user=sites2.admin_b)
    everyone = published_lesson(org=county.county, author=county.member_a1.user, title="全县课")
    branch_only = published_lesson(
        org=county.branch_a1, author=county.member_a1.user, title="东街支部课"
    )
    plan = services.plan_create(
        actor=county.county_admin,
        org=county.county,
        title="十二月集中收看",
        starts_on=datetime.date(2026, 12, 1),
        ends_on=datetime.date(2026, 12, 7),
        lessons=[everyone, branch_only],
        sites=[sites2.a, sites2.b],
    )
    services.plan_publish(actor=county.county_admin, plan=plan)
    for user, linked in [
        (sites2.admin_a, [everyone, branch_only]),
        (sites2.admin_b, [everyone]),
        (county.county_admin, [everyone, branch_only]),
    ]:
        client.force_login(user)
        html = client.get(f"/remote/plans/{plan.pk}/").content.decode()
        assert "东街支部课" in html and "全县课" in html
        for lesson in [everyone, branch_only]:
            link = f'href="/lessons/{lesson.pk}/"'
            assert (link in html) is (lesson in linked), (user.username, lesson.title)
            if lesson in linked:
                assert client.get(f"/lessons/{lesson.pk}/").status_code == 200
