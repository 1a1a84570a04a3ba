"""民主评议 results on each member's record: once the higher org confirms, the grade shows on
the member's page in the people app — to the member and the branch's officers, to nobody
from another branch."""

from __future__ import annotations

import pytest

from tests.factories import MemberFactory, UserFactory
from xianfeng.assessment import services
from xianfeng.assessment.enums import Grade
from xianfeng.assessment.selectors import confirmed_grades_of_member
from xianfeng.common import related

pytestmark = pytest.mark.django_db


@pytest.fixture
def proposed(county):
    """东街's 2026 appraisal with five members, proposed to the town: 张东街 优秀."""
    others = [
        MemberFactory(org=county.branch_a1, user=UserFactory(name=f"党员{n}")) for n in "甲乙丙丁"
    ]
    appraisal = services.appraisal_create(
        actor=county.secretary_a1, org=county.branch_a1, year=2026
    )
    services.voting_open(actor=county.secretary_a1, appraisal=appraisal)
    rows = list(appraisal.appraisees.select_related("member__user").order_by("id"))
    for voter in rows:
        marks = {o.pk: Grade.QUALIFIED for o in rows if o.pk != voter.pk}
        services.ballot_cast(actor=voter.member.user, appraisal=appraisal, marks=marks)
    services.voting_close(actor=county.secretary_a1, appraisal=appraisal)
    grades = {
        r.pk: (Grade.EXCELLENT, "带头服务群众")
        if r.member_id == county.member_a1.pk
        else (Grade.QUALIFIED, "")
        for r in rows
    }
    services.grades_propose(actor=county.secretary_a1, appraisal=appraisal, grades=grades)
    return county, appraisal, others


def test_the_confirmed_grade_shows_on_the_member_s_record(client, proposed):
    county, appraisal, others = proposed
    page = f"/members/{county.member_a1.pk}/"
    client.force_login(county.member_a1.user)
    assert "民主评议" not in client.get(page).content.decode()  # proposed, not confirmed
    services.appraisal_confirm(actor=county.town_a_admin, appraisal=appraisal)
    link = f'<a href="/indicators/appraisals/{appraisal.pk}/">2026 年度 优秀</a>'
    for viewer in (county.member_a1.user, county.secretary_a1, county.town_a_admin):
        client.force_login(viewer)
        html = client.get(page).content.decode()
        assert "民主评议：" + link in html, viewer
    client.force_login(county.secretary_a1)
    html = client.get(f"/members/{others[0].pk}/").content.decode()
    assert "2026 年度 合格" in html and "优秀" not in html


def test_another_branch_never_sees_the_grade(client, proposed):
    county, appraisal, others = proposed
    services.appraisal_confirm(actor=county.town_a_admin, appraisal=appraisal)
    client.force_login(county.secretary_b1)
    assert client.get(f"/members/{county.member_a1.pk}/").status_code == 404
    # Asked directly (as another page might), the grades answer nobody outside.
    for outsider in (county.secretary_b1, others[0].user, county.judge, county.resident):
        assert confirmed_grades_of_member(outsider, county.member_a1.pk) == []
        assert not [
            link
            for link in related.links_to("people.member", outsider, county.member_a1.pk)
            if link.label == "民主评议"
        ]
    assert [
        r.grade for r in confirmed_grades_of_member(county.member_a1.user, county.member_a1.pk)
    ] == [Grade.EXCELLENT]
