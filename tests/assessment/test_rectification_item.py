"""Overdue 整改 on the assessment: the 五个好 template scores 整改落实 from the overdue
rectification indicator (meetings), and the branch's sheet lists the overdue items with
links to them."""

from __future__ import annotations

import datetime

import pytest

from tests.meetings.conftest import local, make_branch, plan, write_minutes
from xianfeng.assessment.enums import ItemRule
from xianfeng.assessment.selectors import score_sheet
from xianfeng.assessment.services import facts_compute
from xianfeng.assessment.services.checks import selfcheck_start
from xianfeng.assessment.services.schemes import scheme_activate, scheme_create
from xianfeng.common.indicators import Month
from xianfeng.meetings.enums import MeetingKind
from xianfeng.meetings.models import Rectification
from xianfeng.meetings.services import life

pytestmark = pytest.mark.django_db
MARCH = Month(2026, 3)


def test_overdue_rectification_items_score_and_show_on_the_branch_s_sheet(client, county):
    branch = make_branch(county)
    meeting = plan(branch, kind=MeetingKind.LIFE, starts=local(2026, 3, 10), topic="组织生活会")
    write_minutes(meeting, branch.recorder_a, submit=False)
    meeting.refresh_from_db()

    def item(problem, deadline, closed=None):
        it = life.rectification_add(
            actor=branch.secretary,
            meeting=meeting,
            data=life.RectificationData(
                problem=problem,
                measures="限期整改",
                owner_id=branch.recorder_b.pk,
                deadline=deadline,
            ),
            today=datetime.date(2026, 3, 10),
        )
        if closed:
            life.rectification_progress(actor=branch.recorder_b, item=it, note="完成")
            life.rectification_close(actor=branch.secretary, item=it, now=local(*closed))
        return it

    item("按时完成的事项", datetime.date(2026, 3, 15), (2026, 3, 14))
    late = item("谈心谈话开展不够", datetime.date(2026, 3, 20), (2026, 4, 2))
    still = item("党员档案不齐全", datetime.date(2026, 3, 25))
    item("四月到期的事项", datetime.date(2026, 4, 10))
    Rectification.objects.update(created_at=local(2026, 3, 10, 17))

    admin = county.county_admin
    scheme = scheme_create(actor=admin, org=county.county, year=2026)
    line = scheme.items.get(name="整改落实")
    assert (line.heading, line.rule, line.indicator, line.points) == (
        "工作机制好",
        ItemRule.COMPUTED,
        "meetings.rectification_overdue",
        5,
    )
    assert (line.full_at, line.zero_at) == (0, 2)
    scheme_activate(actor=admin, scheme=scheme)
    facts_compute(month=MARCH)

    check = selfcheck_start(actor=branch.secretary, org=branch.org, month=MARCH)
    got = check.lines.get(item__name="整改落实")
    # Two items open past their deadline on 3/31: 2 or more → 0 of 5.
    assert (got.value, got.self_score) == (2.0, 0)
    assert got.records_url == "/meetings/rectification/?org=A1"
    # A branch with nothing overdue (no items at all) gets full marks.
    (b1,) = [x for x in score_sheet(scheme, county.branch_b1, MARCH).lines if x.item == line]
    assert (b1.figure.value, b1.score) == (0.0, 5)

    client.force_login(branch.secretary)
    html = client.get(f"/indicators/checks/{check.pk}/").content.decode()
    assert f'<a href="/meetings/rectification/{late.pk}/">谈心谈话开展不够</a>' in html
    assert f'<a href="/meetings/rectification/{still.pk}/">党员档案不齐全</a>' in html
    assert "整改时限 2026-03-20，逾期 11 天" in html and "逾期 6 天" in html
    assert "按时完成的事项" not in html and "四月到期的事项" not in html
    client.force_login(county.secretary_b1)
    assert client.get(f"/indicators/checks/{check.pk}/").status_code == 404
