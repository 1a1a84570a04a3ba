"""Conflicts of interest and blind judging, as the judge meets them in pages and the API;
query counts for the judge queue and the ranking."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tests.contests.conftest import advance_to_final
from tests.factories import MemberFactory, UserFactory, grant, published_lesson
from xianfeng.contests import services
from xianfeng.orgs.enums import RoleKind

pytestmark = pytest.mark.django_db

NAMES = ("张东街", "王柳湾", "东街社区党支部", "柳湾村党支部")


@pytest.fixture
def final(county, world):
    entries = advance_to_final(county, world)
    judge = UserFactory(username="judge_a1", name="东街评委")
    MemberFactory(user=judge, org=county.branch_a1)  # a member of branch A1
    grant(judge, county.county, RoleKind.JUDGE)
    services.judge_assign(actor=county.county_admin, round_=world.r3, user=judge)
    return entries, judge


def test_a_judge_never_sees_an_entry_of_their_own_branch(client, county, world, final):
    entries, judge = final
    client.force_login(judge)
    queue = client.get(reverse("contests:judge", args=[world.contest.pk, 3])).content.decode()
    assert "东街的安全课" not in queue and "柳湾的修路课" in queue
    assert "0 / 1" in queue
    url = reverse("contests:judge_entry", args=[world.contest.pk, 3, entries["a1"].pk])
    assert client.get(url).status_code == 404
    api = client.get(f"/api/v1/contests/{world.contest.pk}/rounds/3/queue").json()
    assert [e["title"] for e in api["entries"]] == ["柳湾的修路课"]
    assert (
        client.get(
            f"/api/v1/contests/{world.contest.pk}/rounds/3/entries/{entries['a1'].pk}"
        ).status_code
        == 404
    )
    with pytest.raises(PermissionDenied, match="回避"):
        services.review_save(judge=judge, round_=world.r3, entry=entries["a1"], scores={})


def test_blind_mode_hides_speaker_and_org_in_pages_and_api(client, county, world, final):
    entries, _ = final
    judge = world.judges[0]
    client.force_login(judge)
    pages = [
        client.get(reverse("contests:judge", args=[world.contest.pk, 3])).content.decode(),
        client.get(
            reverse("contests:judge_entry", args=[world.contest.pk, 3, entries["b1"].pk])
        ).content.decode(),
        client.get(f"/api/v1/contests/{world.contest.pk}/rounds/3/queue").content.decode(),
        client.get(
            f"/api/v1/contests/{world.contest.pk}/rounds/3/entries/{entries['b1'].pk}"
        ).content.decode(),
    ]
    for body in pages:
        assert "柳湾的修路课" in body
        for name in NAMES:
            assert name not in body


def test_without_blind_mode_the_judge_sees_names(client, county, world, final):
    entries, _ = final
    world.r3.blind = False
    world.r3.save()
    client.force_login(world.judges[0])
    body = client.get(
        reverse("contests:judge_entry", args=[world.contest.pk, 3, entries["b1"].pk])
    ).content.decode()
    assert "王柳湾" in body and "柳湾村党支部" in body


def test_others_scores_only_after_submitting_own(client, county, world, final):
    entries, _ = final
    world.r3.judges_see_others = True
    world.r3.save()
    criteria = [c.pk for c in world.r3.criteria.order_by("order")]
    services.review_save(
        judge=world.judges[1],
        round_=world.r3,
        entry=entries["b1"],
        scores=dict(zip(criteria, [77, 66, 55], strict=False)),
    )
    client.force_login(world.judges[0])
    url = reverse("contests:judge_entry", args=[world.contest.pk, 3, entries["b1"].pk])
    assert "其他评委的评分" not in client.get(url).content.decode()
    services.review_save(
        judge=world.judges[0],
        round_=world.r3,
        entry=entries["b1"],
        scores=dict(zip(criteria, [90, 90, 90], strict=False)),
    )
    body = client.get(url).content.decode()
    assert "其他评委的评分" in body and "77" in body


def test_save_and_next_goes_to_the_entry_with_fewest_reviews(client, county, world, final):
    entries, _ = final
    criteria = [c.pk for c in world.r3.criteria.order_by("order")]
    # b1 already has two reviews, a1 none: judge 2 starts on b1? No — the fewest first: a1.
    for judge in world.judges[:2]:
        services.review_save(
            judge=judge,
            round_=world.r3,
            entry=entries["b1"],
            scores=dict(zip(criteria, [80, 80, 80], strict=False)),
        )
    client.force_login(world.judges[2])
    queue = client.get(reverse("contests:judge", args=[world.contest.pk, 3])).content.decode()
    assert queue.index("东街的安全课") < queue.index("柳湾的修路课")
    data = {f"score_{c}": "85" for c in criteria[:3]} | {
        "next": "1",
        "feedback": "故事很感人，结尾可以再精炼",
    }
    response = client.post(
        reverse("contests:judge_entry", args=[world.contest.pk, 3, entries["a1"].pk]), data
    )
    assert response["Location"] == reverse(
        "contests:judge_entry", args=[world.contest.pk, 3, entries["b1"].pk]
    )


@pytest.mark.parametrize("extra", [0, 2])
def test_judge_queue_query_count(client, county, world, final, django_assert_num_queries, extra):
    from tests.factories import published_lesson
    from xianfeng.contests.models import Entry, EntryVersion, Standing

    for i in range(extra):
        lesson = published_lesson(
            org=county.branch_b1, author=county.member_b1.user, title=f"加赛{i}"
        )
        entry = Entry.objects.create(
            contest=world.contest,
            lesson=lesson,
            org=lesson.org,
            entered_by=county.member_b1.user,
            code=f"X{i}",
        )
        EntryVersion.objects.create(entry=entry, number=1, video=lesson.video)
        Standing.objects.create(entry=entry, round=world.r3, decider=county.county)
    client.force_login(world.judges[0])
    with django_assert_num_queries(11):
        html = client.get(reverse("contests:judge", args=[world.contest.pk, 3])).content.decode()
    assert html.count("待评") == 2 + extra


@pytest.mark.parametrize("extra", [0, 2])
def test_ranking_query_count(client, county, world, final, django_assert_num_queries, extra):
    from tests.factories import published_lesson
    from xianfeng.contests.models import Entry, EntryVersion, Standing

    for i in range(extra):
        lesson = published_lesson(
            org=county.branch_b1, author=county.member_b1.user, title=f"加赛{i}"
        )
        entry = Entry.objects.create(
            contest=world.contest,
            lesson=lesson,
            org=lesson.org,
            entered_by=county.member_b1.user,
            code=f"X{i}",
        )
        EntryVersion.objects.create(entry=entry, number=1, video=lesson.video)
        Standing.objects.create(entry=entry, round=world.r3, decider=county.county)
    client.force_login(county.county_admin)
    with django_assert_num_queries(11):
        html = client.get(reverse("contests:ranking", args=[world.contest.pk, 3])).content.decode()
    assert html.count("<tr><td>") == 2 + extra


@pytest.mark.parametrize("n", [1, 3])
def test_decide_page_query_count(client, county, world, django_assert_num_queries, n):
    for i in range(n):
        lesson = published_lesson(
            org=county.branch_a1, author=county.member_a1.user, title=f"报名{i}"
        )
        services.entry_submit(actor=county.member_a1.user, contest=world.contest, lesson=lesson)
    client.force_login(county.secretary_a1)
    with django_assert_num_queries(9):
        html = client.get(reverse("contests:decide", args=[world.contest.pk, 1])).content.decode()
    assert html.count('name="standing"') == n


@pytest.mark.parametrize("n", [1, 3])
def test_vote_page_query_count(client, county, world, django_assert_num_queries, n):
    world.r1.vote_share = 20
    world.r1.save()
    for i in range(n):
        lesson = published_lesson(
            org=county.branch_a1, author=county.member_a1.user, title=f"投票{i}"
        )
        services.entry_submit(actor=county.member_a1.user, contest=world.contest, lesson=lesson)
    client.force_login(county.member_b1.user)
    with django_assert_num_queries(9):
        html = client.get(reverse("contests:vote", args=[world.contest.pk, 1])).content.decode()
    assert html.count('name="entry"') == n
