"""The review queue: a 审核员 or 组织管理员 sees the held items of their subtree only, and
decides only those; a decision is applied once."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from tests.factories import CommentFactory, ReviewItemFactory, UserFactory, grant
from xianfeng.common.errors import Refused
from xianfeng.moderation.models import ReviewItem
from xianfeng.moderation.selectors import get_review_item_for_user, review_items_for
from xianfeng.moderation.services import review_decide
from xianfeng.orgs.enums import RoleKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def items(county):
    return {
        "a1": ReviewItemFactory(org=county.branch_a1, text="东街：赌博网站广告"),
        "a2": ReviewItemFactory(org=county.branch_a2, text="西街：赌博网站广告"),
        "b1": ReviewItemFactory(org=county.branch_b1, text="柳湾：赌博网站广告"),
        "done": ReviewItemFactory(org=county.branch_a1, status="approved", text="已审核"),
    }


def texts(user, **kwargs):
    return sorted(review_items_for(user, **kwargs).values_list("text", flat=True))


def test_review_items_for_a_town_reviewer_is_the_town_only(county, items):
    reviewer = UserFactory(name="镇审核员")
    grant(reviewer, county.town_a, RoleKind.REVIEWER)
    assert texts(reviewer) == ["东街：赌博网站广告", "西街：赌博网站广告"]
    assert texts(reviewer, pending=False) == ["东街：赌博网站广告", "已审核", "西街：赌博网站广告"]
    with pytest.raises(Http404):
        get_review_item_for_user(reviewer, items["b1"].pk)
    assert get_review_item_for_user(reviewer, items["done"].pk) == items["done"]


def test_review_items_for_the_county_admin_is_everything(county, items):
    assert len(texts(county.county_admin)) == 3


@pytest.mark.parametrize("who", ["secretary_a1", "member", "judge", "resident"])
def test_review_items_for_people_without_a_review_role_is_nothing(county, items, who):
    user = county.member_a1.user if who == "member" else getattr(county, who)
    assert texts(user, pending=False) == []
    with pytest.raises(Http404):
        get_review_item_for_user(user, items["a1"].pk)


def test_review_items_for_anonymous_is_nothing(items):
    from django.contrib.auth.models import AnonymousUser

    assert list(review_items_for(AnonymousUser())) == []


def test_review_decide_outside_the_subtree_is_refused_and_changes_nothing(county, items):
    reviewer = UserFactory(name="柳湾审核员")
    grant(reviewer, county.branch_b1, RoleKind.REVIEWER)
    with pytest.raises(PermissionDenied):
        review_decide(reviewer=reviewer, item=items["a1"], approve=True)
    item = ReviewItem.objects.get(pk=items["a1"].pk)
    assert (item.status, item.reviewer_id, item.decided_at) == ("pending", None, None)


def test_review_decide_applies_to_the_comment_once(county):
    comment = CommentFactory(status="held", text="赌博网站的广告", lesson__org=county.branch_a1)
    item = ReviewItemFactory(kind="lesson.comment", object_id=str(comment.pk), org=county.branch_a1)
    reviewer = UserFactory(name="东街审核员")
    grant(reviewer, county.branch_a1, RoleKind.REVIEWER)
    decided = review_decide(reviewer=reviewer, item=item, approve=False, note="广告")
    assert (decided.status, decided.reviewer, decided.note) == ("rejected", reviewer, "广告")
    comment.refresh_from_db()
    assert comment.status == "rejected"
    with pytest.raises(Refused, match="已经审核过了"):
        review_decide(reviewer=reviewer, item=item, approve=True)
    comment.refresh_from_db()
    assert comment.status == "rejected"
