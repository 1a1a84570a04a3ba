"""Role reach depends on the role's kind: a county 评委, 审核员 or 站点管理员 does not see the
branch-only lessons of the county through the role; the branch officers and admins do."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from tests.factories import UserFactory, grant
from xianfeng.lessons.models import Comment, Rating, WatchProgress
from xianfeng.orgs.enums import RoleKind

pytestmark = pytest.mark.django_db

LEAK = "柳湾村的秘密课程"


@pytest.mark.parametrize("kind", [RoleKind.JUDGE, RoleKind.REVIEWER, RoleKind.SITE_ADMIN])
def test_role_that_does_not_reach_records_sees_no_branch_lesson(client, county, lesson_b1, kind):
    holder = UserFactory(username=f"holder_{kind}")
    grant(holder, county.county, kind)
    client.force_login(holder)
    page = reverse("lessons:detail", args=[lesson_b1.pk])
    assert client.get(page).status_code == 404
    for feed in ("latest", "branch", "county", "popular"):
        html = client.get(reverse("lessons:feed"), {"feed": feed}).content.decode()
        assert LEAK not in html, feed
    assert LEAK not in client.get(reverse("lessons:feed"), {"q": "柳湾村"}).content.decode()
    assert client.get(f"/api/v1/lessons/{lesson_b1.pk}").status_code == 404
    assert (
        client.post(reverse("lessons:rate", args=[lesson_b1.pk]), {"score": "5"}).status_code == 404
    )
    assert (
        client.post(
            reverse("lessons:comment", args=[lesson_b1.pk]), {"text": "评委的评论"}
        ).status_code
        == 404
    )
    watched = client.post(
        reverse("lessons:watch", args=[lesson_b1.pk]),
        json.dumps({"sections": [[0, 10]]}),
        content_type="application/json",
    )
    assert watched.status_code == 404
    assert not Rating.objects.exists()
    assert not Comment.objects.exists()
    assert not WatchProgress.objects.exists()


@pytest.mark.parametrize(
    "kind", [RoleKind.SECRETARY, RoleKind.ORGANIZER, RoleKind.PROPAGANDA, RoleKind.ADMIN]
)
def test_officers_and_admins_above_reach_the_branch_lesson(client, county, lesson_b1, kind):
    holder = UserFactory(username=f"holder_{kind}")
    grant(holder, county.town_b, kind)
    client.force_login(holder)
    assert client.get(reverse("lessons:detail", args=[lesson_b1.pk])).status_code == 200


def test_judge_who_is_also_a_member_sees_what_the_membership_gives(
    client, county, lesson_a1, lesson_b1
):
    # The county judge fixture has no member record; make one in branch A1.
    from tests.factories import MemberFactory

    MemberFactory(org=county.branch_a1, user=county.judge)
    client.force_login(county.judge)
    assert client.get(reverse("lessons:detail", args=[lesson_a1.pk])).status_code == 200
    assert client.get(reverse("lessons:detail", args=[lesson_b1.pk])).status_code == 404
