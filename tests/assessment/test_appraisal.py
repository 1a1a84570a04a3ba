"""民主评议: the whole year's flow, a ballot nobody can trace, one ballot per voter, the
优秀 share, and who may do what."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection

from tests.factories import MemberFactory, UserFactory
from xianfeng.assessment import services
from xianfeng.assessment.enums import AppraisalState, Grade
from xianfeng.assessment.models import Appraisal, Appraisee, BallotReceipt, Tally
from xianfeng.audit.models import AuditLog
from xianfeng.common.errors import Refused
from xianfeng.notify.models import Notification

pytestmark = pytest.mark.django_db

SELF = "一年来认真学习党章党规，按时参加组织生活，带头完成社区服务工作，仍需加强理论学习。"


@pytest.fixture
def branch(county):
    """东街社区党支部 with five members (张东街 and four more) and one closed account."""
    for name in ("甲", "乙", "丙", "丁"):
        MemberFactory(org=county.branch_a1, user=UserFactory(name=f"党员{name}"))
    MemberFactory(org=county.branch_a1, user=UserFactory(is_active=False))
    return county


def members(appraisal):
    return list(appraisal.appraisees.select_related("member__user").order_by("id"))


def cast_all(appraisal, choose):
    """Every appraisee votes; `choose(voter, other)` gives the grade."""
    rows = members(appraisal)
    for voter in rows:
        marks = {o.pk: choose(voter, o) for o in rows if o.pk != voter.pk}
        services.ballot_cast(actor=voter.member.user, appraisal=appraisal, marks=marks)


def test_a_year_of_appraisal_end_to_end(branch):
    appraisal = services.appraisal_create(
        actor=branch.secretary_a1, org=branch.branch_a1, year=2026
    )
    rows = members(appraisal)
    assert len(rows) == 5  # the closed account is not appraised
    services.self_assessment_save(actor=rows[0].member.user, appraisal=appraisal, text=SELF)
    services.voting_open(actor=branch.secretary_a1, appraisal=appraisal)
    assert Notification.objects.filter(kind="appraisal.voting").count() == 5
    first = rows[0]
    cast_all(appraisal, lambda v, o: Grade.EXCELLENT if o.pk == first.pk else Grade.QUALIFIED)
    services.voting_close(actor=branch.secretary_a1, appraisal=appraisal)
    votes = dict(Tally.objects.filter(appraisee=first).values_list("grade", "votes"))
    assert votes == {"excellent": 4, "qualified": 0, "basic": 0, "unqualified": 0}
    assert Tally.objects.get(appraisee=rows[1], grade="qualified").votes == 4
    grades = {r.pk: (Grade.QUALIFIED, "") for r in rows}
    grades[first.pk] = (Grade.EXCELLENT, "群众评价好")
    services.grades_propose(actor=branch.secretary_a1, appraisal=appraisal, grades=grades)
    # The town sends it back once, then confirms.
    services.appraisal_return(actor=branch.town_a_admin, appraisal=appraisal, reason="请补充说明")
    appraisal.refresh_from_db()
    assert (appraisal.state, appraisal.returned_reason) == ("counted", "请补充说明")
    services.grades_propose(actor=branch.secretary_a1, appraisal=appraisal, grades=grades)
    services.appraisal_confirm(actor=branch.town_a_admin, appraisal=appraisal)
    appraisal.refresh_from_db()
    assert appraisal.state == AppraisalState.CONFIRMED
    assert dict(Appraisee.objects.filter(appraisal=appraisal).values_list("id", "grade")) == {
        r.pk: ("excellent" if r.pk == first.pk else "qualified") for r in rows
    }
    event = AuditLog.objects.get(event="appraisal.confirmed")
    assert event.data["grades"] == {"excellent": 1, "qualified": 4}


def test_the_schema_cannot_tie_a_mark_to_a_voter(branch):
    """No table of the app holds a voter next to a grade; the receipt holds the voter
    only, the tally the grade only — and neither has a time or an order to match by."""
    appraisal = services.appraisal_create(
        actor=branch.secretary_a1, org=branch.branch_a1, year=2026
    )
    services.voting_open(actor=branch.secretary_a1, appraisal=appraisal)
    cast_all(appraisal, lambda v, o: Grade.QUALIFIED)
    receipt_columns = {f.column for f in BallotReceipt._meta.concrete_fields}
    tally_columns = {f.column for f in Tally._meta.concrete_fields}
    assert receipt_columns == {"id", "appraisal_id", "voter_id"}
    assert tally_columns == {"id", "appraisee_id", "grade", "votes"}
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    assert not [
        t
        for t in tables
        if t.startswith("assessment_") and "ballot" in t and t != BallotReceipt._meta.db_table
    ]
    # Tally rows existed before anyone voted (made when voting opened): their ids say
    # nothing about who voted when.
    assert Tally.objects.count() == 5 * 4
    # The audit rows of voting carry no grade.
    voted = AuditLog.objects.filter(action="appraisal.voted")
    assert voted.count() == 5 and all(not row.data for row in voted)


def test_one_ballot_per_voter(branch):
    appraisal = services.appraisal_create(
        actor=branch.secretary_a1, org=branch.branch_a1, year=2026
    )
    services.voting_open(actor=branch.secretary_a1, appraisal=appraisal)
    rows = members(appraisal)
    voter = rows[0]
    marks = {o.pk: Grade.QUALIFIED for o in rows[1:]}
    services.ballot_cast(actor=voter.member.user, appraisal=appraisal, marks=marks)
    with pytest.raises(Refused, match="您已经投过票了"):
        services.ballot_cast(
            actor=voter.member.user,
            appraisal=appraisal,
            marks={o.pk: Grade.UNQUALIFIED for o in rows[1:]},
        )
    assert sum(Tally.objects.filter(grade="unqualified").values_list("votes", flat=True)) == 0
    assert BallotReceipt.objects.count() == 1


def test_a_ballot_must_grade_every_other_member_and_only_them(branch):
    appraisal = services.appraisal_create(
        actor=branch.secretary_a1, org=branch.branch_a1, year=2026
    )
    rows = members(appraisal)
    voter = rows[0].member.user
    with pytest.raises(Refused, match="现在不是互评投票时间"):
        services.ballot_cast(actor=voter, appraisal=appraisal, marks={})
    services.voting_open(actor=branch.secretary_a1, appraisal=appraisal)
    with pytest.raises(Refused, match="还有 1 名党员没有评定等次"):
        services.ballot_cast(
            actor=voter, appraisal=appraisal, marks={o.pk: "qualified" for o in rows[1:4]}
        )
    with pytest.raises(Refused, match="选票中有不属于本次评议的党员"):
        services.ballot_cast(
            actor=voter, appraisal=appraisal, marks={o.pk: "qualified" for o in rows}
        )
    with pytest.raises(Refused, match="等次只能是"):
        services.ballot_cast(
            actor=voter, appraisal=appraisal, marks={o.pk: "great" for o in rows[1:]}
        )
    with pytest.raises(PermissionDenied):
        services.ballot_cast(
            actor=branch.member_b1.user,
            appraisal=appraisal,
            marks={o.pk: "qualified" for o in rows},
        )
    assert not BallotReceipt.objects.exists()
    assert not Tally.objects.filter(votes__gt=0).exists()


def test_excellent_is_limited_to_its_share_and_low_grades_need_a_reason(branch):
    appraisal = services.appraisal_create(
        actor=branch.secretary_a1, org=branch.branch_a1, year=2026
    )  # 5 appraised × 20 % = at most 1 优秀
    services.voting_open(actor=branch.secretary_a1, appraisal=appraisal)
    services.voting_close(actor=branch.secretary_a1, appraisal=appraisal)
    rows = members(appraisal)
    grades = {r.pk: (Grade.QUALIFIED, "") for r in rows}
    grades[rows[0].pk] = grades[rows[1].pk] = (Grade.EXCELLENT, "")
    with pytest.raises(Refused, match=r"不得超过参评人数的 20%（本支部最多 1 名，现为 2 名）"):
        services.grades_propose(actor=branch.secretary_a1, appraisal=appraisal, grades=grades)
    grades[rows[1].pk] = (Grade.UNQUALIFIED, " ")
    with pytest.raises(Refused, match="须写明理由"):
        services.grades_propose(actor=branch.secretary_a1, appraisal=appraisal, grades=grades)
    assert not Appraisee.objects.exclude(proposed="").exists()
    grades[rows[1].pk] = (Grade.UNQUALIFIED, "全年无故不参加组织生活")
    services.grades_propose(actor=branch.secretary_a1, appraisal=appraisal, grades=grades)
    assert Appraisal.objects.get().state == "proposed"


def test_who_may_do_what(branch):
    with pytest.raises(PermissionDenied):
        services.appraisal_create(actor=branch.secretary_b1, org=branch.branch_a1, year=2026)
    with pytest.raises(Refused, match="以党支部为单位"):
        services.appraisal_create(actor=branch.town_a_admin, org=branch.town_a, year=2026)
    appraisal = services.appraisal_create(
        actor=branch.town_a_admin, org=branch.branch_a1, year=2026
    )
    with pytest.raises(Refused, match="2026 年度的民主评议已经发起"):
        services.appraisal_create(actor=branch.secretary_a1, org=branch.branch_a1, year=2026)
    for outsider in (branch.secretary_b1, branch.propagandist_a1, branch.member_a1.user):
        with pytest.raises(PermissionDenied):
            services.voting_open(actor=outsider, appraisal=appraisal)
    services.voting_open(actor=branch.secretary_a1, appraisal=appraisal)
    services.voting_close(actor=branch.secretary_a1, appraisal=appraisal)
    grades = {r.pk: (Grade.QUALIFIED, "") for r in members(appraisal)}
    services.grades_propose(actor=branch.secretary_a1, appraisal=appraisal, grades=grades)
    # The branch's own secretary cannot confirm its own proposal.
    with pytest.raises(PermissionDenied):
        services.appraisal_confirm(actor=branch.secretary_a1, appraisal=appraisal)
    with pytest.raises(PermissionDenied):
        services.appraisal_confirm(actor=branch.secretary_b1, appraisal=appraisal)
    assert Appraisal.objects.get().state == "proposed"


def test_self_assessment_needs_substance_and_closes_with_the_ballot(branch):
    appraisal = services.appraisal_create(
        actor=branch.secretary_a1, org=branch.branch_a1, year=2026
    )
    me = branch.member_a1.user
    with pytest.raises(Refused, match="至少 20 个字"):
        services.self_assessment_save(actor=me, appraisal=appraisal, text="合格。" + " " * 40)
    services.self_assessment_save(actor=me, appraisal=appraisal, text=SELF)
    with pytest.raises(PermissionDenied):
        services.self_assessment_save(actor=branch.member_b1.user, appraisal=appraisal, text=SELF)
    services.voting_open(actor=branch.secretary_a1, appraisal=appraisal)
    services.voting_close(actor=branch.secretary_a1, appraisal=appraisal)
    with pytest.raises(Refused, match="互评已经结束"):
        services.self_assessment_save(actor=me, appraisal=appraisal, text=SELF + "补充")
    assert Appraisee.objects.get(member__user=me).self_assessment == SELF
