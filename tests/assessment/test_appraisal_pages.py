"""民主评议 pages: the flow through the forms, who reaches which appraisal, queries."""

from __future__ import annotations

import pytest

from tests.factories import MemberFactory, UserFactory
from xianfeng.assessment import services
from xianfeng.assessment.models import Appraisal, BallotReceipt, Tally

pytestmark = pytest.mark.django_db

SELF = "一年来认真学习党章党规，按时参加组织生活，带头完成社区服务工作，仍需加强理论学习。"


@pytest.fixture
def appraisal(county):
    for name in ("甲", "乙"):
        MemberFactory(org=county.branch_a1, user=UserFactory(name=f"党员{name}"))
    return services.appraisal_create(actor=county.secretary_a1, org=county.branch_a1, year=2026)


def test_the_flow_through_the_pages(client, county, appraisal):
    base = f"/indicators/appraisals/{appraisal.pk}/"
    client.force_login(county.member_a1.user)
    assert client.post(base + "self/", {"text": SELF}).status_code == 302
    client.force_login(county.secretary_a1)
    client.post(base + "open/")
    rows = list(appraisal.appraisees.order_by("id"))
    for voter in rows:
        client.force_login(voter.member.user)
        page = client.get(base).content.decode()
        assert "互评投票" in page and SELF in page
        marks = {f"m-{o.pk}": "qualified" for o in rows if o.pk != voter.pk}
        client.post(base + "vote/", marks)
        assert "您已投票" in client.get(base).content.decode()
    # A member never sees the counts, not even after the ballot closed.
    client.force_login(county.secretary_a1)
    assert "票 ·" not in client.get(base).content.decode()
    client.post(base + "close/")
    html = client.get(base).content.decode()
    assert "合格 2 票" in html
    client.force_login(rows[0].member.user)
    assert "合格 2 票" not in client.get(base).content.decode()
    client.force_login(county.secretary_a1)
    grades = {f"g-{r.pk}": "qualified" for r in rows}
    grades[f"g-{rows[1].pk}"] = "unqualified"
    response = client.post(base + "propose/", grades, follow=True)
    assert "评为基本合格或不合格的，须写明理由" in response.content.decode()
    grades[f"n-{rows[1].pk}"] = "全年无故不参加组织生活"
    client.post(base + "propose/", grades)
    client.force_login(county.town_a_admin)
    client.post(base + "confirm/")
    assert Appraisal.objects.get().state == "confirmed"
    client.force_login(rows[1].member.user)
    assert "我的评定结果" in client.get(base).content.decode()
    assert BallotReceipt.objects.count() == 3
    assert sum(Tally.objects.values_list("votes", flat=True)) == 6


def test_a_double_submitted_ballot_counts_once(client, county, appraisal):
    base = f"/indicators/appraisals/{appraisal.pk}/"
    client.force_login(county.secretary_a1)
    client.post(base + "open/")
    rows = list(appraisal.appraisees.order_by("id"))
    client.force_login(rows[0].member.user)
    marks = {f"m-{o.pk}": "excellent" for o in rows[1:]}
    client.post(base + "vote/", marks)
    again = client.post(base + "vote/", marks, follow=True).content.decode()
    assert "您已经投过票了，每人只能投一次" in again
    assert sum(Tally.objects.values_list("votes", flat=True)) == 2


@pytest.mark.parametrize(
    "who", ["secretary_b1", "member_b1", "resident", "judge", "propagandist_a1"]
)
def test_outsiders_cannot_reach_or_act(client, county, appraisal, who):
    user = getattr(county, who)
    user = getattr(user, "user", user)
    client.force_login(user)
    base = f"/indicators/appraisals/{appraisal.pk}/"
    if who == "propagandist_a1":  # reads the branch's records, runs nothing
        assert client.get(base).status_code == 200
        client.post(base + "open/")
        assert Appraisal.objects.get().state == "preparing"
        return
    assert client.get(base).status_code == 404
    assert client.post(base + "open/").status_code == 404
    assert "东街社区党支部" not in client.get("/indicators/appraisals/").content.decode()


def test_anonymous_visitors_go_to_login(client, appraisal):
    response = client.get(f"/indicators/appraisals/{appraisal.pk}/")
    assert response.status_code == 302 and "/login" in response["Location"]


@pytest.mark.parametrize("extra", [0, 2])
def test_the_page_queries_do_not_grow_with_members(
    client, county, django_assert_num_queries, extra
):
    for _ in range(extra):
        MemberFactory(org=county.branch_a1)
    MemberFactory(org=county.branch_a1)
    appraisal = services.appraisal_create(
        actor=county.secretary_a1, org=county.branch_a1, year=2026
    )
    services.voting_open(actor=county.secretary_a1, appraisal=appraisal)
    services.voting_close(actor=county.secretary_a1, appraisal=appraisal)
    client.force_login(county.secretary_a1)
    url = f"/indicators/appraisals/{appraisal.pk}/"
    client.get(url)
    # session, user, the appraisal, its appraisees, my receipt, the receipts' count, the
    # tallies, the unread badge (roles from the identity memo)
    with django_assert_num_queries(8):
        assert client.get(url).status_code == 200
