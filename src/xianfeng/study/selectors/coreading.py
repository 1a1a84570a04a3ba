"""Reads of 共读: the co-readings that reach a person, one co-reading's notes and
discussion, and for the organiser who has read and who has written."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from xianfeng.moderation.enums import TextStatus
from xianfeng.orgs.models import subtree_q
from xianfeng.orgs.selectors import scope_q
from xianfeng.people.models import Member
from xianfeng.people.selectors import member_of
from xianfeng.study.models import ArticleRead, CoReading, CoReadingComment, CoReadingNote
from xianfeng.study.rules import STUDY_MANAGE_ROLES
from xianfeng.study.selectors.plans import member_org_ids


def coreadings_for(user: Any) -> QuerySet[CoReading]:
    member = member_of(user)
    if member is None:
        return CoReading.objects.none()
    return (
        CoReading.objects.filter(org_id__in=member_org_ids(member))
        .select_related("org", "article")
        .order_by("-deadline", "-id")
    )


def coreadings_managed_by(user: Any) -> QuerySet[CoReading]:
    if not getattr(user, "is_authenticated", False):
        return CoReading.objects.none()
    return CoReading.objects.filter(scope_q(user, STUDY_MANAGE_ROLES, field="org__path"))


def get_coreading_for_user(user: Any, pk: int) -> CoReading:
    row = coreadings_for(user).filter(pk=pk).first()
    if row is None:
        row = coreadings_managed_by(user).select_related("org", "article").filter(pk=pk).first()
    if row is None:
        raise Http404("找不到这次共读")
    return row


def is_in_coreading(user: Any, coreading: CoReading) -> bool:
    member = member_of(user)
    return member is not None and coreading.org_id in member_org_ids(member)


def _audience(coreading: CoReading) -> QuerySet[Member]:
    root = [coreading.org.path]
    return Member.objects.filter(
        subtree_q(root, field="org__path") | subtree_q(root, field="group__path"),
        user__is_active=True,
    )


def notes_for(coreading: CoReading, user: Any) -> list[CoReadingNote]:
    """Visible 心得, featured first; the person's own whatever its review status."""
    return list(
        CoReadingNote.objects.filter(coreading=coreading)
        .filter(Q(status=TextStatus.VISIBLE) | Q(user_id=user.pk))
        .select_related("user")
        .order_by("-featured", "-updated_at")[:200]
    )


def comments_for(coreading: CoReading, user: Any) -> list[CoReadingComment]:
    return list(
        CoReadingComment.objects.filter(coreading=coreading)
        .filter(Q(status=TextStatus.VISIBLE) | Q(user_id=user.pk))
        .select_related("user")[:300]
    )


def progress(coreading: CoReading) -> list[dict[str, Any]]:
    """Each member the co-reading is for: whether they read the article and wrote a 心得."""
    read = ArticleRead.objects.filter(
        article_id=coreading.article_id, user_id=OuterRef("user_id"), completed_at__isnull=False
    )
    wrote = CoReadingNote.objects.filter(coreading=coreading, user_id=OuterRef("user_id"))
    rows = (
        _audience(coreading)
        .annotate(has_read=Exists(read), has_written=Exists(wrote))
        .values("user_id", "user__name", "org__name", "has_read", "has_written")
        .order_by("org__path", "user__name")
    )
    return [dict(row) for row in rows]
