"""微实事: proposals, the residents' vote, the count, the public progress log."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from tests.factories import UserFactory
from xianfeng.common.errors import Refused
from xianfeng.community.enums import ProjectState
from xianfeng.community.models import Ballot, CivicProject, ProjectUpdate, VoteRound
from xianfeng.community.services import civic
from xianfeng.community.tasks import count_votes
from xianfeng.notify.models import Notification

pytestmark = pytest.mark.django_db

NOW = timezone.now()
HOUR = datetime.timedelta(hours=1)


def vote_round(county, org=None, **kw):
    kw.setdefault("opens_at", NOW - HOUR)
    kw.setdefault("closes_at", NOW + 24 * HOUR)
    return civic.round_open(
        actor=county.secretary_a1, org=org or county.branch_a1, title="东街民生实事投票", **kw
    )


def candidate(county, title, cost=0, org=None, actor=None):
    return civic.project_propose(
        actor=actor or county.secretary_a1,
        org=org or county.branch_a1,
        title=title,
        description="路灯坏了三个月，晚上出门不安全。",
        cost_yuan=cost,
    )


def resident(county, org, name="赵居民"):
    user = UserFactory(name=name)
    user.home_org = org
    user.save()
    return user


# --- proposing --------------------------------------------------------------------------------


def test_a_branch_proposal_is_a_candidate_in_the_running_vote(county):
    item = vote_round(county)
    project = candidate(county, "修好东街的路灯", cost=3000)
    assert (project.state, project.round_id, project.proposer_shown) == (
        ProjectState.CANDIDATE,
        item.pk,
        "东街社区党支部",
    )


def test_a_residents_proposal_waits_for_review_and_the_branch_is_told(county, resident_a1):
    project = candidate(county, "卫生院门口修一个坡道", actor=resident_a1)
    assert (project.state, project.proposer_shown) == (ProjectState.PENDING, "孙**")
    told = Notification.objects.filter(kind="civic.review").values_list("user_id", flat=True)
    assert set(told) == {county.secretary_a1.pk, county.propagandist_a1.pk}
    civic.project_review(actor=county.secretary_a1, project=project, approve=True)
    assert CivicProject.objects.get(pk=project.pk).state == ProjectState.CANDIDATE


def test_a_resident_of_another_community_cannot_propose_here(county):
    outsider = resident(county, county.branch_b1)
    with pytest.raises(PermissionDenied):
        candidate(county, "修好东街的路灯", actor=outsider)
    assert CivicProject.objects.count() == 0


def test_another_branch_cannot_review_a_proposal(county, resident_a1):
    project = candidate(county, "卫生院门口修一个坡道", actor=resident_a1)
    with pytest.raises(PermissionDenied):
        civic.project_review(actor=county.secretary_b1, project=project, approve=True)
    assert CivicProject.objects.get(pk=project.pk).state == ProjectState.PENDING


def test_a_double_click_on_propose_makes_one_project(county):
    first = candidate(county, "修好东街的路灯")
    again = candidate(county, "修好东街的路灯")
    assert first.pk == again.pk and CivicProject.objects.count() == 1


# --- the vote ---------------------------------------------------------------------------------


def test_each_person_has_k_votes_one_per_project_and_can_change_them(county, resident_a1):
    vote_round(county, votes_each=2)
    a, b, c = (candidate(county, t) for t in ("修好东街路灯", "修一个健身角", "清理背街小巷"))
    civic.ballot_cast(actor=resident_a1, project=a)
    civic.ballot_cast(actor=resident_a1, project=a)  # a double click: still one
    civic.ballot_cast(actor=resident_a1, project=b)
    with pytest.raises(Refused) as refused:
        civic.ballot_cast(actor=resident_a1, project=c)
    assert refused.value.message == "您的 2 票已经投完；可以先撤回一票再投给这个项目"
    assert civic.ballot_withdraw(actor=resident_a1, project=a) == 1
    civic.ballot_cast(actor=resident_a1, project=c)
    assert sorted(
        Ballot.objects.filter(voter=resident_a1).values_list("project__title", "slot")
    ) == [("修一个健身角", 2), ("清理背街小巷", 1)]


def test_a_resident_of_another_community_cannot_vote(county):
    vote_round(county)
    project = candidate(county, "修好东街路灯")
    for outsider in (resident(county, county.branch_b1), county.member_b1.user, county.resident):
        with pytest.raises(PermissionDenied) as denied:
            civic.ballot_cast(actor=outsider, project=project)
        assert str(denied.value) == "只有登记在东街社区党支部的居民和党员可以投票"
    assert Ballot.objects.count() == 0


def test_a_member_of_the_branch_votes_too(county):
    vote_round(county)
    project = candidate(county, "修好东街路灯")
    civic.ballot_cast(actor=county.member_a1.user, project=project)
    assert Ballot.objects.filter(project=project).count() == 1


def test_no_vote_before_the_window_or_after_it(county, resident_a1):
    item = vote_round(county, opens_at=NOW + HOUR, closes_at=NOW + 5 * HOUR)
    project = candidate(county, "修好东街路灯")
    assert project.round_id == item.pk
    with pytest.raises(Refused, match="投票尚未开始"):
        civic.ballot_cast(actor=resident_a1, project=project)
    with pytest.raises(Refused, match="投票已截止"):
        civic.ballot_cast(actor=resident_a1, project=project, now=NOW + 6 * HOUR)
    assert Ballot.objects.count() == 0


def test_two_votes_may_not_overlap_in_one_community(county):
    vote_round(county)
    with pytest.raises(Refused, match="已有进行中的投票"):
        vote_round(county, opens_at=NOW, closes_at=NOW + 2 * HOUR)
    assert VoteRound.objects.count() == 1


# --- the count --------------------------------------------------------------------------------


def voters(county, n):
    return [resident(county, county.branch_a1, name=f"居民{i}号") for i in range(n)]


def test_the_count_approves_the_top_projects_within_the_budget(county):
    item = vote_round(county, winners=2, budget_yuan=5000)
    lights = candidate(county, "修好东街路灯", cost=3000)
    ramp = candidate(county, "卫生院门口坡道", cost=4000)
    corner = candidate(county, "修一个健身角", cost=2000)
    nobody = candidate(county, "没人投的项目", cost=100)
    people = voters(county, 5)
    for person in people:  # lights 5, ramp 4, corner 2
        civic.ballot_cast(actor=person, project=lights)
    for person in people[:4]:
        civic.ballot_cast(actor=person, project=ramp)
    for person in people[:2]:
        civic.ballot_cast(actor=person, project=corner)
    with pytest.raises(Refused, match="投票尚未截止"):
        civic.round_count(item=item, actor=county.secretary_a1)
    approved = civic.round_count(item=item, now=NOW + 25 * HOUR)
    # The ramp (4 votes) does not fit the 2,000 left after the lights; the corner does.
    assert [p.title for p in approved] == ["修好东街路灯", "修一个健身角"]
    rows = {p.title: (p.state, p.votes, p.rank) for p in CivicProject.objects.all()}
    assert rows == {
        "修好东街路灯": (ProjectState.APPROVED, 5, 1),
        "卫生院门口坡道": (ProjectState.NOT_SELECTED, 4, 2),
        "修一个健身角": (ProjectState.APPROVED, 2, 3),
        "没人投的项目": (ProjectState.NOT_SELECTED, 0, 4),
    }
    assert nobody.pk
    again = civic.round_count(item=item, now=NOW + 26 * HOUR)
    assert sorted(p.pk for p in again) == sorted([lights.pk, corner.pk])


def test_the_hourly_job_counts_closed_votes(county, resident_a1):
    item = vote_round(county, opens_at=NOW - 3 * HOUR, closes_at=NOW - HOUR)
    VoteRound.objects.filter(pk=item.pk).update(closes_at=NOW - HOUR)
    project = candidate(county, "修好东街路灯")
    CivicProject.objects.filter(pk=project.pk).update(round=item)
    Ballot.objects.create(round=item, project=project, voter=resident_a1, slot=1)
    result = count_votes.enqueue()
    assert result.return_value == 1
    assert CivicProject.objects.get(pk=project.pk).state == ProjectState.APPROVED
    assert count_votes.enqueue().return_value == 0


# --- carrying out -----------------------------------------------------------------------------


def approved_project(county, voter):
    item = vote_round(county)
    project = candidate(county, "修好东街路灯", cost=3000)
    civic.ballot_cast(actor=voter, project=project)
    civic.round_count(item=item, now=NOW + 25 * HOUR)
    return CivicProject.objects.get(pk=project.pk)


def test_progress_log_moves_the_project_on_and_tells_its_voters(county, resident_a1):
    project = approved_project(county, resident_a1)
    civic.project_progress(
        actor=county.secretary_a1,
        project=project,
        note="已联系供电所，下周施工",
        state="in_progress",
    )
    civic.project_progress(
        actor=county.secretary_a1, project=project, note="三盏路灯全部换新", state="done"
    )
    assert [(u.state, u.note) for u in ProjectUpdate.objects.order_by("id")] == [
        (ProjectState.IN_PROGRESS, "已联系供电所，下周施工"),
        (ProjectState.DONE, "三盏路灯全部换新"),
    ]
    fresh = CivicProject.objects.get(pk=project.pk)
    assert fresh.state == ProjectState.DONE and fresh.done_at is not None
    assert Notification.objects.filter(user=resident_a1, kind="civic.progress").count() == 2
    with pytest.raises(Refused, match="不能再更新进展"):
        civic.project_progress(actor=county.secretary_a1, project=fresh, note="再补一条说明")


def test_another_branch_cannot_write_the_progress_log(county, resident_a1):
    project = approved_project(county, resident_a1)
    with pytest.raises(PermissionDenied):
        civic.project_progress(actor=county.secretary_b1, project=project, note="不是我们村的")
    assert ProjectUpdate.objects.count() == 0


def test_residents_rate_a_finished_project_once(county, resident_a1):
    project = approved_project(county, resident_a1)
    with pytest.raises(Refused, match="完成后才能评价"):
        civic.project_rate(actor=resident_a1, project=project, score=5)
    civic.project_progress(
        actor=county.secretary_a1, project=project, note="完工验收", state="done"
    )
    project = CivicProject.objects.get(pk=project.pk)
    civic.project_rate(actor=resident_a1, project=project, score=5)
    civic.project_rate(actor=resident_a1, project=project, score=4)
    assert list(project.ratings.values_list("score", flat=True)) == [4]
    with pytest.raises(PermissionDenied):
        civic.project_rate(actor=county.member_b1.user, project=project, score=1)


def test_comments_show_a_masked_name_and_refuse_sensitive_words(county, resident_a1):
    from tests.factories import SensitiveWordFactory
    from xianfeng.moderation import scanner

    project = approved_project(county, resident_a1)
    comment = civic.project_comment(actor=resident_a1, project=project, text="路灯装得很亮")
    assert comment.shown_name == "孙**"
    SensitiveWordFactory(word="赌博")
    scanner.bump_version()
    with pytest.raises(Refused, match="赌博"):
        civic.project_comment(actor=resident_a1, project=project, text="有人在这里赌博")
    assert project.comments.count() == 1


# --- pages ------------------------------------------------------------------------------------


def test_project_list_is_public_and_leaves_out_pending_proposals(client, county, resident_a1):
    vote_round(county)
    candidate(county, "修好东街路灯")
    candidate(county, "居民提的待审项目", actor=resident_a1)
    html = client.get(reverse("community:projects")).content.decode()
    assert "修好东街路灯" in html and "居民提的待审项目" not in html
    assert "东街民生实事投票" not in html  # the anonymous visitor has no community


def test_a_pending_proposal_is_404_outside_its_side_and_branch(client, county, resident_a1):
    project = candidate(county, "居民提的待审项目", actor=resident_a1)
    url = reverse("community:project", args=[project.pk])
    for viewer in (None, county.member_b1.user, county.secretary_b1):
        client.logout()
        if viewer is not None:
            client.force_login(viewer)
        assert client.get(url).status_code == 404
    for viewer in (resident_a1, county.secretary_a1):
        client.force_login(viewer)
        assert client.get(url).status_code == 200


def test_vote_through_the_pages_and_an_outsider_is_told_no(client, county, resident_a1):
    item = vote_round(county)
    project = candidate(county, "修好东街路灯")
    client.force_login(resident_a1)
    html = client.get(reverse("community:round", args=[item.pk])).content.decode()
    assert "您还有 3 票" in html and "票数在投票截止后公布" in html
    response = client.post(
        reverse("community:project_action", args=[project.pk, "vote"]), follow=True
    )
    assert "投票成功" in response.content.decode()
    outsider = resident(county, county.branch_b1)
    client.force_login(outsider)
    response = client.post(
        reverse("community:project_action", args=[project.pk, "vote"]), follow=True
    )
    assert "只有登记在东街社区党支部的居民和党员可以投票" in response.content.decode()
    assert list(Ballot.objects.values_list("voter_id", flat=True)) == [resident_a1.pk]


def test_standings_are_hidden_until_the_window_closes(client, county, resident_a1):
    item = vote_round(county)
    project = candidate(county, "修好东街路灯")
    civic.ballot_cast(actor=resident_a1, project=project)
    url = reverse("community:project", args=[project.pk])
    assert 'id="ballots"' not in client.get(url).content.decode()
    VoteRound.objects.filter(pk=item.pk).update(show_live=True)
    assert "1 票" in client.get(url).content.decode()


@pytest.mark.parametrize("n", [1, 3])
def test_project_list_query_count(client, county, resident_a1, django_assert_num_queries, n):
    vote_round(county)
    for i in range(n):
        candidate(county, f"第{i}件民生实事")
    client.force_login(resident_a1)
    # session, user, roles, review count, towns, member, home path, open rounds, unread
    # notices, page rows (a cursor's page: no COUNT)
    with django_assert_num_queries(9):
        response = client.get(reverse("community:projects"))
    assert response.content.decode().count("民生实事</span>") == n


@pytest.mark.parametrize("n", [1, 3])
def test_round_page_query_count(client, county, resident_a1, django_assert_num_queries, n):
    item = vote_round(county)
    for i in range(n):
        candidate(county, f"第{i}件民生实事")
    client.force_login(resident_a1)
    # round, session, user, my ballots, projects, member, home path, roles, unread notices
    with django_assert_num_queries(9):
        response = client.get(reverse("community:round", args=[item.pk]))
    assert response.content.decode().count("投一票") == n
