"""每人讲一课 coverage as .xlsx (through the one safe writer)."""

from __future__ import annotations

from collections.abc import Sequence

from django.http import HttpResponse

from xianfeng.common.xlsx import XlsxWriter
from xianfeng.lessons.practice.coverage import Coverage
from xianfeng.lessons.practice.enums import LectureKind
from xianfeng.lessons.practice.models import Lecture
from xianfeng.people.models import Member


def coverage_workbook(
    data: Coverage, people: Sequence[tuple[Member, Sequence[Lecture]]]
) -> HttpResponse:
    book = XlsxWriter()
    t = data.total
    sheet = book.sheet(
        "讲课覆盖",
        [
            "组织",
            "党员数",
            "讲过课人数",
            "讲过课比例",
            "有微党课人数",
            "微党课",
            "党课",
            "巡讲",
            "人均微党课",
        ],
        widths=[26, 8, 10, 10, 12, 8, 8, 8, 10],
        preamble=[
            f"{data.year}年 {data.org.name} 每人讲一课情况",
            f"党员 {t.members} 人，讲过课 {t.spoken} 人（{t.spoken_share}%），"
            f"无课支部 {len(data.silent_branches)} 个，"
            f"书记未讲党课 {len(data.silent_secretaries)} 人",
            "",
        ],
    )
    for row in [*data.children, t]:
        sheet.append(
            [
                "合计" if row is t else row.org.name,
                row.members,
                row.spoken,
                f"{row.spoken_share}%",
                row.with_lesson,
                row.by_kind[LectureKind.LESSON],
                row.by_kind[LectureKind.MEETING],
                row.by_kind[LectureKind.TOUR],
                row.lessons_per_member,
            ]
        )
    silent = book.sheet("无课支部与书记", ["类别", "组织", "姓名"], widths=[14, 30, 12])
    for org in data.silent_branches:
        silent.append(["无课支部", org.name, ""])
    for role in data.silent_secretaries:
        silent.append(["书记未讲党课", role.org.name, role.user.name])
    if people:
        sheet2 = book.sheet(
            "党员明细", ["姓名", "党小组", "讲课次数", "讲课记录"], widths=[12, 14, 10, 60]
        )
        for member, lectures in people:
            sheet2.append(
                [
                    member.user.name,
                    member.group.name if member.group else "",
                    len(lectures),
                    "；".join(
                        f"{lec.given_on:%m-%d} {lec.get_kind_display()}《{lec.title}》"
                        for lec in lectures
                    ),
                ]
            )
    return book.response(f"coverage-{data.org.code}-{data.year}.xlsx")
