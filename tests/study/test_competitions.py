"""知识竞赛 (闯关竞答): an officer sets it up for their subtree; a member passes level 1 to
unlock level 2; no key leaves the server before a level is handed in; each level's first
pass counts once; individual and branch rankings in one query each; another branch and
visitors never reach it."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import MemberFactory
from xianfeng.common.errors import Refused
from xianfeng.study.bank import fingerprint
from xianfeng.study.models import Attempt, Competition, CompetitionEntry, Question, Quiz
from xianfeng.study.selectors import competitions as sel
from xianfeng.study.services import competitions as services
from xianfeng.study.services import quizzes as quiz_services

pytestmark = pytest.mark.django_db

EXPLAIN = "竞赛解析标记：党章总纲"
BLANK_KEY = "实事求是的思想路线"


@pytest.fixture
def bank(county):
    c = county.county
    rows = [
        ("single", "党的最高理想是？", ["实现共产主义", "发展经济"], ["A"]),
        ("single", "党的宗旨是？", ["全心全意为人民服务", "做大做强"], ["A"]),
        ("single", "党的建设总要求之首是？", ["政治建设", "作风建设"], ["A"]),
        ("judge", "党员有表决权。", [], ["T"]),
        ("judge", "预备期两年。", [], ["F"]),
        ("blank", "党的思想路线是（ ）。", [], [BLANK_KEY]),
    ]
    return [
        Question.objects.create(
            org=c,
            kind=kind,
            stem=stem,
            options=options,
            answer=answer,
            explanation=EXPLAIN,
            fingerprint=fingerprint(kind, stem),
        )
        for kind, stem, options, answer in rows
    ]


def _competition(county, *, org=None, actor=None, levels=2, publish=True):
    now = timezone.now()
    competition = services.competition_create(
        actor=actor or county.secretary_a1,
        org=org or county.branch_a1,
        title="学习贯彻党的二十大精神知识竞答",
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=7),
    )
    for n in range(levels):
        services.level_add(
            actor=actor or county.secretary_a1,
            competition=competition,
            title=f"第{n + 1}关",
            rules=[{"kind": "single", "count": 2}, {"kind": "judge", "count": 1}]
            if n == 0
            else [{"kind": "blank", "count": 1}, {"kind": "judge", "count": 1}],
            duration_minutes=5,
            pass_percent=60,
            attempts_allowed=3,
        )
    if publish:
        services.competition_publish(
            actor=actor or county.secretary_a1, competition=competition, publish=True
        )
    competition.refresh_from_db()
    return competition


@pytest.fixture
def competition(county, bank):
    return _competition(county)


def _play(user, competition, number, *, right=True, now=None):
    level = Quiz.objects.get(competition=competition, level=number)
    attempt = services.level_start(user=user, level=level, now=now)
    if right:
        for i, item in enumerate(attempt.paper):
            quiz_services.attempt_save(
                user=user, attempt=attempt, position=i, response=item["key"], now=now
            )
    return quiz_services.attempt_submit(user=user, attempt=attempt, now=now)


def test_officer_sets_up_a_competition_through_the_pages(client, county, bank):
    client.force_login(county.secretary_a1)
    now = timezone.localtime()
    response = client.post(
        reverse("study:competition_new"),
        {
            "org": county.branch_a1.pk,
            "title": "  党史知识  闯关赛 ",
            "opens_at": (now - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    competition = Competition.objects.get()
    assert response["Location"] == reverse("study:competition", args=[competition.pk])
    assert (competition.title, competition.org, competition.is_published) == (
        "党史知识 闯关赛",
        county.branch_a1,
        False,
    )
    refused = client.post(
        reverse("study:competition_publish", args=[competition.pk]), {"publish": "1"}
    )
    assert refused.status_code == 302
    competition.refresh_from_db()
    assert competition.is_published is False  # no level yet
    too_many = client.post(
        reverse("study:competition_level_add", args=[competition.pk]),
        {
            "single": 9,
            "multiple": 0,
            "judge": 0,
            "blank": 0,
            "duration_minutes": 5,
            "pass_percent": 80,
            "attempts_allowed": 2,
        },
    )
    assert too_many.status_code == 302
    assert not Quiz.objects.filter(competition=competition).exists()
    page = client.get(too_many["Location"]).content.decode()
    assert "单选题只有 3 道，不够抽 9 道" in page
    for _ in range(2):
        client.post(
            reverse("study:competition_level_add", args=[competition.pk]),
            {
                "single": 2,
                "multiple": 0,
                "judge": 1,
                "blank": 0,
                "duration_minutes": 5,
                "pass_percent": 80,
                "attempts_allowed": 2,
            },
        )
    assert list(
        Quiz.objects.filter(competition=competition).values_list("level", "kind", "is_published")
    ) == [
        (1, "level", False),
        (2, "level", False),
    ]
    client.post(reverse("study:competition_publish", args=[competition.pk]), {"publish": "1"})
    assert list(
        Quiz.objects.filter(competition=competition).values_list("is_published", flat=True)
    ) == [True, True]
    edit = client.post(
        reverse("study:competition_edit", args=[competition.pk]),
        {
            "title": "党史知识闯关赛（第二季）",
            "opens_at": (now - datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now + datetime.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert edit.status_code == 302
    competition.refresh_from_db()
    assert competition.title == "党史知识闯关赛（第二季）"
    assert {q.closes_at for q in Quiz.objects.filter(competition=competition)} == {
        competition.closes_at
    }
    # The last level can go while nobody played it.
    client.post(reverse("study:competition_level_remove", args=[competition.pk, 2]))
    assert Quiz.objects.filter(competition=competition).count() == 1


def test_a_member_cannot_set_up_a_competition(client, county, competition):
    client.force_login(county.member_a1.user)
    assert client.get(reverse("study:competition_new")).status_code == 403
    assert client.get(reverse("study:competition_edit", args=[competition.pk])).status_code == 404
    assert (
        client.post(reverse("study:competition_level_add", args=[competition.pk]), {}).status_code
        == 404
    )
    assert (
        client.post(
            reverse("study:competition_publish", args=[competition.pk]), {"publish": "0"}
        ).status_code
        == 404
    )
    competition.refresh_from_db()
    assert competition.is_published is True


def test_passing_a_level_unlocks_the_next(client, county, competition):
    user = county.member_a1.user
    client.force_login(user)
    locked = client.post(reverse("study:competition_level_play", args=[competition.pk, 2]))
    assert locked.status_code == 302
    assert "请先通过第 1 关" in client.get(locked["Location"]).content.decode()
    assert not Attempt.objects.exists()
    # Nor can level 2 be started as if it were an exam.
    level2 = Quiz.objects.get(competition=competition, level=2)
    assert client.post(reverse("study:quiz_start", args=[level2.pk])).status_code == 404
    with pytest.raises(Exception, match="请从课程或竞赛页面开始答题"):
        quiz_services.attempt_start(user=user, quiz=level2)
    failed = _play(user, competition, 1, right=False)
    assert failed.passed is False
    with pytest.raises(Refused, match="请先通过第 1 关"):
        services.level_start(user=user, level=level2)
    passed = _play(user, competition, 1)
    assert passed.passed is True and passed.number == 2
    with pytest.raises(Refused, match="已经通过"):
        services.level_start(user=user, level=Quiz.objects.get(competition=competition, level=1))
    response = client.post(reverse("study:competition_level_play", args=[competition.pk, 2]))
    attempt = Attempt.objects.get(quiz=level2, user=user)
    assert response["Location"] == reverse("study:attempt", args=[attempt.pk])
    page = client.get(reverse("study:competition", args=[competition.pk])).content.decode()
    assert "已通过" in page and "继续闯关" in page


def test_no_key_leaves_the_server_before_a_level_is_handed_in(client, county, competition):
    user = county.member_a1.user
    client.force_login(user)
    _play(user, competition, 1)
    start = client.post(reverse("study:competition_level_play", args=[competition.pk, 2]))
    attempt = Attempt.objects.get(quiz__level=2, user=user)
    assert any(item["kind"] == "blank" for item in attempt.paper)
    html = client.get(start["Location"]).content.decode()
    api = client.get(f"/api/v1/study/attempts/{attempt.pk}").content.decode()
    detail = client.get(reverse("study:competition", args=[competition.pk])).content.decode()
    for payload in (html, api, detail):
        assert EXPLAIN not in payload
        assert BLANK_KEY not in payload and "实事求是" not in payload
        assert '"key"' not in payload and '"explanation"' not in payload
    assert "党的思想路线是" in html
    done = client.post(
        reverse("study:attempt_submit", args=[attempt.pk]),
        {f"q{i}": item["key"] for i, item in enumerate(attempt.paper)},
    )
    result = client.get(done["Location"]).content.decode()
    assert EXPLAIN in result and BLANK_KEY in result


def test_two_submits_count_once_and_the_first_pass_counts(county, competition):
    user = county.member_a1.user
    level = Quiz.objects.get(competition=competition, level=1)
    attempt = services.level_start(user=user, level=level)
    for i, item in enumerate(attempt.paper):
        quiz_services.attempt_save(user=user, attempt=attempt, position=i, response=item["key"])
    quiz_services.attempt_submit(user=user, attempt=attempt)
    quiz_services.attempt_submit(user=user, attempt=attempt)
    entry = CompetitionEntry.objects.get()
    assert (entry.user_id, entry.org, entry.levels_passed, entry.score) == (
        user.pk,
        county.branch_a1,
        1,
        attempt.max_score,
    )
    assert Attempt.objects.filter(user=user).count() == 1


def test_other_branches_and_visitors_never_reach_a_competition(client, county, competition):
    urls_get = [
        reverse("study:competition", args=[competition.pk]),
        reverse("study:competition_ranking", args=[competition.pk]),
        reverse("study:competition_edit", args=[competition.pk]),
    ]
    client.force_login(county.member_b1.user)  # 柳湾村: not addressed
    for url in urls_get:
        assert client.get(url).status_code == 404
    play = client.post(reverse("study:competition_level_play", args=[competition.pk, 1]))
    assert play.status_code == 404
    listing = client.get(reverse("study:competitions")).content.decode()
    assert competition.title not in listing
    client.force_login(county.secretary_b1)  # another branch's secretary
    for url in urls_get:
        assert client.get(url).status_code == 404
    assert not Attempt.objects.exists()
    client.logout()
    for url in urls_get:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]
    assert (
        client.post(reverse("study:competition_level_play", args=[competition.pk, 1])).status_code
        == 302
    )
    assert not Attempt.objects.exists()


def test_an_unpublished_competition_is_only_for_its_officers(client, county, bank):
    draft = _competition(county, publish=False)
    client.force_login(county.member_a1.user)
    assert client.get(reverse("study:competition", args=[draft.pk])).status_code == 404
    with pytest.raises(Exception, match="不面向"):
        services.level_start(
            user=county.member_a1.user, level=Quiz.objects.get(competition=draft, level=1)
        )
    client.force_login(county.secretary_a1)
    assert client.get(reverse("study:competition", args=[draft.pk])).status_code == 200


def test_a_closed_competition_refuses_play(county, competition):
    later = competition.closes_at + datetime.timedelta(minutes=1)
    with pytest.raises(Refused, match="竞赛已经结束"):
        services.level_start(
            user=county.member_a1.user,
            level=Quiz.objects.get(competition=competition, level=1),
            now=later,
        )


def test_rankings_order_players_and_branches(county, bank, django_assert_num_queries):
    competition = _competition(county, org=county.town_a, actor=county.town_a_admin)
    a1 = county.member_a1.user
    a1b = MemberFactory(org=county.branch_a1).user
    a2 = county.member_a2.user
    _play(a1, competition, 1)
    _play(a1, competition, 2)
    _play(a2, competition, 1)
    _play(a1b, competition, 1, right=False)
    with django_assert_num_queries(1):
        people = sel.ranking_people(competition)
    assert [(e.user_id, e.levels_passed) for e in people] == [(a1.pk, 2), (a2.pk, 1)]
    with django_assert_num_queries(1):
        branches = sel.ranking_branches(competition, 2)
    assert {(b.name, b.players, b.finished) for b in branches} == {
        ("西街社区党支部", 1, 0),
        ("东街社区党支部", 2, 1),
    }
    by_name = {b.name: b for b in branches}
    a1_score = CompetitionEntry.objects.get(user=a1).score
    a2_score = CompetitionEntry.objects.get(user=a2).score
    assert by_name["东街社区党支部"].average == round(a1_score / 2, 1)
    assert by_name["西街社区党支部"].average == float(a2_score)
    expected = sorted(branches, key=lambda b: -b.average)
    assert [b.name for b in branches] == [b.name for b in expected]
    place = sel.my_place(a2, competition)
    assert (place.rank, place.of) == (2, 2)
    assert sel.my_place(a1b, competition).rank == 0


@pytest.mark.parametrize("n", [1, 3])
def test_ranking_page_query_count(client, county, bank, django_assert_num_queries, n):
    competition = _competition(county, org=county.county, actor=county.county_admin, levels=1)
    players = [
        MemberFactory(org=org).user
        for org in (county.branch_a1, county.branch_a2, county.branch_b1)[:n]
    ]
    for user in players:
        _play(user, competition, 1)
    client.force_login(players[0])
    client.get(reverse("study:competition_ranking", args=[competition.pk]))  # warm caches
    with django_assert_num_queries(9):
        html = client.get(
            reverse("study:competition_ranking", args=[competition.pk])
        ).content.decode()
    assert html.count('class="rank-row') == n
    with django_assert_num_queries(9):
        html = client.get(
            reverse("study:competition_ranking", args=[competition.pk]), {"tab": "branches"}
        ).content.decode()
    assert html.count('class="rank-row') == n


@pytest.mark.parametrize("n", [1, 3])
def test_list_and_detail_query_count(client, county, bank, django_assert_num_queries, n):
    for _ in range(n):
        competition = _competition(county, levels=n)
    user = county.member_a1.user
    client.force_login(user)
    client.get(reverse("study:competitions"))
    with django_assert_num_queries(4):
        html = client.get(reverse("study:competitions")).content.decode()
    assert html.count('class="quiz-row"') == n
    with django_assert_num_queries(7):
        html = client.get(reverse("study:competition", args=[competition.pk])).content.decode()
    assert html.count('class="level-row') == n


def test_the_organiser_exports_both_rankings_to_excel(client, county, bank):
    from tests.xlsx_support import HYPERLINK, opened

    competition = _competition(county, org=county.town_a, actor=county.town_a_admin)
    a1 = county.member_a1.user
    a1.name = HYPERLINK
    a1.save(update_fields=["name"])
    a2 = county.member_a2.user
    _play(a1, competition, 1)
    _play(a1, competition, 2)
    _play(a2, competition, 1)
    _play(MemberFactory(org=county.branch_a1).user, competition, 1, right=False)
    url = reverse("study:competition_export", args=[competition.pk])
    client.force_login(county.town_a_admin)
    detail = client.get(reverse("study:competition", args=[competition.pk])).content.decode()
    assert url in detail
    response = client.get(url)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheets = opened(response.content)
    people, branches = sheets["个人排行"], sheets["支部排行"]
    assert people[1] == [
        "名次",
        "姓名",
        "所在组织",
        "通过关数",
        "总关数",
        "得分",
        "用时（秒）",
        "过关时间",
    ]
    e1 = CompetitionEntry.objects.get(user=a1)
    e2 = CompetitionEntry.objects.get(user=a2)
    assert [row[:7] for row in people[2:]] == [
        [1, HYPERLINK, "东街社区党支部", 2, 2, e1.score, e1.seconds],
        [2, "李西街", "西街社区党支部", 1, 2, e2.score, e2.seconds],
    ]
    ranked = sel.ranking_branches(competition, 2)
    assert [row[:5] for row in branches[2:]] == [
        [i + 1, b.name, b.players, b.finished, b.average] for i, b in enumerate(ranked)
    ]
    assert {row[1] for row in branches[2:]} == {"东街社区党支部", "西街社区党支部"}


def test_only_the_organiser_exports_a_ranking(client, county, bank):
    competition = _competition(county, org=county.town_a, actor=county.town_a_admin)
    _play(county.member_a1.user, competition, 1)
    url = reverse("study:competition_export", args=[competition.pk])
    client.force_login(county.member_a1.user)  # a player sees the ranking, not the file
    assert client.get(url).status_code == 403
    detail = client.get(reverse("study:competition", args=[competition.pk])).content.decode()
    assert url not in detail
    for outsider in (county.secretary_b1, county.secretary_a1):  # another town; below it
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response["Location"]
