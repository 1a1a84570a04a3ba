"""Contest results as .xlsx: every round's ranking with the awards."""

from __future__ import annotations

import io

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

from xianfeng.contests.models import Award, Contest, Entry
from xianfeng.contests.selectors import round_ranking


def results_workbook(contest: Contest) -> HttpResponse:
    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    awards = {
        a.entry_id: a.label for a in Award.objects.filter(contest=contest, entry__isnull=False)
    }
    for round_ in contest.rounds.order_by("number"):
        ws = wb.create_sheet(round_.name[:30])
        ws.append([f"{contest.title} · {round_.name}（{round_.get_aggregation_display()}）"])
        ws["A1"].font = Font(bold=True, size=13)
        ws.append(
            [
                "名次",
                "作品编号",
                "标题",
                "主讲人",
                "所在组织",
                "评委分",
                "投票分",
                "总分",
                "有效评审",
                "回避",
                "奖项",
            ]
        )
        for cell in ws[2]:
            cell.font = Font(bold=True)
        rows = round_ranking(round_)
        entries = {
            e.pk: e
            for e in Entry.objects.filter(pk__in=[r.entry_id for r in rows]).select_related(
                "lesson", "org"
            )
        }
        for r in rows:
            e = entries[r.entry_id]
            ws.append(
                [
                    r.rank,
                    e.code,
                    e.lesson.title,
                    e.lesson.speaker_name,
                    e.org.name,
                    float(r.judge_score) if r.judge_score is not None else None,
                    float(r.vote_score) if round_.vote_share else None,
                    float(r.final) if r.final is not None else None,
                    r.reviews,
                    r.abstentions,
                    awards.get(e.pk, ""),
                ]
            )
        for column, width in zip(
            "ABCDEFGHIJK", (6, 12, 30, 10, 24, 9, 9, 9, 9, 6, 10), strict=True
        ):
            ws.column_dimensions[column].width = width
    org_awards = Award.objects.filter(contest=contest, org__isnull=False).select_related("org")
    if org_awards:
        ws = wb.create_sheet("优秀组织奖")
        ws.append(["组织", "证书编号"])
        for a in org_awards:
            ws.append([a.org.name if a.org else "", a.certificate_no])
    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = (
        f"attachment; filename*=UTF-8''contest-{contest.pk}-results.xlsx"
    )
    return response
