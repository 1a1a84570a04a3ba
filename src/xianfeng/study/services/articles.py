"""Columns (栏目), series (专题) and articles: writing and sanitising, the word list,
draft → (scheduled) → published → archived, pinning, cover and attachments, and reading
measured honestly (visible time and scrolling, capped by the article's length)."""

from __future__ import annotations

import datetime
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from xianfeng.audit import events
from xianfeng.audit.services import audit_log
from xianfeng.common.errors import Refused
from xianfeng.common.images import process_image
from xianfeng.common.text import clean_text, is_blank
from xianfeng.common.transitions import transition
from xianfeng.moderation.enums import TextStatus
from xianfeng.moderation.services import review_open, text_check
from xianfeng.orgs import paths
from xianfeng.orgs.models import Org
from xianfeng.people.models import User
from xianfeng.people.selectors import member_of
from xianfeng.study import richtext
from xianfeng.study.enums import (
    ARTICLE_MACHINE,
    READING_REPORT_SLACK_SECONDS,
    READING_SCROLL_SHARE,
    ArticleState,
)
from xianfeng.study.models import Article, ArticleAttachment, ArticleRead, ArticleSeries, Column
from xianfeng.study.rules import can_manage_study

ATTACHMENTS_PER_ARTICLE = 10
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024
COVER_MAX_BYTES = 10 * 1024 * 1024
# What an attachment may be, told by its first bytes (the name alone proves nothing).
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "pdf": (b"%PDF-",),
    "docx": (b"PK\x03\x04",),
    "xlsx": (b"PK\x03\x04",),
    "pptx": (b"PK\x03\x04",),
    "doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "ppt": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "png": (b"\x89PNG\r\n\x1a\n",),
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
}


def _require_manager(actor: Any, org: Org, what: str) -> None:
    if not can_manage_study(actor, org):
        raise PermissionDenied(f"只有书记、组织委员、宣传委员或组织管理员可以{what}")


# --- columns and series ----------------------------------------------------------------------


def column_create(
    *, actor: User, org: Org, name: str, description: str = "", order: int = 100
) -> Column:
    """A column of `org`, shown to every org below it."""
    _require_manager(actor, org, "设置栏目")
    name = clean_text(name, multiline=False).strip()
    if is_blank(name):
        raise Refused("请填写栏目名称", field="name")
    if len(name) > 40:
        raise Refused("栏目名称最多 40 个字", field="name")
    try:
        with transaction.atomic():
            column = Column.objects.create(
                org=org,
                name=name,
                description=clean_text(description, multiline=False).strip()[:200],
                order=max(0, min(int(order), 999)),
            )
            audit_log(actor=actor, action="column.create", obj=column, org=org, data={"name": name})
    except IntegrityError as exc:
        raise Refused(f"“{org.name}”已有栏目“{name}”", field="name") from exc
    return column


def column_set_active(*, actor: User, column: Column, active: bool) -> Column:
    """Hide a column (its articles stay, but no new ones go in) or show it again."""
    _require_manager(actor, column.org, "设置栏目")
    with transaction.atomic():
        Column.objects.filter(pk=column.pk).update(is_active=active)
        column.is_active = active
        audit_log(
            actor=actor, action="column.active", obj=column, org=column.org, data={"active": active}
        )
    return column


def series_create(*, actor: User, org: Org, title: str, description: str = "") -> ArticleSeries:
    _require_manager(actor, org, "设置专题")
    title = clean_text(title, multiline=False).strip()
    if is_blank(title):
        raise Refused("请填写专题名称", field="title")
    if len(title) > 60:
        raise Refused("专题名称最多 60 个字", field="title")
    try:
        with transaction.atomic():
            series = ArticleSeries.objects.create(
                org=org, title=title, description=clean_text(description).strip()[:300]
            )
            audit_log(actor=actor, action="series.create", obj=series, org=org)
    except IntegrityError as exc:
        raise Refused(f"“{org.name}”已有专题“{title}”", field="title") from exc
    return series


# --- writing ---------------------------------------------------------------------------------


@dataclass
class ArticleData:
    """The editable fields of an article."""

    column: Column
    title: str
    body: str
    summary: str = ""
    source: str = ""
    author: str = ""
    series: ArticleSeries | None = None
    tags: Sequence[str] = field(default_factory=list)


def _clean(org: Org, data: ArticleData) -> dict[str, Any]:
    title = clean_text(data.title, multiline=False).strip()
    if is_blank(title):
        raise Refused("请填写标题", field="title")
    if len(title) > 120:
        raise Refused("标题最多 120 个字", field="title")
    body = richtext.sanitize(data.body)
    text = richtext.plain_text(body)
    if not text:
        raise Refused("请填写正文", field="body")
    if not paths.is_within(org.path, data.column.org.path):
        raise Refused("该栏目不属于本组织或上级组织", field="column")
    if data.series is not None and not paths.is_within(org.path, data.series.org.path):
        raise Refused("该专题不属于本组织或上级组织", field="series")
    tags: list[str] = []
    for tag in data.tags:
        tag = clean_text(tag, multiline=False).strip()[:20]
        if tag and tag not in tags:
            tags.append(tag)
    return {
        "column": data.column,
        "series": data.series,
        "title": title,
        "summary": clean_text(data.summary, multiline=False).strip()[:300],
        "source": clean_text(data.source, multiline=False).strip()[:100],
        "author": clean_text(data.author, multiline=False).strip()[:50],
        "tags": tags[:10],
        "body": body,
        "body_text": text,
        "chars": richtext.char_count(text),
    }


def _check_words(article: Article, actor: User) -> None:
    """The word list: a hit holds the article for review (it cannot be published until a
    reviewer passes it)."""
    words = text_check(f"{article.title}\n{article.summary}\n{article.body_text}")
    article.flagged_words = words
    article.text_status = TextStatus.HELD if words else TextStatus.VISIBLE
    Article.objects.filter(pk=article.pk).update(
        flagged_words=words, text_status=article.text_status
    )
    if words:
        review_open(
            kind="study.article",
            object_id=str(article.pk),
            org=article.org,
            author=actor,
            text=f"{article.title}\n{article.body_text}",
            words=words,
        )


def article_create(*, actor: User, org: Org, data: ArticleData) -> Article:
    """A draft article of `org` (for the members of its subtree)."""
    _require_manager(actor, org, "编写文章")
    fields = _clean(org, data)
    if not data.column.is_active:
        raise Refused("该栏目已停用", field="column")
    with transaction.atomic():
        article = Article.objects.create(org=org, created_by=actor, **fields)
        _check_words(article, actor)
        audit_log(
            actor=actor,
            action="article.create",
            obj=article,
            org=org,
            data={"title": article.title},
        )
    return article


def article_update(*, actor: User, article: Article, data: ArticleData) -> Article:
    """Edit an article (a published one stays published; its text is checked again)."""
    _require_manager(actor, article.org, "修改文章")
    fields = _clean(article.org, data)
    with transaction.atomic():
        article = Article.objects.select_for_update().select_related("org").get(pk=article.pk)
        for name, value in fields.items():
            setattr(article, name, value)
        article.save()
        _check_words(article, actor)
        audit_log(
            actor=actor,
            action="article.update",
            obj=article,
            org=article.org,
            data={"title": article.title},
        )
    return article


def _locked(article: Article) -> Article:
    return Article.objects.select_for_update(of=("self",)).select_related("org").get(pk=article.pk)


def article_publish(
    *, actor: User, article: Article, at: datetime.datetime | None = None
) -> Article:
    """Publish now, or at `at` (定时发布: the periodic job publishes it when due)."""
    _require_manager(actor, article.org, "发布文章")
    now = timezone.now()
    with transaction.atomic():
        article = _locked(article)
        if article.text_status == TextStatus.HELD:
            raise Refused("文章中有待审核的敏感词，审核通过后才能发布")
        if article.text_status == TextStatus.REJECTED:
            raise Refused("文章未通过审核，请修改后再发布")
        if at is not None and at > now:
            if at > now + datetime.timedelta(days=366):
                raise Refused("定时发布时间不能超过一年", field="publish_at")
            return transition(
                article,
                ARTICLE_MACHINE,
                ArticleState.SCHEDULED,
                actor=actor,
                org=article.org,
                fields={"publish_at": at},
            )
        return transition(
            article,
            ARTICLE_MACHINE,
            ArticleState.PUBLISHED,
            actor=actor,
            org=article.org,
            fields={"publish_at": None, "published_at": article.published_at or now},
        )


def articles_publish_due() -> int:
    """Publish every scheduled article whose time has come (the periodic job)."""
    done = 0
    due = Article.objects.filter(state=ArticleState.SCHEDULED, publish_at__lte=timezone.now())
    for pk in due.values_list("pk", flat=True)[:500]:
        with transaction.atomic():
            article = (
                Article.objects.select_for_update(of=("self",))
                .select_related("org")
                .filter(pk=pk)
                .first()
            )
            if article is None or article.state != ArticleState.SCHEDULED:
                continue
            if article.text_status != TextStatus.VISIBLE:
                continue
            transition(
                article,
                ARTICLE_MACHINE,
                ArticleState.PUBLISHED,
                actor=None,
                org=article.org,
                fields={"published_at": article.publish_at, "publish_at": None},
            )
            done += 1
    return done


def article_unpublish(*, actor: User, article: Article) -> Article:
    """Back to draft (a scheduled one is no longer due; a published one leaves the list)."""
    _require_manager(actor, article.org, "撤回文章")
    with transaction.atomic():
        article = _locked(article)
        return transition(
            article,
            ARTICLE_MACHINE,
            ArticleState.DRAFT,
            actor=actor,
            org=article.org,
            fields={"publish_at": None, "pinned": False},
        )


def article_archive(*, actor: User, article: Article) -> Article:
    """Archive: off the column lists, still readable by link; readings and points stay."""
    _require_manager(actor, article.org, "归档文章")
    with transaction.atomic():
        article = _locked(article)
        return transition(
            article,
            ARTICLE_MACHINE,
            ArticleState.ARCHIVED,
            actor=actor,
            org=article.org,
            fields={"pinned": False},
        )


def article_pin(*, actor: User, article: Article, pinned: bool) -> Article:
    _require_manager(actor, article.org, "置顶文章")
    with transaction.atomic():
        article = _locked(article)
        if pinned and article.state not in (ArticleState.PUBLISHED, ArticleState.SCHEDULED):
            raise Refused("只有已发布或定时发布的文章可以置顶")
        article.pinned = pinned
        article.save(update_fields=["pinned", "updated_at"])
        audit_log(
            actor=actor, action="article.pin", obj=article, org=article.org, data={"pinned": pinned}
        )
    return article


def article_moderated(object_id: str, approved: bool) -> None:
    """A reviewer's decision on a held article (moderation handler)."""
    with transaction.atomic():
        article = Article.objects.select_for_update().filter(pk=int(object_id)).first()
        if article is None:
            return
        article.text_status = TextStatus.VISIBLE if approved else TextStatus.REJECTED
        article.save(update_fields=["text_status"])


# --- cover and attachments -------------------------------------------------------------------


def article_cover_set(*, actor: User, article: Article, handle: IO[bytes], size: int) -> Article:
    """A cover picture, re-encoded (no EXIF, no GPS) and kept private."""
    _require_manager(actor, article.org, "设置封面")
    processed = process_image(
        handle, size=size, max_side=1280, max_bytes=COVER_MAX_BYTES, thumb_side=480
    )
    stem = uuid.uuid4().hex
    with transaction.atomic():
        article = _locked(article)
        old = [name for name in (article.cover.name, article.cover_thumb.name) if name]
        article.cover.save(f"{stem}.jpg", ContentFile(processed.image), save=False)
        article.cover_thumb.save(f"{stem}-s.jpg", ContentFile(processed.thumb), save=False)
        article.save(update_fields=["cover", "cover_thumb", "updated_at"])
        audit_log(actor=actor, action="article.cover", obj=article, org=article.org)
        storage = article.cover.storage

        def drop_old() -> None:
            for name in old:
                storage.delete(name)

        transaction.on_commit(drop_old)
    return article


def attachment_kind(name: str, head: bytes) -> str:
    """The file's type from its name and its first bytes; refuses what is neither."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in _SIGNATURES:
        raise Refused("附件只能是 PDF、Word、Excel、PowerPoint 或 JPG/PNG 图片", field="file")
    if not any(head.startswith(sig) for sig in _SIGNATURES[ext]):
        raise Refused(f"文件“{name}”的内容不是 {ext.upper()} 文件，可能已损坏", field="file")
    return ext


def attachment_add(
    *, actor: User, article: Article, handle: IO[bytes], size: int, name: str
) -> ArticleAttachment:
    _require_manager(actor, article.org, "上传附件")
    name = clean_text(name, multiline=False).strip().replace("/", "_")[-200:] or "附件"
    if size <= 0:
        raise Refused("文件是空的", field="file")
    if size > ATTACHMENT_MAX_BYTES:
        raise Refused(f"附件不能超过 {ATTACHMENT_MAX_BYTES // (1024 * 1024)} MB", field="file")
    head = handle.read(16)
    handle.seek(0)
    ext = attachment_kind(name, head)
    with transaction.atomic():
        article = _locked(article)
        if ArticleAttachment.objects.filter(article=article).count() >= ATTACHMENTS_PER_ARTICLE:
            raise Refused(f"每篇文章最多 {ATTACHMENTS_PER_ARTICLE} 个附件")
        item = ArticleAttachment(
            article=article,
            original_name=name,
            size=size,
            content_type=CONTENT_TYPES[ext],
            uploaded_by=actor,
        )
        item.file.save(f"{uuid.uuid4().hex}.{ext}", handle, save=False)  # type: ignore[arg-type]
        stored, storage = item.file.name, item.file.storage
        try:
            item.save()
            audit_log(
                actor=actor,
                action="article.attachment_add",
                obj=article,
                org=article.org,
                data={"name": name, "size": size},
            )
        except Exception:
            if stored:
                storage.delete(stored)
            raise
    return item


def attachment_delete(*, actor: User, attachment: ArticleAttachment) -> None:
    article = attachment.article
    _require_manager(actor, article.org, "删除附件")
    with transaction.atomic():
        name, storage = attachment.file.name, attachment.file.storage
        audit_log(
            actor=actor,
            action="article.attachment_delete",
            obj=article,
            org=article.org,
            data={"name": attachment.original_name},
        )
        attachment.delete()
        if name:
            transaction.on_commit(lambda: storage.delete(name))


# --- reading ---------------------------------------------------------------------------------


def _first_read(user: Any, article: Article) -> ArticleRead:
    member = member_of(user)
    try:
        with transaction.atomic():
            return ArticleRead.objects.create(
                user_id=user.pk, article=article, org=member.org if member else None
            )
    except IntegrityError:  # a concurrent first report made it
        return ArticleRead.objects.get(user_id=user.pk, article=article)


def article_read_report(
    *, user: Any, article: Article, seconds: float, scrolled: float
) -> ArticleRead:
    """Add what the page reports since its last report: `seconds` of visible time and the
    furthest share scrolled (0–1). Time is credited no faster than the clock and only up to
    the article's reading time; the reading completes once, when both are reached.

    The caller has checked that the person may read the article (a selector)."""
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("请先登录")
    if member_of(user) is None:
        raise Refused("只有党员的阅读计入学习记录")
    if article.state not in (ArticleState.PUBLISHED, ArticleState.ARCHIVED):
        raise Refused("这篇文章尚未发布")
    try:
        seconds, scrolled = float(seconds), float(scrolled)
    except (TypeError, ValueError) as exc:
        raise Refused("阅读记录格式不对") from exc
    if not (0 <= seconds < 10**6) or not (0 <= scrolled <= 1.0001):
        raise Refused("阅读记录格式不对")
    needed = article.reading_seconds
    for _attempt in range(20):
        read = ArticleRead.objects.filter(user_id=user.pk, article=article).first()
        if read is None:
            read = _first_read(user, article)
        now = timezone.now()
        # Whole seconds of the server's clock since the last report (the page counts whole
        # seconds too), so a report is credited the same however busy the server is.
        since = math.floor((now - (read.last_report_at or read.started_at)).total_seconds())
        gained = min(seconds, max(0.0, since) + READING_REPORT_SLACK_SECONDS)
        total = min(float(needed), read.seconds + gained)
        furthest = max(read.scrolled, min(1.0, scrolled))
        completes = (
            read.completed_at is None and total >= needed and furthest >= READING_SCROLL_SHARE
        )
        changes: dict[str, Any] = {
            "seconds": round(total, 2),
            "scrolled": round(furthest, 4),
            "reports": read.reports + 1,
            "last_report_at": now,
        }
        if completes:
            changes["completed_at"] = now
        with transaction.atomic():
            won = ArticleRead.objects.filter(pk=read.pk, reports=read.reports).update(**changes)
            if not won:
                continue
            if completes:
                Article.objects.filter(pk=article.pk).update(read_count=F("read_count") + 1)
                # Once per person and article: points and 阅读率 learn of it from here.
                events.publish(
                    "article.read",
                    actor=user,
                    obj=read,
                    org=read.org,
                    data={
                        "article_id": article.pk,
                        "user_id": user.pk,
                        "title": article.title,
                        "seconds": round(total),
                    },
                )
        for name, value in changes.items():
            setattr(read, name, value)
        return read
    raise Refused("阅读记录繁忙，请稍后再试")
