"""Exams graded honestly: the paper frozen on the server, no key before submission (in the
HTML or the JSON), answers saved as the person goes, the server's clock deciding, one
submission; results by person, branch and question, in reach only."""

from __future__ import annotations

import datetime
import json
import random

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import MemberFactory
from xianfeng.audit.models import AuditLog
from xianfeng.common.errors import Refused
from xianfeng.study import grading
from xianfeng.study.bank import fingerprint
from xianfeng.study.models import Attempt, AttemptAnswer, PointsEntry, Question
from xianfeng.study.services import quizzes as services

pytestmark = pytest.mark.django_db

EXPLAIN = "解析标记：见党章第十条"
BLANK_KEY = "民主集中制原则"


def q(org, kind, stem, options, answer, explanation=EXPLAIN, tags=()):
    return Question.objects.create(
        org=org,
        kind=kind,
        stem=stem,
        options=options,
        answer=answer,
        explanation=explanation,
        tags=list(tags),
        fingerprint=fingerprint(kind, stem),
    )


@pytest.fixture
def bank(county):
    c = county.county
    return [
        q(c, "single", "党的最高领导机关是？", ["全国代表大会", "中央委员会", "政治局"], ["A"]),
        q(c, "single", "党的根本宗旨是？", ["全心全意为人民服务", "发展经济"], ["A"]),
        q(
            c,
            "multiple",
            "三会一课包括？",
            ["支部党员大会", "支委会", "党小组会", "党课"],
            ["A", "B", "C", "D"],
        ),
        q(c, "judge", "预备期为一年。", [], ["T"]),
        q(c, "blank", "党的根本组织原则是（ ）。", [], [BLANK_KEY, "民主集中制"]),
    ]


@pytest.fixture
def exam(county, bank):
    now = timezone.now()
    return services.quiz_create(
        actor=county.county_admin,
        org=county.county,
        title="学习贯彻党的二十大精神知识测试",
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=3),
        duration_minutes=30,
        paper={
            "rules": [
                {"kind": "single", "count": 2},
                {"kind": "multiple", "count": 1},
                {"kind": "judge", "count": 1},
                {"kind": "blank", "count": 1},
            ]
        },
        pass_percent=60,
        attempts_allowed=2,
    )


def right_answers(attempt):
    return {
        i: list(item["key"][:1] if item["kind"] == "blank" else item["key"])
        for i, item in enumerate(attempt.paper)
    }


def test_the_page_and_the_api_hold_no_key_before_submission(client, county, exam):
    user = county.member_a1.user
    client.force_login(user)
    response = client.post(reverse("study:quiz_start", args=[exam.pk]))
    attempt = Attempt.objects.get(user=user)
    assert response["Location"] == reverse("study:attempt", args=[attempt.pk])
    html = client.get(response["Location"]).content.decode()
    api_start = client.post(f"/api/v1/study/quizzes/{exam.pk}/attempts").content.decode()
    api_get = client.get(f"/api/v1/study/attempts/{attempt.pk}").content.decode()
    for payload in (html, api_start, api_get):
        assert EXPLAIN not in payload
        assert BLANK_KEY not in payload and "民主集中制" not in payload
        assert (
            '"key"' not in payload
            and '"explanation"' not in payload
            and '"review": [' not in payload
        )
    assert html.count('class="quiz-q card"') == 5
    data = json.loads(api_get)
    assert [item["kind"] for item in data["items"]] == [i["kind"] for i in attempt.paper]
    assert data["score"] is None and data["review"] is None
    # After submission the review carries the key and the explanation.
    done = client.post(f"/api/v1/study/attempts/{attempt.pk}/submit").json()
    assert [r["key"] for r in done["review"]] == [i["key"] for i in attempt.paper]
    assert done["review"][0]["explanation"] == EXPLAIN


def test_answers_saved_as_one_goes_survive_a_dropped_connection(client, county, exam):
    user = county.member_a1.user
    client.force_login(user)
    attempt_id = client.post(f"/api/v1/study/quizzes/{exam.pk}/attempts").json()["id"]
    attempt = Attempt.objects.get(pk=attempt_id)
    keys = right_answers(attempt)
    for position in (0, 1, 2):
        r = client.put(
            f"/api/v1/study/attempts/{attempt_id}/answers/{position}",
            {"response": keys[position]},
            content_type="application/json",
        )
        assert r.status_code == 200
    # The phone loses its connection and comes back on another login (a new session).
    client.logout()
    other = type(client)()
    other.force_login(user)
    again = other.post(f"/api/v1/study/quizzes/{exam.pk}/attempts").json()
    assert again["id"] == attempt_id  # continued, not a new paper
    assert [item["response"] for item in again["items"]][:3] == [keys[0], keys[1], keys[2]]
    html = other.get(reverse("study:attempt", args=[attempt_id])).content.decode()
    chosen = [p for p in (0, 1, 2) if attempt.paper[p]["kind"] != "blank"]
    assert html.count(" checked") == sum(len(keys[p]) for p in chosen)
    for p in {0, 1, 2} - set(chosen):
        assert f'name="q{p}" maxlength="100" value="{keys[p][0]}"' in html
    result = other.post(f"/api/v1/study/attempts/{attempt_id}/submit").json()
    expected = sum(attempt.paper[p]["points"] for p in (0, 1, 2))
    assert result["score"] == expected


def test_grading_is_exact_and_blank_answers_ignore_width_spaces_and_case(county, exam):
    user = county.member_a1.user
    attempt = services.attempt_start(user=user, quiz=exam)
    for position, item in enumerate(attempt.paper):
        if item["kind"] == "blank":
            response = [" 民主 集中制 "]
        elif item["kind"] == "multiple":
            response = item["key"][:-1]  # one short: wrong, no partial credit
        else:
            response = item["key"]
        services.attempt_save(user=user, attempt=attempt, position=position, response=response)
    attempt = services.attempt_submit(user=user, attempt=attempt)
    multiple = next(i for i in attempt.paper if i["kind"] == "multiple")
    assert attempt.max_score == 2 + 2 + 3 + 1 + 2
    assert attempt.score == attempt.max_score - multiple["points"]
    assert attempt.correct == 4
    assert attempt.passed is True


def test_submitting_after_the_deadline_is_refused_and_saved_answers_count(county, exam):
    user = county.member_a1.user
    start = timezone.now()
    attempt = services.attempt_start(user=user, quiz=exam, now=start)
    assert attempt.deadline == start + datetime.timedelta(minutes=30)
    keys = right_answers(attempt)
    services.attempt_save(user=user, attempt=attempt, position=0, response=keys[0], now=start)
    late = attempt.deadline + datetime.timedelta(minutes=1)
    with pytest.raises(Refused, match="答题时间已到"):
        services.attempt_save(user=user, attempt=attempt, position=1, response=keys[1], now=late)
    with pytest.raises(Refused, match="已超过交卷时间"):
        services.attempt_submit(user=user, attempt=attempt, now=late)
    attempt.refresh_from_db()
    assert (attempt.state, attempt.auto_submitted) == ("submitted", True)
    assert attempt.score == attempt.paper[0]["points"]
    assert attempt.submitted_at == attempt.deadline
    assert AttemptAnswer.objects.filter(attempt=attempt).count() == 1


def test_the_sweep_submits_attempts_at_their_deadline(county, exam):
    user = county.member_a1.user
    attempt = services.attempt_start(user=user, quiz=exam)
    assert services.attempts_submit_due(now=attempt.deadline - datetime.timedelta(seconds=1)) == 0
    assert services.attempts_submit_due(now=attempt.deadline + datetime.timedelta(minutes=1)) == 1
    attempt.refresh_from_db()
    assert (attempt.state, attempt.auto_submitted, attempt.score) == ("submitted", True, 0)


def test_two_submits_count_once_and_points_once(
    client, county, exam, django_capture_on_commit_callbacks
):
    user = county.member_a1.user
    attempt = services.attempt_start(user=user, quiz=exam)
    for position, response in right_answers(attempt).items():
        services.attempt_save(user=user, attempt=attempt, position=position, response=response)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.attempt_submit(user=user, attempt=attempt)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.attempt_submit(user=user, attempt=attempt)
    assert (first.score, second.score) == (first.max_score, first.max_score)
    assert AuditLog.objects.filter(event="attempt.submitted").count() == 1
    # A second passing attempt earns nothing more: once per exam.
    again = services.attempt_start(user=user, quiz=exam)
    for position, response in right_answers(again).items():
        services.attempt_save(user=user, attempt=again, position=position, response=response)
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(user=user, attempt=again)
    assert list(PointsEntry.objects.filter(user=user).values_list("rule", "points")) == [
        ("study.exam", 10)
    ]
    with pytest.raises(Refused, match="每人可答 2 次"):
        services.attempt_start(user=user, quiz=exam)


def test_a_double_start_draws_one_paper(county, exam):
    user = county.member_a1.user
    a = services.attempt_start(user=user, quiz=exam)
    b = services.attempt_start(user=user, quiz=exam)
    assert a.pk == b.pk and Attempt.objects.count() == 1


def test_the_shuffled_key_follows_the_options():
    question = Question(
        pk=7, kind="multiple", stem="x", options=["甲", "乙", "丙", "丁"], answer=["B", "D"]
    )
    for seed in range(20):
        item = grading.make_item(question, rng=random.Random(seed), shuffle=True, points=3)
        picked = {item["options"]["ABCD".index(letter)] for letter in item["key"]}
        assert picked == {"乙", "丁"}


def test_an_exam_is_only_for_its_subtree_and_attempts_only_for_their_owner(client, county, bank):
    town_exam = services.quiz_create(
        actor=county.town_a_admin,
        org=county.town_a,
        title="城关镇党史测试",
        paper={"fixed": [bank[0].pk, bank[3].pk]},
    )
    client.force_login(county.member_b1.user)  # another town
    assert client.get(reverse("study:quiz", args=[town_exam.pk])).status_code == 404
    assert client.post(reverse("study:quiz_start", args=[town_exam.pk])).status_code == 404
    assert client.post(f"/api/v1/study/quizzes/{town_exam.pk}/attempts").status_code == 404
    assert "城关镇党史测试" not in client.get(reverse("study:quizzes")).content.decode()
    assert Attempt.objects.count() == 0
    attempt = services.attempt_start(user=county.member_a1.user, quiz=town_exam)
    # Someone else's answer sheet: 404 on the page and in the API, nothing saved.
    client.force_login(county.member_a2.user)  # same town, other person
    assert client.get(reverse("study:attempt", args=[attempt.pk])).status_code == 404
    r = client.put(
        f"/api/v1/study/attempts/{attempt.pk}/answers/0",
        {"response": ["A"]},
        content_type="application/json",
    )
    assert r.status_code == 404
    assert client.post(reverse("study:attempt_submit", args=[attempt.pk])).status_code == 404
    assert AttemptAnswer.objects.count() == 0
    attempt.refresh_from_db()
    assert attempt.state == "in_progress"
    client.logout()
    assert client.get(f"/api/v1/study/attempts/{attempt.pk}").status_code == 401
    assert client.get(reverse("study:attempt", args=[attempt.pk])).status_code == 302


def test_a_town_bank_is_not_usable_by_the_county_or_another_town(county, bank):
    town_q = q(county.town_b, "judge", "河口镇的题。", [], ["T"])
    with pytest.raises(Refused, match="不能使用的题目"):
        services.quiz_create(
            actor=county.town_a_admin, org=county.town_a, title="x", paper={"fixed": [town_q.pk]}
        )


def test_daily_practice_once_a_day_and_its_points(county, bank, django_capture_on_commit_callbacks):
    user = county.member_a1.user
    a = services.daily_start(user=user)
    b = services.daily_start(user=user)
    assert a.pk == b.pk and len(a.paper) == 5
    with django_capture_on_commit_callbacks(execute=True):
        services.attempt_submit(user=user, attempt=a)
    assert list(PointsEntry.objects.filter(user=user).values_list("rule", "points")) == [
        ("study.daily", 5)
    ]


def _submitted(exam, member, score_all=True):
    attempt = services.attempt_start(user=member.user, quiz=exam)
    if score_all:
        for position, response in right_answers(attempt).items():
            services.attempt_save(
                user=member.user, attempt=attempt, position=position, response=response
            )
    return services.attempt_submit(user=member.user, attempt=attempt)


def test_results_in_the_organisers_reach_only(client, county, exam):
    _submitted(exam, county.member_a1)
    _submitted(exam, county.member_b1, score_all=False)
    client.force_login(county.secretary_a1)
    html = client.get(reverse("study:quiz_results", args=[exam.pk])).content.decode()
    assert html.count('class="person-result"') == 1 and "张东街" in html and "王柳湾" not in html
    client.force_login(county.county_admin)
    html = client.get(reverse("study:quiz_results", args=[exam.pk])).content.decode()
    assert html.count('class="person-result"') == 2
    assert "<td>东街社区党支部</td><td>1</td><td>10.0</td><td>1</td>" in html
    assert "<td>柳湾村党支部</td><td>1</td><td>0.0</td><td>0</td>" in html
    assert html.count('class="wrong-row"') == 5
    response = client.get(reverse("study:quiz_results", args=[exam.pk]), {"format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    town_quiz = services.quiz_create(
        actor=county.town_a_admin,
        org=county.town_a,
        title="城关镇测试",
        paper={"fixed": [Question.objects.first().pk]},
    )
    client.force_login(county.secretary_b1)
    assert client.get(reverse("study:quiz_results", args=[town_quiz.pk])).status_code == 404
    client.force_login(county.member_a1.user)
    assert client.get(reverse("study:quiz_results", args=[exam.pk])).status_code == 403


@pytest.mark.parametrize("n", [1, 3])
def test_results_query_count(client, county, exam, django_assert_num_queries, n):
    _submitted(exam, county.member_a1)
    for _ in range(n - 1):
        _submitted(exam, MemberFactory(org=county.branch_a1))
    client.force_login(county.county_admin)
    # session, user, roles, quiz, branches, answers, papers, count, page, the unread badge
    with django_assert_num_queries(10):
        html = client.get(reverse("study:quiz_results", args=[exam.pk])).content.decode()
    assert html.count('class="person-result"') == n


@pytest.mark.parametrize("n", [1, 3])
def test_quiz_list_query_count(client, county, bank, django_assert_num_queries, n):
    for i in range(n):
        services.quiz_create(
            actor=county.county_admin,
            org=county.county,
            title=f"测试{i}",
            paper={"fixed": [bank[0].pk]},
        )
    client.force_login(county.member_a1.user)
    # session, user, member, quizzes (+mine), today's practice, roles, the unread badge
    with django_assert_num_queries(7):
        html = client.get(reverse("study:quizzes")).content.decode()
    assert html.count('class="quiz-row"') == n


def test_the_quiz_page_offers_to_start_then_to_continue(client, county, exam):
    client.force_login(county.member_a1.user)
    html = client.get(reverse("study:quiz", args=[exam.pk])).content.decode()
    assert "开始答题" in html and "限时 30 分钟，到时自动交卷" in html
    client.post(reverse("study:quiz_start", args=[exam.pk]))
    html = client.get(reverse("study:quiz", args=[exam.pk])).content.decode()
    assert "继续答题" in html and "第 1 次" in html


def test_results_excel_rows_in_the_organisers_reach(client, county, exam):
    from tests.xlsx_support import HYPERLINK, opened

    county.member_a1.user.name = HYPERLINK
    county.member_a1.user.save(update_fields=["name"])
    a1 = _submitted(exam, county.member_a1)
    _submitted(exam, county.member_b1, score_all=False)
    url = reverse("study:quiz_results", args=[exam.pk])
    client.force_login(county.county_admin)
    response = client.get(url, {"format": "xlsx"})
    assert response["Content-Disposition"].startswith("attachment")
    sheets = opened(response.content)
    assert list(sheets) == ["个人成绩", "各支部", "易错题"]
    people = sheets["个人成绩"]
    assert people[0][0] == f"{exam.title} 成绩"
    assert people[1][:7] == ["姓名", "所在组织", "第几次", "得分", "满分", "答对题数", "是否及格"]
    assert [row[:7] for row in people[2:]] == [
        [HYPERLINK, "东街社区党支部", 1, a1.score, a1.max_score, 5, "及格"],
        ["王柳湾", "柳湾村党支部", 1, 0, a1.max_score, 0, "不及格"],
    ]
    assert sheets["各支部"][1:] == [
        ["东街社区党支部", 1, float(a1.score), 1],
        ["柳湾村党支部", 1, 0.0, 0],
    ]
    assert len(sheets["易错题"]) == 1 + 5
    # A branch secretary's file holds their branch only; a member and another town's
    # officer get no file.
    client.force_login(county.secretary_a1)
    mine = opened(client.get(url, {"format": "xlsx"}).content)
    assert [row[0] for row in mine["个人成绩"][2:]] == [HYPERLINK]
    assert "王柳湾" not in {v for rows in mine.values() for row in rows for v in row}
    client.force_login(county.member_b1.user)
    assert client.get(url, {"format": "xlsx"}).status_code == 403
    client.logout()
    assert client.get(url, {"format": "xlsx"}).status_code == 302
