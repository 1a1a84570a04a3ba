"""Columns and articles: the reader's list and page (reading reported by the page), the
organiser's desk (write, publish now or later, pin, archive, cover, attachments), columns
and series, and an article's 阅读率 per branch."""

from __future__ import annotations

import math
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xianfeng.common.errors import BadInput, Refused
from xianfeng.common.pagination import paginate, query_without_page
from xianfeng.common.parse import report_json
from xianfeng.common.types import AuthedRequest
from xianfeng.orgs.selectors import orgs_managed_by
from xianfeng.people.selectors import member_of
from xianfeng.study.enums import ArticleState
from xianfeng.study.forms import ArticleForm, ColumnForm, PublishForm, SeriesForm, UploadForm
from xianfeng.study.rules import STUDY_MANAGE_ROLES, manages_study_anywhere
from xianfeng.study.selectors import articles as sel
from xianfeng.study.services import articles as services


def _require_manager(user: Any) -> None:
    if not manages_study_anywhere(user):
        raise PermissionDenied("只有书记、委员和组织管理员可以管理文章")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


# --- readers ---------------------------------------------------------------------------------


@login_required
def article_list(request: AuthedRequest) -> HttpResponse:
    """Columns of the person's org and the orgs above it; `?column=` and `?series=` filter."""
    columns = list(sel.columns_for(request.user))
    articles = sel.articles_for(request.user)
    column = next((c for c in columns if c.pk == _int(request.GET.get("column"))), None)
    if column is not None:
        articles = articles.filter(column=column)
    series_id = _int(request.GET.get("series"))
    if series_id is not None:
        articles = articles.filter(series_id=series_id)
    return render(
        request,
        "study/article_list.html",
        {
            "columns": columns,
            "column": column,
            "page": paginate(request, articles),
            "query": query_without_page(request),
            "manages": manages_study_anywhere(request.user),
        },
    )


@login_required
def article_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    article = sel.get_article_for_user(request.user, pk)
    readable = sel.is_readable(request.user, article)
    return render(
        request,
        "study/article_detail.html",
        {
            "article": article,
            "attachments": list(article.attachments.all()),
            "read": sel.my_read(request.user, article) if readable else None,
            # Only a member reading a live article reports reading; a preview does not.
            "reports": readable and member_of(request.user) is not None,
            "manages": sel.articles_managed_by(request.user).filter(pk=article.pk).exists(),
        },
    )


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(value)
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _read_error(status: int, message: str) -> JsonResponse:
    return JsonResponse(
        {"detail": message}, status=status, json_dumps_params={"ensure_ascii": False}
    )


@login_required
@require_POST
def article_read(request: AuthedRequest, pk: int) -> JsonResponse:
    """The page's report: {"seconds": visible seconds since the last report, "scrolled": 0–1}."""
    article = sel.get_article_for_user(request.user, pk)
    if not sel.is_readable(request.user, article):
        return _read_error(400, "这篇文章尚未发布")
    try:
        data = report_json(request)
        seconds, scrolled = _number(data.get("seconds")), _number(data.get("scrolled"))
    except BadInput as exc:
        return _read_error(400, exc.message)
    except (TypeError, ValueError, OverflowError):
        return _read_error(400, "上报格式不正确")
    try:
        read = services.article_read_report(
            user=request.user, article=article, seconds=seconds, scrolled=scrolled
        )
    except Refused as exc:
        return _read_error(400, exc.message)
    return JsonResponse(
        {
            "seconds": read.seconds,
            "needed": article.reading_seconds,
            "scrolled": read.scrolled,
            "completed": read.completed_at is not None,
        }
    )


def _file(field: Any, content_type: str, download_name: str | None = None) -> FileResponse:
    try:
        handle = field.open("rb")
    except (OSError, ValueError) as exc:
        raise Http404("文件不存在") from exc
    response = FileResponse(
        handle,
        content_type=content_type,
        as_attachment=download_name is not None,
        filename=download_name or "",
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def article_cover(request: AuthedRequest, pk: int) -> FileResponse:
    article = sel.get_article_for_user(request.user, pk)
    field = article.cover_thumb if request.GET.get("size") == "thumb" else article.cover
    if not field:
        raise Http404("没有封面")
    return _file(field, "image/jpeg")


@login_required
@require_GET
def article_attachment(request: AuthedRequest, pk: int, attachment_id: int) -> FileResponse:
    item = sel.get_attachment_for_user(request.user, pk, attachment_id)
    return _file(item.file, item.content_type, item.original_name)


# --- organisers ------------------------------------------------------------------------------


@login_required
def manage_articles(request: AuthedRequest) -> HttpResponse:
    _require_manager(request.user)
    articles = (
        sel.articles_managed_by(request.user)
        .select_related("column", "org", "series")
        .defer("body", "body_text")
        .order_by("-updated_at", "-id")
    )
    state = request.GET.get("state") or ""
    if state in ArticleState.values:
        articles = articles.filter(state=state)
    return render(
        request,
        "study/article_manage.html",
        {
            "page": paginate(request, articles),
            "query": query_without_page(request),
            "state": state,
            "states": ArticleState.choices,
        },
    )


def _article_form(request: AuthedRequest, initial: dict[str, Any] | None = None) -> ArticleForm:
    return ArticleForm(
        request.POST or None,
        initial=initial,
        orgs=orgs_managed_by(request.user, STUDY_MANAGE_ROLES),
        columns=sel.columns_usable_by(request.user),
        series=sel.series_usable_by(request.user),
    )


def _data(form: ArticleForm) -> services.ArticleData:
    d = form.cleaned_data
    return services.ArticleData(
        column=d["column"],
        series=d.get("series"),
        title=d["title"],
        summary=d.get("summary") or "",
        body=d["body"],
        source=d.get("source") or "",
        author=d.get("author") or "",
        tags=form.tag_list(),
    )


def _refused(form: Any, exc: Refused) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


@login_required
@require_http_methods(["GET", "POST"])
def article_new(request: AuthedRequest) -> HttpResponse:
    _require_manager(request.user)
    form = _article_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            article = services.article_create(
                actor=request.user, org=form.cleaned_data["org"], data=_data(form)
            )
        except Refused as exc:
            _refused(form, exc)
        else:
            messages.success(request, "已保存为草稿")
            return redirect("study:article_edit", pk=article.pk)
    return render(request, "study/article_form.html", {"form": form, "article": None})


@login_required
@require_http_methods(["GET", "POST"])
def article_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_manager(request.user)
    article = sel.get_managed_article(request.user, pk)
    form = _article_form(
        request,
        initial={
            "org": article.org_id,
            "column": article.column_id,
            "series": article.series_id,
            "title": article.title,
            "summary": article.summary,
            "body": article.body,
            "source": article.source,
            "author": article.author,
            "tags": " ".join(article.tags),
        },
    )
    form.fields["org"].disabled = True
    if request.method == "POST" and form.is_valid():
        try:
            article = services.article_update(actor=request.user, article=article, data=_data(form))
        except Refused as exc:
            _refused(form, exc)
        else:
            messages.success(request, "已保存")
            return redirect("study:article_edit", pk=article.pk)
    return render(
        request,
        "study/article_form.html",
        {
            "form": form,
            "article": article,
            "publish_form": PublishForm(),
            "upload_form": UploadForm(),
            "attachments": list(article.attachments.all()),
        },
    )


def _act(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    _require_manager(request.user)
    article = sel.get_managed_article(request.user, pk)
    try:
        if action == "publish":
            form = PublishForm(request.POST)
            if not form.is_valid():
                raise Refused("定时发布时间格式不对，例如 2026-12-01 08:00")
            article = services.article_publish(
                actor=request.user, article=article, at=form.cleaned_data.get("publish_at")
            )
            messages.success(
                request,
                "已定时发布" if article.state == ArticleState.SCHEDULED else "已发布",
            )
        elif action == "unpublish":
            services.article_unpublish(actor=request.user, article=article)
            messages.success(request, "已撤回为草稿")
        elif action == "archive":
            services.article_archive(actor=request.user, article=article)
            messages.success(request, "已归档")
        elif action in ("pin", "unpin"):
            services.article_pin(actor=request.user, article=article, pinned=action == "pin")
            messages.success(request, "已置顶" if action == "pin" else "已取消置顶")
        elif action == "cover":
            upload = request.FILES.get("file")
            if upload is None:
                raise Refused("请选择封面图片")
            services.article_cover_set(
                actor=request.user, article=article, handle=upload, size=upload.size or 0
            )
            messages.success(request, "封面已更新")
        elif action == "attach":
            upload = request.FILES.get("file")
            if upload is None:
                raise Refused("请选择要上传的附件")
            services.attachment_add(
                actor=request.user,
                article=article,
                handle=upload,
                size=upload.size or 0,
                name=upload.name or "",
            )
            messages.success(request, "附件已上传")
    except Refused as exc:
        messages.error(request, exc.message)
    return redirect("study:article_edit", pk=article.pk)


@login_required
@require_POST
def article_action(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    if action not in ("publish", "unpublish", "archive", "pin", "unpin", "cover", "attach"):
        raise Http404("没有这个操作")
    return _act(request, pk, action)


@login_required
@require_POST
def attachment_delete(request: AuthedRequest, pk: int, attachment_id: int) -> HttpResponse:
    _require_manager(request.user)
    article = sel.get_managed_article(request.user, pk)
    item = article.attachments.filter(pk=attachment_id).first()
    if item is None:
        raise Http404("找不到这个附件")
    services.attachment_delete(actor=request.user, attachment=item)
    messages.success(request, "附件已删除")
    return redirect("study:article_edit", pk=article.pk)


@login_required
def article_readers(request: AuthedRequest, pk: int) -> HttpResponse:
    """阅读率 of one article per branch in the organiser's reach."""
    _require_manager(request.user)
    article = sel.get_managed_article(request.user, pk)
    rows = sel.reading_by_branch(request.user, article)
    members = sum(r["members"] for r in rows)
    readers = sum(r["readers"] for r in rows)
    return render(
        request,
        "study/article_readers.html",
        {
            "article": article,
            "rows": rows,
            "members": members,
            "readers": readers,
            "rate": round(100 * readers / members, 1) if members else None,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def columns_manage(request: AuthedRequest) -> HttpResponse:
    """Columns and series of the orgs the organiser manages; add one of each."""
    _require_manager(request.user)
    orgs = orgs_managed_by(request.user, STUDY_MANAGE_ROLES)
    which = request.POST.get("kind") if request.method == "POST" else None
    column_form = ColumnForm(request.POST if which == "column" else None, orgs=orgs)
    series_form = SeriesForm(request.POST if which == "series" else None, orgs=orgs)
    try:
        if which == "column" and column_form.is_valid():
            d = column_form.cleaned_data
            services.column_create(
                actor=request.user,
                org=d["org"],
                name=d["name"],
                description=d.get("description") or "",
                order=d.get("order") or 100,
            )
            messages.success(request, "栏目已添加")
            return redirect("study:columns_manage")
        if which == "series" and series_form.is_valid():
            d = series_form.cleaned_data
            services.series_create(
                actor=request.user,
                org=d["org"],
                title=d["title"],
                description=d.get("description") or "",
            )
            messages.success(request, "专题已添加")
            return redirect("study:columns_manage")
    except Refused as exc:
        _refused(column_form if which == "column" else series_form, exc)
    return render(
        request,
        "study/columns_manage.html",
        {
            "columns": list(sel.columns_managed_by(request.user)),
            "series": list(sel.series_usable_by(request.user)[:100]),
            "column_form": column_form,
            "series_form": series_form,
        },
    )


@login_required
@require_POST
def column_toggle(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_manager(request.user)
    column = sel.get_managed_column(request.user, pk)
    services.column_set_active(actor=request.user, column=column, active=not column.is_active)
    messages.success(request, "栏目已启用" if column.is_active else "栏目已停用")
    return redirect("study:columns_manage")
