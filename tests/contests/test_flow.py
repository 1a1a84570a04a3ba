"""Quotas, quiet decisions, scope, double entries, reviews, votes, awards, certificates."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from pypdf import PdfReader

from tests.contests.conftest import advance_to_final, enter_all
from tests.factories import UserFactory, grant, published_lesson
from xianfeng.common.errors import Refused
from xianfeng.contests import services
from xianfeng.contests.models import Award, Review, Standing, Vote
from xianfeng.lessons.practice.channels import showcase_settings
from xianfeng.lessons.services import showcase_for_org
from xianfeng.notify.models import Notification
from xianfeng.orgs.enums import OrgKind, RoleKind

pytestmark = pytest.mark.django_db


def test_quota_refuses_a_second_recommendation_and_changes_nothing(county, world):
    entries = enter_all(county, world)
    second = services.entry_submit(
        actor=county.member_a1.user, contest=world.contest, lesson=world.lessons["a1b"]
    )
    first = Standing.objects.get(entry=entries["a1"], round=world.r1)
    services.standing_decide(actor=county.secretary_a1, standing=first, decision="advanced")
    other = Standing.objects.get(entry=second, round=world.r1)
    with pytest.raises(Refused, match="每个组织本轮最多推荐 1 个作品，东街社区党支部已推荐 1 个"):
        services.standing_decide(actor=county.secretary_a1, standing=other, decision="advanced")
    other.refresh_from_db()
    assert other.decision == "pending"


def test_a_secretary_cannot_decide_for_another_branch(county, world):
    entries = enter_all(county, world)
    standing = Standing.objects.get(entry=entries["b1"], round=world.r1)
    with pytest.raises(PermissionDenied):
        services.standing_decide(actor=county.secretary_a1, standing=standing, decision="advanced")
    standing.refresh_from_db()
    assert standing.decision == "pending"


def test_decisions_stay_quiet_until_published(client, county, world):
    entries = enter_all(county, world)
    standing = Standing.objects.get(entry=entries["a1"], round=world.r1)
    services.standing_decide(actor=county.secretary_a1, standing=standing, decision="advanced")
    client.force_login(county.member_a1.user)
    html = client.get(reverse("contests:detail", args=[world.contest.pk])).content.decode()
    assert "支部推荐：<b>评审中</b>" in html and "晋级" not in html.split("我的参赛作品")[1]
    data = client.get(f"/api/v1/contests/{world.contest.pk}").json()
    assert data["my_entries"][0]["results"] == [{"round": 1, "result": "评审中"}]
    assert not Notification.objects.filter(user=county.member_a1.user).exists()
    with pytest.raises(Refused, match="还有 2 个作品没有决定是否晋级"):
        services.round_publish(actor=county.county_admin, round_=world.r1)


def test_publishing_moves_entries_on_and_tells_the_entrants(client, county, world):
    advance_to_final(county, world)
    client.force_login(county.member_a2.user)
    html = client.get(reverse("contests:detail", args=[world.contest.pk])).content.decode()
    assert "支部推荐：<b>晋级</b>" in html and "镇党委评选：<b>止步</b>" in html
    titles = set(
        Notification.objects.filter(user=county.member_a2.user).values_list("title", flat=True)
    )
    assert titles == {
        "《西街的廉洁课》在青山县一人一课微党课大赛支部推荐晋级",
        "《西街的廉洁课》在青山县一人一课微党课大赛镇党委评选未晋级",
    }
    assert sorted(
        Standing.objects.filter(round=world.r3).values_list("entry__lesson__title", flat=True)
    ) == [
        "东街的安全课",
        "柳湾的修路课",
    ]


def test_entries_from_outside_the_scope_are_refused_unless_invited(county, world):
    from tests.factories import OrgFactory

    outside_root = OrgFactory(code="U", name="青山学院党委", kind=OrgKind.COMMITTEE)
    college = OrgFactory(code="U1", name="学院第一党支部", parent=outside_root)
    lesson = published_lesson(org=college, author=county.member_a1.user, title="学院的课")
    with pytest.raises(Refused, match="不在本次竞赛的范围内"):
        services.entry_submit(actor=county.member_a1.user, contest=world.contest, lesson=lesson)
    world.contest.extra_orgs.add(outside_root)
    entry = services.entry_submit(actor=county.member_a1.user, contest=world.contest, lesson=lesson)
    assert entry.standings.get().decider == college


def test_entering_twice_is_refused(county, world):
    services.entry_submit(
        actor=county.member_a1.user, contest=world.contest, lesson=world.lessons["a1"]
    )
    with pytest.raises(Refused, match="已经报名参赛了"):
        services.entry_submit(
            actor=county.secretary_a1, contest=world.contest, lesson=world.lessons["a1"]
        )


def scores(world, a, b, c):
    ids = [c_.pk for c_ in world.r3.criteria.order_by("order")]
    return {ids[0]: a, ids[1]: b, ids[2]: c}


def test_review_rules(county, world):
    entries = advance_to_final(county, world)
    judge = world.judges[0]
    with pytest.raises(Refused, match="“思想性”的分数应在 0 到 100 之间"):
        services.review_save(
            judge=judge, round_=world.r3, entry=entries["a1"], scores=scores(world, 120, 80, 80)
        )
    with pytest.raises(Refused, match="请为“观赏性”打分"):
        services.review_save(
            judge=judge, round_=world.r3, entry=entries["a1"], scores=scores(world, 90, 80, "")
        )
    late = world.r3.ends_on + datetime.timedelta(days=1)
    with pytest.raises(Refused, match="本轮评审时间为"):
        services.review_save(
            judge=judge,
            round_=world.r3,
            entry=entries["a1"],
            scores=scores(world, 90, 80, 80),
            today=late,
        )
    assert not Review.objects.exists()
    services.review_save(
        judge=judge, round_=world.r3, entry=entries["a1"], scores=scores(world, 90, 80, 80)
    )
    services.review_save(
        judge=judge, round_=world.r3, entry=entries["a1"], scores=scores(world, 70, 80, 80)
    )
    review = Review.objects.get()
    assert review.scores[str(world.r3.criteria.order_by("order")[0].pk)] == "70"
    assert review.version.number == 1
    with pytest.raises(PermissionDenied):
        services.review_save(
            judge=county.member_a1.user,
            round_=world.r3,
            entry=entries["b1"],
            scores=scores(world, 1, 1, 1),
        )


def test_awards_by_rank_and_the_certificate_pdf(client, county, world):
    entries = advance_to_final(county, world)
    for i, judge in enumerate(world.judges):
        services.review_save(
            judge=judge, round_=world.r3, entry=entries["a1"], scores=scores(world, 90, 90, 90 - i)
        )
        services.review_save(
            judge=judge, round_=world.r3, entry=entries["b1"], scores=scores(world, 80, 80, 80 - i)
        )
    awards = services.awards_assign(
        actor=county.county_admin,
        contest=world.contest,
        counts={"first": 1, "second": 1, "third": 0, "excellent": 0},
    )
    assert [(a.label, a.entry.lesson.title, a.rank) for a in awards] == [
        ("一等奖", "东街的安全课", 1),
        ("二等奖", "柳湾的修路课", 2),
    ]
    world.contest.refresh_from_db()
    assert world.contest.state == "finished"
    award = Award.objects.get(label="一等奖")
    url = reverse("contests:certificate", args=[world.contest.pk, award.pk])
    client.force_login(county.member_b1.user)
    assert client.get(url).status_code == 404  # someone else's certificate
    client.force_login(county.member_a1.user)
    response = client.get(url)
    text = PdfReader(io.BytesIO(b"".join(response.streaming_content))).pages[0].extract_text()
    assert (
        "张东街" in text
        and "一等奖" in text
        and "青山县一人一课微党课大赛" in text
        and "青山县委" in text
    )


def test_votes_once_per_member_and_only_in_scope(county, world):
    world.r1.vote_share = 20
    world.r1.save()
    entries = enter_all(county, world)
    services.vote_cast(user=county.member_b1.user, round_=world.r1, entry=entries["a1"])
    services.vote_cast(
        user=county.member_b1.user, round_=world.r1, entry=entries["a1"]
    )  # a double click
    assert Vote.objects.count() == 1
    with pytest.raises(PermissionDenied):
        services.vote_cast(user=county.resident, round_=world.r1, entry=entries["a1"])
    assert Vote.objects.count() == 1


def test_an_improved_version_is_judged_as_such(county, world):
    from tests.factories import ready_video

    entries = advance_to_final(county, world)
    judge = world.judges[0]
    services.review_save(
        judge=judge, round_=world.r3, entry=entries["a1"], scores=scores(world, 80, 80, 80)
    )
    v2 = services.entry_add_version(
        actor=county.member_a1.user, entry=entries["a1"], video=ready_video(county.member_a1.user)
    )
    services.review_save(
        judge=world.judges[1],
        round_=world.r3,
        entry=entries["a1"],
        scores=scores(world, 90, 90, 90),
    )
    assert dict(Review.objects.values_list("judge__username", "version__number")) == {
        "judge0": 1,
        "judge1": 2,
    }
    assert v2.number == 2 and entries["a1"].versions.count() == 2


def test_organiser_only_setup(county, world):
    with pytest.raises(PermissionDenied):
        services.round_add(
            actor=county.town_a_admin,
            contest=world.contest,
            name="x",
            level="branch",
            starts_on=world.r1.starts_on,
            ends_on=world.r1.ends_on,
        )
    judge = UserFactory(username="outsider", name="外人")
    grant(judge, county.town_b, RoleKind.JUDGE)
    with pytest.raises(PermissionDenied):
        services.judge_assign(actor=county.secretary_a1, round_=world.r3, user=judge)


def test_rubric_weights_must_sum_to_100(county, world):
    from decimal import Decimal

    with pytest.raises(Refused, match="权重之和应为 100%"):
        services.criteria_set(
            actor=county.county_admin,
            round_=world.r3,
            criteria=[
                services.CriterionData("思想性", Decimal(50)),
                services.CriterionData("艺术性", Decimal(30)),
            ],
        )


def test_winners_go_into_the_organisers_showcase(client, county, world):
    entries = advance_to_final(county, world)
    for judge in world.judges:
        services.review_save(
            judge=judge, round_=world.r3, entry=entries["a1"], scores=scores(world, 90, 90, 90)
        )
        services.review_save(
            judge=judge, round_=world.r3, entry=entries["b1"], scores=scores(world, 80, 80, 80)
        )
    services.awards_assign(
        actor=county.county_admin,
        contest=world.contest,
        counts={"first": 1, "second": 1, "third": 0, "excellent": 0},
    )
    showcase = services.awards_to_showcase(actor=county.county_admin, contest=world.contest)
    assert list(showcase.items.order_by("position").values_list("lesson__title", flat=True)) == [
        "东街的安全课",
        "柳湾的修路课",
    ]
    # Published to their branches only before; now the whole county can watch them.
    client.force_login(county.member_b1.user)
    html = client.get(f"/lessons/showcases/{showcase.pk}/").content.decode()
    assert "东街的安全课" in html and "柳湾的修路课" in html


def test_winners_put_into_a_numbered_channel_get_issue_numbers(county, world):
    entries = advance_to_final(county, world)
    for judge in world.judges:
        for key, mark in (("a1", 90), ("b1", 80)):
            services.review_save(
                judge=judge, round_=world.r3, entry=entries[key], scores=scores(world, *[mark] * 3)
            )
    services.awards_assign(
        actor=county.county_admin,
        contest=world.contest,
        counts={"first": 1, "second": 1, "third": 0, "excellent": 0},
    )
    # The organiser made the winners' channel a numbered series (第 N 期) beforehand.
    title = f"{world.contest.title}获奖作品展播"
    show = showcase_for_org(actor=county.county_admin, org=world.contest.org, title=title)
    showcase_settings(actor=county.county_admin, showcase=show, title=title, numbered=True)
    showcase = services.awards_to_showcase(actor=county.county_admin, contest=world.contest)
    assert showcase.pk == show.pk
    assert list(showcase.items.order_by("position").values_list("lesson__title", "issue_no")) == [
        ("东街的安全课", 1),
        ("柳湾的修路课", 2),
    ]


def test_org_award_from_the_contest_page(client, county, world):
    client.force_login(county.county_admin)
    response = client.post(f"/contests/{world.contest.pk}/do/org_award/", {"org": "TA"})
    assert response.status_code == 302
    award = Award.objects.get(level="organisation")
    assert (award.label, award.org.code) == ("优秀组织奖", "TA")
    client.force_login(county.town_a_admin)
    assert (
        client.get(f"/contests/{world.contest.pk}/awards/{award.pk}/certificate.pdf").status_code
        == 200
    )
    client.force_login(county.secretary_b1)
    assert (
        client.get(f"/contests/{world.contest.pk}/awards/{award.pk}/certificate.pdf").status_code
        == 404
    )


def test_a_monthly_contest_opens_once_a_month_from_its_template(county, world):
    from xianfeng.contests.models import Contest
    from xianfeng.contests.tasks import open_monthly_contests

    world.contest.recurrence = "monthly"
    world.contest.save()
    services.judge_assign(actor=county.county_admin, round_=world.r3, user=world.judges[0])
    assert open_monthly_contests.call() == 1
    assert open_monthly_contests.call() == 0  # once a month
    copy = Contest.objects.get(template=world.contest)
    assert copy.state == "open"
    assert [(r.number, r.level, r.quota) for r in copy.rounds.order_by("number")] == [
        (1, "branch", 1),
        (2, "committee", 1),
        (3, "organiser", 0),
    ]
    final = copy.rounds.get(number=3)
    assert list(final.criteria.values_list("name", flat=True)) == [
        "思想性",
        "艺术性",
        "观赏性",
        "创新",
    ]
    assert final.judges.count() == 5
    assert copy.rounds.get(number=1).state == "open"
