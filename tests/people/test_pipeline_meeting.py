"""发展党员: the 支部大会讨论 step links the 支部党员大会 that voted (from the meetings
ledger, through common/records), and the activist's training is recorded apart from the
发展对象's 集中培训."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from tests.factories import MeetingFactory
from tests.people.test_pipeline import activist
from xianfeng.assessment.selectors import record_choices
from xianfeng.common.errors import Refused
from xianfeng.people.enums import ApplicantStage
from xianfeng.people.models import Applicant, Member
from xianfeng.people.services import pipeline

pytestmark = pytest.mark.django_db

D = datetime.date
VOTE = datetime.datetime(2025, 6, 10, 7, 0, tzinfo=datetime.UTC)  # 15:00 in Beijing


def candidate(county) -> Applicant:
    a = activist(county)
    s = county.secretary_a1
    pipeline.applicant_to_candidate(actor=s, applicant=a, on=D(2025, 4, 10))
    pipeline.applicant_prepare(
        actor=s,
        applicant=a,
        reviewed_on=D(2025, 5, 6),
        training_on=D(2025, 5, 20),
        publicity_from=D(2025, 6, 2),
        publicity_to=D(2025, 6, 6),
    )
    return a


def assembly(org, **kw):
    kw.setdefault("starts_at", VOTE)
    kw.setdefault("topic", "讨论接收预备党员")
    return MeetingFactory(org=org, **kw)


def test_the_branch_meeting_is_the_assembly_that_voted_and_its_date(county):
    a = candidate(county)
    meeting = assembly(county.branch_a1, held=True)
    pipeline.applicant_admit(
        actor=county.secretary_a1, applicant=a, meeting=meeting.pk, approved_on=D(2025, 7, 1)
    )
    a.refresh_from_db()
    assert (a.stage, a.meeting_record, a.meeting_on) == (
        ApplicantStage.ADMITTED,
        meeting.pk,
        D(2025, 6, 10),
    )
    assert Member.objects.get(pk=a.member_id).joined_on == D(2025, 6, 10)
    assert a.meeting_url == reverse("meetings:detail", kwargs={"pk": meeting.pk})


@pytest.mark.parametrize(
    "which",
    ["other branch", "planned", "cancelled", "committee"],
)
def test_only_a_held_assembly_of_the_branch_can_be_the_vote(county, which):
    a = candidate(county)
    meeting = {
        "other branch": lambda: assembly(county.branch_b1, held=True),
        "planned": lambda: assembly(county.branch_a1),
        "cancelled": lambda: assembly(county.branch_a1, cancelled=True),
        "committee": lambda: assembly(county.branch_a1, held=True, kind="committee"),
    }[which]()
    with pytest.raises(Refused) as refused:
        pipeline.applicant_admit(
            actor=county.secretary_a1,
            applicant=a,
            meeting=meeting.pk,
            meeting_on=D(2025, 6, 10),
            approved_on=D(2025, 7, 1),
        )
    assert (refused.value.field, refused.value.message) == (
        "meeting",
        "请选择本支部已召开的支部党员大会",
    )
    a.refresh_from_db()
    assert (a.stage, a.meeting_record, a.member_id) == (ApplicantStage.CANDIDATE, None, None)


def test_an_assembly_before_the_publicity_ended_is_refused(county):
    a = candidate(county)
    early = assembly(county.branch_a1, held=True, starts_at=VOTE - datetime.timedelta(days=5))
    with pytest.raises(Refused, match="支部大会应在公示结束（2025-06-06）之后召开"):
        pipeline.applicant_admit(
            actor=county.secretary_a1, applicant=a, meeting=early.pk, approved_on=D(2025, 7, 1)
        )


def test_the_admit_step_on_the_page_offers_the_branchs_held_assemblies(county, client):
    a = candidate(county)
    mine = assembly(county.branch_a1, held=True)
    planned = assembly(county.branch_a1, topic="下月的大会", starts_at=VOTE)
    theirs = assembly(county.branch_b1, held=True, topic="别的支部的大会")
    client.force_login(county.secretary_a1)
    page = client.get(reverse("people:applicant_detail", args=[a.pk])).content.decode()
    assert f'<option value="{mine.pk}">' in page
    assert f'<option value="{planned.pk}">' not in page
    assert f'<option value="{theirs.pk}">' not in page
    url = reverse("people:applicant_step", args=[a.pk, "admit"])
    response = client.post(url, {"admit-approved_on": "2025-07-01"})
    assert response.status_code == 400
    assert "请选择讨论的支部党员大会，或填写其日期" in response.content.decode()
    response = client.post(url, {"admit-meeting": theirs.pk, "admit-approved_on": "2025-07-01"})
    assert response.status_code == 400  # not a choice on this branch's form
    a.refresh_from_db()
    assert a.stage == ApplicantStage.CANDIDATE
    response = client.post(url, {"admit-meeting": mine.pk, "admit-approved_on": "2025-07-01"})
    assert response.status_code == 302
    page = client.get(reverse("people:applicant_detail", args=[a.pk])).content.decode()
    link = reverse("meetings:detail", kwargs={"pk": mine.pk})
    assert f'2025-06-10 <a href="{link}">支部党员大会记录</a>' in page


def test_a_vote_before_the_ledger_is_kept_by_its_date(county):
    a = candidate(county)
    pipeline.applicant_admit(
        actor=county.secretary_a1, applicant=a, meeting_on=D(2025, 6, 10), approved_on=D(2025, 7, 1)
    )
    a.refresh_from_db()
    assert (a.meeting_on, a.meeting_record, a.meeting_url) == (D(2025, 6, 10), None, "")


def test_the_activist_training_is_its_own_date(county, client):
    a = activist(county)
    s = county.secretary_a1
    with pytest.raises(Refused, match="不能早于确定为积极分子日期（2024-04-10）"):
        pipeline.applicant_activist_training(actor=s, applicant=a, on=D(2024, 4, 1))
    pipeline.applicant_activist_training(actor=s, applicant=a, on=D(2024, 6, 15))
    a.refresh_from_db()
    assert (a.activist_training_on, a.training_on) == (D(2024, 6, 15), None)
    client.force_login(s)
    page = client.get(reverse("people:applicant_detail", args=[a.pk])).content.decode()
    assert '<dd id="activist-training">2024-06-15</dd>' in page
    assert "发展对象集中培训" in page
    fresh = pipeline.applicant_register(
        actor=s, org=county.branch_a1, name="新申请", applied_on=D(2024, 3, 1)
    )
    with pytest.raises(Refused, match="积极分子培训在确定为入党积极分子之后进行"):
        pipeline.applicant_activist_training(actor=s, applicant=fresh, on=D(2024, 6, 15))


def test_the_assembly_kind_is_not_offered_as_self_check_evidence(county):
    assembly(county.branch_a1, held=True)
    labels = [label for label, _ in record_choices(county.secretary_a1, county.branch_a1)]
    assert "支部党员大会" not in labels and "三会一课" in labels
