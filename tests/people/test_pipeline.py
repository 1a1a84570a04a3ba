"""发展党员: the pipeline's steps and their minimum intervals, what is due, who sees it."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import make_id_number
from xianfeng.audit.models import AuditLog
from xianfeng.common.errors import Refused
from xianfeng.notify.models import Notification
from xianfeng.people.enums import ApplicantStage, MemberStatus
from xianfeng.people.models import Applicant, Member
from xianfeng.people.selectors import applicants_due
from xianfeng.people.services import pipeline
from xianfeng.people.services.history import probation_end

pytestmark = pytest.mark.django_db

D = datetime.date


def applicant(county, name="孙申请", applied_on=D(2024, 3, 1), org=None) -> Applicant:
    return pipeline.applicant_register(
        actor=county.secretary_a1,
        org=org or county.branch_a1,
        name=name,
        applied_on=applied_on,
        id_number=make_id_number(D(2000, 1, 2)),
    )


def activist(county, **kw) -> Applicant:
    a = applicant(county, **kw)
    pipeline.applicant_talk(actor=county.secretary_a1, applicant=a, on=D(2024, 3, 20))
    pipeline.applicant_to_activist(
        actor=county.secretary_a1, applicant=a, on=D(2024, 4, 10), contacts="张东街、李西街"
    )
    pipeline.applicant_note(
        actor=county.secretary_a1, applicant=a, on=D(2024, 7, 1), text="积极参加主题党日"
    )
    return a


def test_working_days_skip_weekends():
    # 2026-06-01 is a Monday.
    assert pipeline.working_days(D(2026, 6, 1), D(2026, 6, 5)) == 5
    assert pipeline.working_days(D(2026, 6, 4), D(2026, 6, 10)) == 5
    assert pipeline.working_days(D(2026, 6, 5), D(2026, 6, 10)) == 4


def test_the_whole_pipeline_makes_a_probationary_member_from_the_branch_meeting(county):
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
    pipeline.applicant_admit(
        actor=s,
        applicant=a,
        meeting_on=D(2025, 6, 10),
        approved_on=D(2025, 7, 1),
        oath_on=D(2025, 7, 1),
    )
    a.refresh_from_db()
    member = Member.objects.get(pk=a.member_id)
    assert a.stage == ApplicantStage.ADMITTED
    assert (member.status, member.joined_on, member.org_id, member.user.name) == (
        MemberStatus.PROBATIONARY,
        D(2025, 6, 10),
        county.branch_a1.pk,
        "孙申请",
    )
    assert probation_end(member) == D(2026, 6, 10)
    assert list(
        AuditLog.objects.filter(event__startswith="applicant.")
        .order_by("id")
        .values_list("event", flat=True)
    ) == ["applicant.applied", "applicant.activist", "applicant.candidate", "applicant.admitted"]


def test_an_activist_becomes_a_candidate_only_after_a_year(county):
    a = activist(county)
    with pytest.raises(Refused) as excinfo:
        pipeline.applicant_to_candidate(actor=county.secretary_a1, applicant=a, on=D(2025, 4, 9))
    assert excinfo.value.message == (
        "入党积极分子须培养考察一年以上才能列为发展对象（最早 2025-04-10）"
    )
    a.refresh_from_db()
    assert (a.stage, a.candidate_on) == (ApplicantStage.ACTIVIST, None)


def test_no_activist_without_a_talk_and_no_talk_before_the_application(county):
    a = applicant(county)
    with pytest.raises(Refused, match="请先记录与申请人的谈话"):
        pipeline.applicant_to_activist(
            actor=county.secretary_a1, applicant=a, on=D(2024, 4, 1), contacts="张东街"
        )
    with pytest.raises(Refused, match=r"不能早于递交入党申请书日期（2024-03-01）"):
        pipeline.applicant_talk(actor=county.secretary_a1, applicant=a, on=D(2024, 2, 1))
    a.refresh_from_db()
    assert (a.stage, a.talked_on) == (ApplicantStage.APPLIED, None)


def test_publicity_of_fewer_than_five_working_days_and_an_early_meeting_are_refused(county):
    a = activist(county)
    s = county.secretary_a1
    pipeline.applicant_to_candidate(actor=s, applicant=a, on=D(2025, 4, 10))
    with pytest.raises(Refused, match="公示期不少于 5 个工作日"):
        pipeline.applicant_prepare(
            actor=s,
            applicant=a,
            reviewed_on=None,
            training_on=None,
            publicity_from=D(2025, 6, 5),
            publicity_to=D(2025, 6, 10),
        )
    with pytest.raises(Refused, match="请先完成政治审查、集中培训、公示"):
        pipeline.applicant_admit(
            actor=s, applicant=a, meeting_on=D(2025, 6, 20), approved_on=D(2025, 7, 1)
        )
    pipeline.applicant_prepare(
        actor=s,
        applicant=a,
        reviewed_on=D(2025, 5, 6),
        training_on=D(2025, 5, 20),
        publicity_from=D(2025, 6, 2),
        publicity_to=D(2025, 6, 6),
    )
    with pytest.raises(Refused, match=r"支部大会应在公示结束（2025-06-06）之后召开"):
        pipeline.applicant_admit(
            actor=s, applicant=a, meeting_on=D(2025, 6, 6), approved_on=D(2025, 7, 1)
        )
    with pytest.raises(Refused, match="三个月内审批"):
        pipeline.applicant_admit(
            actor=s, applicant=a, meeting_on=D(2025, 6, 10), approved_on=D(2025, 10, 1)
        )
    a.refresh_from_db()
    assert (a.stage, a.member_id) == (ApplicantStage.CANDIDATE, None)
    assert not Member.objects.filter(user__name="孙申请").exists()


def test_what_is_due_next_and_the_reminder_once(county):
    late = applicant(county, name="迟谈话", applied_on=D(2026, 9, 1))
    fresh = applicant(county, name="刚申请", applied_on=D(2026, 11, 25))
    quiet = activist(county)
    rows = {r.applicant.pk: r for r in applicants_due(today=D(2026, 12, 2))}
    assert (rows[late.pk].step, rows[late.pk].due_on, rows[late.pk].overdue) == (
        "talk",
        D(2026, 10, 1),
        True,
    )
    assert (rows[fresh.pk].step, rows[fresh.pk].overdue) == ("talk", False)
    assert (rows[quiet.pk].step, rows[quiet.pk].due_on) == ("note", D(2024, 10, 1))
    assert pipeline.pipeline_reminders_send(today=D(2026, 12, 2)) == 2
    assert pipeline.pipeline_reminders_send(today=D(2026, 12, 2)) == 0
    titles = sorted(
        Notification.objects.filter(kind="applicant.due").values_list("title", flat=True)
    )
    assert titles == ["发展党员待办：孙申请记录季度培养考察", "发展党员待办：迟谈话派人谈话"]


def test_another_branch_cannot_act_or_see(county, client):
    a = applicant(county)
    with pytest.raises(PermissionDenied):
        pipeline.applicant_talk(actor=county.secretary_b1, applicant=a, on=D(2024, 3, 5))
    client.force_login(county.secretary_b1)
    assert client.get(reverse("people:applicant_detail", args=[a.pk])).status_code == 404
    response = client.post(
        reverse("people:applicant_step", args=[a.pk, "talk"]), {"talk-on": "2024-03-05"}
    )
    assert response.status_code == 404
    page = client.get(reverse("people:pipeline")).content.decode()
    assert "孙申请" not in page
    a.refresh_from_db()
    assert a.talked_on is None


@pytest.mark.parametrize("who", ["member", "resident"])
def test_members_and_residents_are_kept_out(county, client, who):
    a = applicant(county)
    client.force_login(county.member_a1.user if who == "member" else county.resident)
    assert client.get(reverse("people:pipeline")).status_code == 403
    assert client.get(reverse("people:applicant_detail", args=[a.pk])).status_code == 404


def test_the_propagandist_sees_the_pipeline_masked_and_cannot_act(county, client):
    a = applicant(county)
    client.force_login(county.propagandist_a1)
    page = client.get(reverse("people:applicant_detail", args=[a.pk])).content.decode()
    assert a.id_number not in page and 'id="step-talk"' not in page


def test_a_step_on_the_page_with_a_bad_date_keeps_the_input(county, client):
    a = applicant(county)
    client.force_login(county.secretary_a1)
    response = client.post(
        reverse("people:applicant_step", args=[a.pk, "talk"]), {"talk-on": "2099-01-01"}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "谈话日期不能晚于今天" in body and 'value="2099-01-01"' in body
    response = client.post(
        reverse("people:applicant_step", args=[a.pk, "talk"]), {"talk-on": "2024-03-20"}
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.talked_on == D(2024, 3, 20)


def test_registering_on_the_page(county, client):
    client.force_login(county.secretary_a1)
    response = client.post(
        reverse("people:applicant_new"),
        {"org": county.branch_a1.pk, "name": "周青年", "applied_on": "2026-11-20"},
    )
    assert response.status_code == 302
    assert Applicant.objects.get().name == "周青年"
    response = client.post(
        reverse("people:applicant_new"),
        {"org": county.branch_b1.pk, "name": "越权", "applied_on": "2026-11-20"},
    )
    assert response.status_code == 400
    assert Applicant.objects.count() == 1


def test_pipeline_list_queries_do_not_grow(county, client):
    client.force_login(county.secretary_a1)
    activist(county, name="甲")
    url = reverse("people:pipeline") + "?org=A1"
    client.get(url)  # warm the session and the identity memo
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    applicant(county, name="乙")
    activist(county, name="丙")
    with CaptureQueriesContext(connection) as three:
        page = client.get(url).content.decode()
    assert "甲" in page and "乙" in page and "丙" in page
    assert len(three.captured_queries) == len(one.captured_queries)
