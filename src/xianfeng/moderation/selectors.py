from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from xianfeng.moderation.enums import ReviewStatus
from xianfeng.moderation.models import ReviewItem
from xianfeng.moderation.rules import REVIEW_ROLES
from xianfeng.orgs.selectors import scope_q


def review_items_for(user: Any, *, pending: bool = True) -> QuerySet[ReviewItem]:
    """Held items in the subtrees the person reviews."""
    if not getattr(user, "is_authenticated", False):
        return ReviewItem.objects.none()
    qs = ReviewItem.objects.filter(scope_q(user, REVIEW_ROLES, field="org__path"))
    if pending:
        qs = qs.filter(status=ReviewStatus.PENDING)
    return qs.select_related("org", "author").order_by("created_at", "id")


def get_review_item_for_user(user: Any, pk: int) -> ReviewItem:
    item = review_items_for(user, pending=False).filter(pk=pk).first()
    if item is None:
        raise Http404("找不到该审核事项")
    return item
