"""Contest results as .xlsx: every round's ranking with the awards."""

from __future__ import annotations

from django.http import HttpResponse

from xianfeng.common.xlsx import XlsxWriter
from xianfeng.contests.models import Award, Contest, Entry
from xianfeng.contests.selectors import round_ranking

HEADERS = [
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
WIDTHS = [6, 12, 30, 10, 24, 9, 9, 9, 9, 6, 10]


def results_workbook(contest: Contest) -> HttpResponse:
    awards = {
        a.entry_id: a.label for a in Award.objects.filter(contest=contest, entry__isnull=False)
    }
    book = XlsxWriter()
    for round_ in contest.rounds.order_by("number"):
        ws = book.sheet(
            round_.name,
            HEADERS,
            widths=WIDTHS,
            preamble=[f"{contest.title} · {round_.name}（{round_.get_aggregation_display()}）"],
        )
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
    org_awards = Award.objects.filter(contest=contest, org__isnull=False).select_related("org")
    if org_awards:
        ws = book.sheet("优秀组织奖", ["组织", "证书编号"], widths=[28, 16])
        for a in org_awards:
            ws.append([a.org.name if a.org else "", a.certificate_no])
    return book.response(f"contest-{contest.pk}-results.xlsx")
