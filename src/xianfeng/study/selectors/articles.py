"""Reads of columns and articles: what a member may read (their org's and the orgs above
it), what an organiser manages, the person's own reading, and 阅读率 per branch."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from xianfeng.moderation.enums import TextStatus
from xianfeng.orgs import paths
from xianfeng.orgs.models import subtree_q
from xianfeng.orgs.selectors import role_root_paths, scope_q
from xianfeng.people.models import Member
from xianfeng.people.selectors import member_of
from xianfeng.study.enums import ArticleState
from xianfeng.study.models import Article, ArticleAttachment, ArticleRead, ArticleSeries, Column
from xianfeng.study.rules import STUDY_MANAGE_ROLES


def _above_managed(user: Any) -> list[int]:
    """Ids of the orgs at and above each org where the person manages study."""
    return [i for root in role_root_paths(user, STUDY_MANAGE_ROLES) for i in paths.ids_in(root)]


def _reader_org_ids(user: Any) -> list[int]:
    """The orgs whose articles reach the person: their branch and every org above it, and
    for an organiser, their orgs and those above them."""
    member = member_of(user)
    ids = set(paths.ids_in(member.org.path)) if member is not None else set()
    return sorted(ids | set(_above_managed(user)))


def _live_q(prefix: str = "") -> Q:
    """Published (a scheduled article counts from its time, whether or not the periodic job
    has run yet) and not held by the word list."""
    now = timezone.now()
    return (
        Q(**{f"{prefix}state": ArticleState.PUBLISHED})
        | Q(**{f"{prefix}state": ArticleState.SCHEDULED, f"{prefix}publish_at__lte": now})
    ) & Q(**{f"{prefix}text_status": TextStatus.VISIBLE})


def columns_for(user: Any) -> QuerySet[Column]:
    """Active columns the person sees (of their org and the orgs above it), with the number
    of live articles that reach them."""
    ids = _reader_org_ids(user)
    if not ids:
        return Column.objects.none()
    return (
        Column.objects.filter(org_id__in=ids, is_active=True)
        .select_related("org")
        .annotate(
            live=Count(
                "articles",
                filter=_live_q("articles__") & Q(articles__org_id__in=ids),
            )
        )
        .order_by("org__path", "order", "id")
    )


def articles_for(user: Any) -> QuerySet[Article]:
    """Live articles for the person (published by their org or an org above it), pinned
    first, then newest, each with whether the person has read it (one query)."""
    ids = _reader_org_ids(user)
    if not ids:
        return Article.objects.none()
    done = ArticleRead.objects.filter(
        article=OuterRef("pk"), user_id=user.pk, completed_at__isnull=False
    )
    return (
        Article.objects.filter(_live_q(), org_id__in=ids)
        .select_related("column", "org", "series")
        .annotate(i_read=Exists(done))
        .order_by("-pinned", "-published_at", "-publish_at", "-id")
        .defer("body", "body_text")
    )


def articles_managed_by(user: Any) -> QuerySet[Article]:
    if not getattr(user, "is_authenticated", False):
        return Article.objects.none()
    return Article.objects.filter(scope_q(user, STUDY_MANAGE_ROLES, field="org__path"))


def get_article_for_user(user: Any, pk: int) -> Article:
    """An article the person may read (live, archived ones too by their link) or manage
    (any state, as a preview); 404 otherwise."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("找不到这篇文章")
    readable = _live_q() | Q(state=ArticleState.ARCHIVED, text_status=TextStatus.VISIBLE)
    where = readable & Q(org_id__in=_reader_org_ids(user))
    if _above_managed(user) or getattr(user, "is_superuser", False):
        where |= scope_q(user, STUDY_MANAGE_ROLES, field="org__path")
    article = (
        Article.objects.filter(where, pk=pk)
        .select_related("column", "org", "series", "created_by")
        .first()
    )
    if article is None:
        raise Http404("找不到这篇文章")
    return article


def get_managed_article(user: Any, pk: int) -> Article:
    article = articles_managed_by(user).select_related("column", "org", "series").filter(pk=pk)
    found = article.first()
    if found is None:
        raise Http404("找不到这篇文章")
    return found


def is_readable(user: Any, article: Article) -> bool:
    """Whether the person reads the article as a reader (not only previews it)."""
    return (
        article.text_status == TextStatus.VISIBLE
        and article.org_id in _reader_org_ids(user)
        and (
            article.state in (ArticleState.PUBLISHED, ArticleState.ARCHIVED)
            or (
                article.state == ArticleState.SCHEDULED
                and article.publish_at is not None
                and article.publish_at <= timezone.now()
            )
        )
    )


def columns_usable_by(user: Any) -> QuerySet[Column]:
    """Columns an organiser may put articles in: those of their orgs, below and above."""
    if not getattr(user, "is_authenticated", False):
        return Column.objects.none()
    return (
        Column.objects.filter(
            scope_q(user, STUDY_MANAGE_ROLES, field="org__path")
            | Q(org_id__in=_above_managed(user))
        )
        .filter(is_active=True)
        .select_related("org")
        .order_by("org__path", "order", "id")
    )


def columns_managed_by(user: Any) -> QuerySet[Column]:
    if not getattr(user, "is_authenticated", False):
        return Column.objects.none()
    return (
        Column.objects.filter(scope_q(user, STUDY_MANAGE_ROLES, field="org__path"))
        .select_related("org")
        .annotate(total=Count("articles"))
        .order_by("org__path", "order", "id")
    )


def get_managed_column(user: Any, pk: int) -> Column:
    column = columns_managed_by(user).filter(pk=pk).first()
    if column is None:
        raise Http404("找不到这个栏目")
    return column


def series_usable_by(user: Any) -> QuerySet[ArticleSeries]:
    if not getattr(user, "is_authenticated", False):
        return ArticleSeries.objects.none()
    return (
        ArticleSeries.objects.filter(
            scope_q(user, STUDY_MANAGE_ROLES, field="org__path")
            | Q(org_id__in=_above_managed(user))
        )
        .select_related("org")
        .order_by("org__path", "-id")
    )


def get_attachment_for_user(user: Any, article_pk: int, pk: int) -> ArticleAttachment:
    article = get_article_for_user(user, article_pk)
    item = ArticleAttachment.objects.filter(article=article, pk=pk).first()
    if item is None:
        raise Http404("找不到这个附件")
    item.article = article
    return item


def my_read(user: Any, article: Article) -> ArticleRead | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return ArticleRead.objects.filter(user_id=user.pk, article=article).first()


def reading_by_branch(user: Any, article: Article) -> list[dict[str, Any]]:
    """阅读率 of an article per org where its audience has members, limited to what the
    organiser manages: members (active accounts) and those who finished reading."""
    if getattr(user, "is_superuser", False):
        reach = Q()
    else:
        reach = subtree_q(role_root_paths(user, STUDY_MANAGE_ROLES), field="org__path")
    audience = subtree_q([article.org.path], field="org__path")
    read = ArticleRead.objects.filter(
        article=article, user_id=OuterRef("user_id"), completed_at__isnull=False
    )
    rows = (
        Member.objects.filter(audience, reach, user__is_active=True)
        .values("org_id", "org__name", "org__path")
        .annotate(
            members=Count("id"),
            readers=Count("id", filter=Exists(read)),
        )
        .order_by("org__path")
    )
    out = []
    for row in rows:
        rate = round(100 * row["readers"] / row["members"], 1) if row["members"] else None
        out.append({**row, "rate": rate})
    return out
