"""The year's assessment cycle: monthly 自查 (with evidence), the town's 抽查, the
quarterly 通报 and the year's grades, with PDF and Excel exports of a 通报."""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from xianfeng.assessment import selectors
from xianfeng.assessment.enums import ItemRule
from xianfeng.assessment.models import CheckLine
from xianfeng.assessment.pdf import bulletin_pdf as render_pdf
from xianfeng.assessment.services import bulletins as bulletin_services
from xianfeng.assessment.services import checks as services
from xianfeng.assessment.views import month_param
from xianfeng.common.errors import BadInput, Refused
from xianfeng.common.indicators import Month
from xianfeng.common.parse import int_param, year_param
from xianfeng.common.types import actor_of
from xianfeng.common.xlsx import Value, XlsxWriter
from xianfeng.orgs.enums import ROSTER_MANAGE_ROLES
from xianfeng.orgs.selectors import get_org_for_user


def _to_month(text: str) -> HttpResponse:
    """Back to the month's list (the month as typed, escaped into the query string)."""
    return redirect(f"{reverse('assessment:checks')}?{urlencode({'month': text[:20]})}")


def _error(request: HttpRequest, exc: Exception) -> None:
    messages.error(request, getattr(exc, "message", None) or str(exc))


@login_required
def check_list(request: HttpRequest) -> HttpResponse:
    """The month's branches in the person's reach, each with its self-check's state."""
    month = month_param(request)
    rows = selectors.month_checks(request.user, month)
    if not rows and not selectors.indicator_roots(request.user):
        raise PermissionDenied("您没有查看月度自查的权限")
    this_month = Month.of(timezone.localdate())
    return render(
        request,
        "assessment/checks.html",
        {
            "month": month,
            "previous": month.previous(),
            "following": month.next() if month < this_month else None,
            "rows": rows,
            "submitted": sum(1 for r in rows if r.check and r.check.submitted_at),
            "spot_orgs": selectors.orgs_for_spot_check(request.user),
        },
    )


@login_required
@require_POST
def check_start(request: HttpRequest) -> HttpResponse:
    org = get_org_for_user(request.user, request.POST.get("org", ""), ROSTER_MANAGE_ROLES)
    try:
        month = Month.parse(request.POST.get("month", ""))
        check = services.selfcheck_start(actor=actor_of(request), org=org, month=month)
    except ValueError as exc:
        messages.error(request, str(exc))
        return redirect("assessment:checks")
    except (Refused, BadInput, PermissionDenied) as exc:
        _error(request, exc)
        return _to_month(request.POST.get("month", ""))
    return redirect("assessment:check", pk=check.pk)


@login_required
def check_detail(request: HttpRequest, pk: int) -> HttpResponse:
    check = selectors.get_selfcheck_for_user(request.user, pk)
    page = selectors.check_page(request.user, check)
    return render(
        request,
        "assessment/check.html",
        {"page": page, "check": check, "month": Month.of(check.month), "rules": ItemRule},
    )


def _line(check_pk: int, request: HttpRequest) -> CheckLine:
    line_id = int_param(request.POST.get("line"), label="考评项目")
    if line_id is None:
        raise BadInput("请选择考评项目", field="line")
    line = CheckLine.objects.select_related("item", "selfcheck").filter(
        pk=line_id, selfcheck_id=check_pk
    )
    found = line.first()
    if found is None:
        raise Http404("找不到该考评项目")
    return found


@login_required
@require_POST
def check_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    check = selectors.get_selfcheck_for_user(request.user, pk)
    actor = actor_of(request)
    anchor = ""
    try:
        if action == "line":
            line = _line(check.pk, request)
            anchor = f"#line-{line.pk}"
            cases = int_param(
                request.POST.get("cases"), default=0, minimum=0, maximum=100, label="扣分次数"
            )
            services.line_save(
                actor=actor,
                line=line,
                score=request.POST.get("score"),
                cases=cases or 0,
                note=request.POST.get("note", ""),
            )
            messages.success(request, f"已保存“{line.item.name}”")
        elif action == "evidence":
            line = _line(check.pk, request)
            anchor = f"#line-{line.pk}"
            upload = request.FILES.get("file")
            try:
                services.evidence_add(
                    actor=actor,
                    line=line,
                    name=request.POST.get("name", "") or (upload.name if upload else "") or "",
                    link=request.POST.get("link", ""),
                    handle=upload,
                    size=(upload.size or 0) if upload else 0,
                )
                messages.success(request, "材料已添加")
            except services.DuplicateEvidence as exc:  # kept once: not an error
                messages.info(request, exc.message)
        elif action == "record":
            line = _line(check.pk, request)
            anchor = f"#line-{line.pk}"
            kind, _, raw = request.POST.get("record", "").partition(":")
            record_id = int_param(raw, label="平台记录")
            if not kind or record_id is None:
                raise BadInput("请选择要引用的平台记录", field="record")
            try:
                services.evidence_add(
                    actor=actor,
                    line=line,
                    name=request.POST.get("name", ""),
                    record_kind=kind[:64],
                    record_id=record_id,
                )
                messages.success(request, "已引用平台记录")
            except services.DuplicateEvidence as exc:
                messages.info(request, exc.message)
        elif action == "evidence_delete":
            evidence_id = int_param(request.POST.get("evidence"), label="材料")
            assert evidence_id is not None
            evidence = selectors.get_evidence_for_user(request.user, check.pk, evidence_id)
            anchor = f"#line-{evidence.line_id}"
            services.evidence_delete(actor=actor, evidence=evidence)
            messages.success(request, "材料已删除")
        elif action == "refresh":
            services.selfcheck_refresh(actor=actor, check=check)
            messages.success(request, "已按最新指标重新计分")
        elif action == "submit":
            services.selfcheck_submit(actor=actor, check=check)
            messages.success(request, "自查已提交，等待上级抽查和季度通报")
        elif action == "adjust":
            line = _line(check.pk, request)
            anchor = f"#line-{line.pk}"
            services.line_adjust(
                actor=actor,
                line=line,
                score=request.POST.get("score", ""),
                reason=request.POST.get("reason", ""),
            )
            messages.success(request, f"已调整“{line.item.name}”的得分")
        elif action == "return":
            services.selfcheck_return(
                actor=actor, check=check, reason=request.POST.get("reason", "")
            )
            messages.success(request, "已退回支部，支部修改后可重新提交")
        elif action == "checked":
            services.spotcheck_finish(actor=actor, check=check)
            messages.success(request, "已完成抽查")
        else:
            raise BadInput("未知的操作")
    except (Refused, BadInput, PermissionDenied) as exc:
        _error(request, exc)
    return redirect(reverse("assessment:check", kwargs={"pk": check.pk}) + anchor)


@login_required
@require_GET
def evidence_file(request: HttpRequest, pk: int, evidence_id: int) -> HttpResponseBase:
    """A piece of evidence, for those who may read the self-check (never a public URL)."""
    evidence = selectors.get_evidence_for_user(request.user, pk, evidence_id)
    if not evidence.file:
        return redirect(evidence.link) if evidence.link else HttpResponse(status=404)
    try:
        handle = evidence.file.open("rb")
    except OSError as exc:
        raise Http404("文件不存在") from exc
    inline = evidence.content_type in ("application/pdf", "image/jpeg", "image/png")
    suffix = PurePosixPath(evidence.file.name or "").suffix
    filename = evidence.name if evidence.name.lower().endswith(suffix) else evidence.name + suffix
    response = FileResponse(
        handle,
        content_type=evidence.content_type or "application/octet-stream",
        as_attachment=not inline,
        filename=filename,
    )
    response["Cache-Control"] = "private, max-age=600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def spotcheck_create(request: HttpRequest) -> HttpResponse:
    org = get_org_for_user(request.user, request.POST.get("org", ""), ROSTER_MANAGE_ROLES)
    month_text = request.POST.get("month", "")
    try:
        month = Month.parse(month_text)
        chosen = [
            n
            for raw in request.POST.getlist("check")
            if (n := int_param(raw, label="自查")) is not None
        ]
        size = None if chosen else int_param(request.POST.get("size"), label="抽查数量")
        spot = services.spotcheck_create(
            actor=actor_of(request), org=org, month=month, size=size, chosen=chosen
        )
        messages.success(request, f"已抽查 {spot.size} 个支部的自查，抽中的自查可逐项核定得分")
    except ValueError as exc:
        messages.error(request, str(exc))
    except (Refused, BadInput, PermissionDenied) as exc:
        _error(request, exc)
    return _to_month(month_text)


@login_required
def bulletin_list(request: HttpRequest) -> HttpResponse:
    bulletins = selectors.bulletins_visible_to(request.user).order_by(
        "-year", "-quarter", "org__path"
    )
    return render(
        request,
        "assessment/bulletins.html",
        {
            "bulletins": bulletins[:200],
            "orgs": selectors.orgs_for_spot_check(request.user),
            "year": timezone.localdate().year,
        },
    )


@login_required
@require_POST
def bulletin_create(request: HttpRequest) -> HttpResponse:
    org = get_org_for_user(request.user, request.POST.get("org", ""), ROSTER_MANAGE_ROLES)
    try:
        year = year_param(request.POST.get("year"), default=timezone.localdate().year)
        quarter = int_param(
            request.POST.get("quarter"), default=None, minimum=0, maximum=4, label="季度"
        )
        if quarter is None:
            raise BadInput("请选择季度或年度", field="quarter")
        bulletin = bulletin_services.bulletin_draft(
            actor=actor_of(request), org=org, year=year, quarter=quarter
        )
    except (Refused, BadInput, PermissionDenied) as exc:
        _error(request, exc)
        return redirect("assessment:bulletins")
    return redirect("assessment:bulletin", pk=bulletin.pk)


@login_required
def bulletin_detail(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = selectors.get_bulletin_for_user(request.user, pk)
    page = selectors.bulletin_page(request.user, bulletin)
    return render(request, "assessment/bulletin.html", {"page": page, "bulletin": bulletin})


@login_required
@require_POST
def bulletin_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    bulletin = selectors.get_bulletin_for_user(request.user, pk)
    actor = actor_of(request)
    try:
        if action == "comment":
            rows: dict[int, str] = {}
            for key in request.POST:
                value = request.POST.get(key, "")
                if key.startswith("row-"):
                    row_id = int_param(key[4:], label="排名")
                    if row_id is not None:
                        rows[row_id] = value
            bulletin_services.bulletin_comment(
                actor=actor, bulletin=bulletin, comment=request.POST.get("comment", ""), rows=rows
            )
            messages.success(request, "点评已保存")
        elif action == "recompute":
            bulletin_services.bulletin_recompute(actor=actor, bulletin=bulletin)
            messages.success(request, "已按最新自查结果重新计算")
        elif action == "publish":
            bulletin_services.bulletin_publish(actor=actor, bulletin=bulletin)
            messages.success(request, "通报已发布，相关自查的分数已锁定")
        else:
            raise BadInput("未知的操作")
    except (Refused, BadInput, PermissionDenied) as exc:
        _error(request, exc)
    return redirect("assessment:bulletin", pk=bulletin.pk)


@login_required
@require_GET
def bulletin_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = selectors.get_bulletin_for_user(request.user, pk)
    page = selectors.bulletin_page(request.user, bulletin)
    response = HttpResponse(render_pdf(page), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bulletin-{bulletin.pk}.pdf"'
    return response


@login_required
@require_GET
def bulletin_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    bulletin = selectors.get_bulletin_for_user(request.user, pk)
    page = selectors.bulletin_page(request.user, bulletin)
    book = XlsxWriter()
    headers = ["名次", "党支部", "得分", "已考评期数", "点评"]
    if bulletin.annual:
        headers[4:4] = ["等次", "达标", "标杆支部"]
    sheet = book.sheet(
        "通报",
        headers,
        widths=[8, 28, 10, 12, 10, 8, 10, 40] if bulletin.annual else [8, 28, 10, 12, 40],
        preamble=[bulletin.title, f"状态：{bulletin.get_state_display()}", bulletin.comment],
        wrap=[len(headers)],
    )
    for line in page.rows:
        row = line.row
        values: list[Value] = [row.rank, row.org.name, row.score, row.periods]
        if bulletin.annual:
            values += [row.grade, "是" if row.meets else "否", "是" if row.benchmark else ""]
        values.append(row.comment)
        sheet.append(values)
    if bulletin.annual and page.meeting_share is not None:
        sheet.append([])
        sheet.append(["达标率", f"{page.meeting_share}%"])
    return book.response(f"{bulletin.title}.xlsx", ascii_filename=f"bulletin-{bulletin.pk}.xlsx")
