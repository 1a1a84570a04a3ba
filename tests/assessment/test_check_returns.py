"""退回: the town sends a submitted 自查 back with a reason; the branch is told, edits and
resubmits; every return stays on the page. Nobody else can return one."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from xianfeng.assessment.enums import SELFCHECK_RETURNED_KIND, CheckState, ItemRule
from xianfeng.assessment.models import CheckReturn, SelfCheck
from xianfeng.assessment.services.checks import (
    evidence_add,
    line_save,
    selfcheck_return,
    selfcheck_start,
    selfcheck_submit,
)
from xianfeng.assessment.services.schemes import scheme_activate, scheme_create
from xianfeng.common.errors import Refused
from xianfeng.common.indicators import Month
from xianfeng.notify import kinds
from xianfeng.notify.models import Notification

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year - 1


@pytest.fixture
def active(county):
    scheme = scheme_create(actor=county.county_admin, org=county.county, year=YEAR)
    scheme_activate(actor=county.county_admin, scheme=scheme)
    return scheme


def filled(county, month: int = 4) -> SelfCheck:
    """东街's self-check for the month, every evidence item scored with a link."""
    sec = county.secretary_a1
    check = selfcheck_start(actor=sec, org=county.branch_a1, month=Month(YEAR, month))
    for line in check.lines.select_related("item").filter(item__rule=ItemRule.EVIDENCE):
        line_save(actor=sec, line=line, score=str(line.item.points - 1))
        evidence_add(actor=sec, line=line, link="https://example.cn/ledger", name="台账")
    return check


def test_a_town_returns_a_self_check_and_the_branch_resubmits(client, county, active):
    check = selfcheck_submit(actor=county.secretary_a1, check=filled(county))
    town = county.town_a_admin
    with pytest.raises(Refused, match="退回须写明理由"):
        selfcheck_return(actor=town, check=check, reason=" 补 ")
    # The branch itself, another branch: not theirs to return.
    for actor in (county.secretary_a1, county.secretary_b1):
        with pytest.raises(PermissionDenied):
            selfcheck_return(actor=actor, check=check, reason="材料不全，请补充")
    check.refresh_from_db()
    assert check.state == CheckState.SUBMITTED and not CheckReturn.objects.exists()

    selfcheck_return(actor=town, check=check, reason="会议记录照片不清晰，请补充原件扫描件")
    check.refresh_from_db()
    assert (check.state, check.submitted_at, check.submitted_by) == (
        CheckState.RETURNED,
        None,
        None,
    )
    told = Notification.objects.get(kind=SELFCHECK_RETURNED_KIND)
    assert told.user == county.secretary_a1
    assert told.title == f"东街社区党支部 {YEAR}年4月自查被退回"
    assert "会议记录照片不清晰" in told.body and told.url == f"/indicators/checks/{check.pk}/"
    assert kinds.get(SELFCHECK_RETURNED_KIND).label == "自查被退回"
    with pytest.raises(Refused, match="不能从“已退回”变为“已退回”"):
        selfcheck_return(actor=town, check=check, reason="再退一次试试")

    # The branch edits and resubmits from the page; the history stays.
    client.force_login(county.secretary_a1)
    html = client.get(f"/indicators/checks/{check.pk}/").content.decode()
    assert "退回记录" in html and "会议记录照片不清晰，请补充原件扫描件" in html
    assert "待重新提交" in html and "提交自查" in html and "退回支部" not in html
    team = check.lines.get(item__name="班子建设与书记抓党建")
    client.post(f"/indicators/checks/{check.pk}/do/line/", {"line": team.pk, "score": "12"})
    team.refresh_from_db()
    assert team.self_score == Decimal("12.0")
    client.post(f"/indicators/checks/{check.pk}/do/submit/")
    check.refresh_from_db()
    assert check.state == CheckState.SUBMITTED and check.submitted_by == county.secretary_a1
    first = CheckReturn.objects.get()
    assert first.resubmitted_at == check.submitted_at and first.returned_by == town

    # A second return through the page; both are listed.
    client.force_login(town)
    html = client.get(f"/indicators/checks/{check.pk}/").content.decode()
    assert "退回支部" in html
    response = client.post(
        f"/indicators/checks/{check.pk}/do/return/", {"reason": "扣分事由未写明"}, follow=True
    )
    assert "已退回支部" in response.content.decode()
    html = client.get(f"/indicators/checks/{check.pk}/").content.decode()
    assert html.count(" 退回，理由：") == 2 and "扣分事由未写明" in html
    assert CheckReturn.objects.count() == 2


def test_outsiders_cannot_return_or_read_the_returns(client, county, active):
    check = selfcheck_submit(actor=county.secretary_a1, check=filled(county))
    selfcheck_return(actor=county.town_a_admin, check=check, reason="材料缺少签字页")
    selfcheck_submit(actor=county.secretary_a1, check=check)
    for user in (county.secretary_b1, county.member_a1.user):
        client.force_login(user)
        response = client.get(f"/indicators/checks/{check.pk}/")
        assert response.status_code == 404
        response = client.post(f"/indicators/checks/{check.pk}/do/return/", {"reason": "越权退回"})
        assert response.status_code == 404
    # The branch's own secretary sees the return but has no button and cannot return it.
    client.force_login(county.secretary_a1)
    html = client.get(f"/indicators/checks/{check.pk}/").content.decode()
    assert "材料缺少签字页" in html and "退回支部" not in html
    client.post(f"/indicators/checks/{check.pk}/do/return/", {"reason": "自己退回自己"})
    check.refresh_from_db()
    assert check.state == CheckState.SUBMITTED and CheckReturn.objects.count() == 1


def test_a_return_left_unanswered_is_locked_with_the_quarter(county, active):
    from xianfeng.assessment.services.bulletins import bulletin_draft, bulletin_publish

    check = selfcheck_submit(actor=county.secretary_a1, check=filled(county, month=2))
    selfcheck_return(actor=county.county_admin, check=check, reason="请补充支委会记录")
    bulletin = bulletin_draft(actor=county.county_admin, org=county.county, year=YEAR, quarter=1)
    row = bulletin.rows.get(org=county.branch_a1)
    assert row.periods == 0  # a returned self-check is not a submitted one
    bulletin_publish(actor=county.county_admin, bulletin=bulletin)
    check.refresh_from_db()
    assert check.state == CheckState.LOCKED
