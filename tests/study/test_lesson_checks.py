"""知识检测 on a lesson: set by the author or an officer from the bank (or written there),
loaded under the video by one line of the lesson page, no key before it is handed in,
then every explanation; passing earns points once; nobody outside the lesson's audience
reaches it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import LessonFactory
from xianfeng.common.errors import Refused
from xianfeng.study.bank import fingerprint
from xianfeng.study.models import Attempt, PointsEntry, Question, Quiz
from xianfeng.study.services import checks
from xianfeng.study.services import quizzes as quiz_services

pytestmark = pytest.mark.django_db

EXPLAIN = "解析标记：入党誓词见党章第六条"
BLANK_KEY = "为共产主义奋斗终身"


def q(org, kind, stem, options, answer, explanation=EXPLAIN):
    return Question.objects.create(
        org=org,
        kind=kind,
        stem=stem,
        options=options,
        answer=answer,
        explanation=explanation,
        fingerprint=fingerprint(kind, stem),
    )


@pytest.fixture
def lesson(county):
    return LessonFactory(
        published=True,
        org=county.branch_a1,
        audience=county.branch_a1,
        author=county.member_a1.user,
        title="入党誓词里的初心",
    )


@pytest.fixture
def questions(county):
    return [
        q(county.county, "single", "入党誓词共有几句？", ["十二句", "八句", "十句"], ["A"]),
        q(county.county, "judge", "入党誓词要求永不叛党。", [], ["T"]),
        q(county.town_b, "judge", "河口镇自己的题。", [], ["T"]),  # not usable in 城关镇
        q(county.county, "blank", "誓词最后一句是随时准备（ ）。", [], ["为党和人民牺牲一切"]),
    ]


def _set(lesson, questions, actor):
    return checks.check_set_questions(
        actor=actor, lesson=lesson, question_ids=[questions[0].pk, questions[1].pk]
    )


def test_the_lesson_page_loads_the_check_after_the_video(client, county, lesson):
    client.force_login(county.member_a1.user)
    html = client.get(reverse("lessons:detail", args=[lesson.pk])).content.decode()
    url = reverse("study:lesson_check", args=[lesson.pk])
    assert f'<div id="lesson-check" hx-get="{url}" hx-trigger="load"' in html


def test_author_sets_the_check_from_the_bank_and_a_member_takes_it(
    client, county, lesson, questions, django_capture_on_commit_callbacks
):
    check = _set(lesson, questions, county.member_a1.user)
    assert check.kind == "check" and check.lesson_id == lesson.pk
    assert check.paper == {"fixed": [questions[0].pk, questions[1].pk]}
    user = county.secretary_a1  # a fellow viewer; give them a membership to earn points
    from tests.factories import MemberFactory

    MemberFactory(org=county.branch_a1, user=user)
    client.force_login(user)
    url = reverse("study:lesson_check", args=[lesson.pk])
    first = client.get(url).content.decode()
    assert "开始知识检测" in first and EXPLAIN not in first and "十二句" not in first
    started = client.post(
        reverse("study:lesson_check_start", args=[lesson.pk]), HTTP_HX_REQUEST="true"
    )
    html = started.content.decode()
    assert "入党誓词共有几句？" in html and "十二句" in html
    assert EXPLAIN not in html and "正确答案" not in html
    attempt = Attempt.objects.get(quiz=check, user=user)
    # Reloading the fragment mid-check still holds no key.
    again = client.get(url).content.decode()
    assert EXPLAIN not in again and "正确答案" not in again
    keys = {f"q{i}": item["key"] for i, item in enumerate(attempt.paper)}
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            reverse("study:lesson_check_submit", args=[lesson.pk]), keys, HTTP_HX_REQUEST="true"
        ).content.decode()
    assert EXPLAIN in done and "通过" in done and "得分 3 / 3" in done
    with django_capture_on_commit_callbacks(execute=True):
        twice = client.post(reverse("study:lesson_check_submit", args=[lesson.pk]), keys)
    assert twice.status_code == 302
    assert twice["Location"].endswith(reverse("lessons:detail", args=[lesson.pk]) + "#lesson-check")
    attempt.refresh_from_db()
    assert (attempt.state, attempt.score, attempt.passed) == ("submitted", 3, True)
    assert Attempt.objects.filter(quiz=check, user=user).count() == 1
    assert list(PointsEntry.objects.filter(user=user).values_list("rule", "points")) == [
        ("study.check", 2)
    ]


def test_a_failed_check_can_be_taken_again_up_to_the_limit(county, lesson, questions):
    check = _set(lesson, questions, county.secretary_a1)
    user = county.member_a1.user
    for n in range(checks.CHECK_ATTEMPTS):
        attempt = checks.check_start(user=user, check=check)
        assert attempt.number == n + 1
        assert checks.check_start(user=user, check=check).pk == attempt.pk  # a double tap
        quiz_services.attempt_submit(user=user, attempt=attempt)
        assert attempt.__class__.objects.get(pk=attempt.pk).passed is False
    with pytest.raises(Refused, match="可做 3 次"):
        checks.check_start(user=user, check=check)
    assert not PointsEntry.objects.filter(user=user).exists()


def test_a_check_cannot_be_started_as_an_exam(client, county, lesson, questions):
    check = _set(lesson, questions, county.secretary_a1)
    client.force_login(county.secretary_a1)
    response = client.post(reverse("study:quiz_start", args=[check.pk]))
    assert response.status_code == 404
    assert not Attempt.objects.exists()


def test_questions_from_a_bank_out_of_reach_are_refused(county, lesson, questions):
    with pytest.raises(Refused, match="不在本组织可用的题库"):
        checks.check_set_questions(
            actor=county.secretary_a1, lesson=lesson, question_ids=[questions[2].pk]
        )
    assert not Quiz.objects.filter(lesson=lesson).exists()


def test_another_branch_and_visitors_cannot_reach_the_check(client, county, lesson, questions):
    _set(lesson, questions, county.secretary_a1)
    client.force_login(county.member_b1.user)
    for name in ("lesson_check", "lesson_check_edit"):
        assert client.get(reverse(f"study:{name}", args=[lesson.pk])).status_code == 404
    for name in ("lesson_check_start", "lesson_check_submit"):
        assert client.post(reverse(f"study:{name}", args=[lesson.pk])).status_code == 404
    assert not Attempt.objects.exists()
    client.logout()
    assert client.get(reverse("study:lesson_check", args=[lesson.pk])).status_code == 404
    start = client.post(reverse("study:lesson_check_start", args=[lesson.pk]))
    assert start.status_code == 302 and "/login" in start["Location"]
    assert not Attempt.objects.exists()


def test_a_visitor_on_a_public_lesson_is_asked_to_log_in(client, county, questions):
    lesson = LessonFactory(public=True, org=county.branch_a1, audience=county.branch_a1)
    checks.check_set_questions(
        actor=county.secretary_a1, lesson=lesson, question_ids=[questions[0].pk]
    )
    html = client.get(reverse("study:lesson_check", args=[lesson.pk])).content.decode()
    assert "后做知识检测" in html and "十二句" not in html and EXPLAIN not in html


def test_no_check_shows_nothing_to_members_and_a_setting_link_to_the_author(client, county, lesson):
    client.force_login(county.member_a2.user)  # 西街: outside the audience
    assert client.get(reverse("study:lesson_check", args=[lesson.pk])).status_code == 404
    viewer = county.propagandist_a1
    client.force_login(viewer)
    html = client.get(reverse("study:lesson_check", args=[lesson.pk])).content.decode()
    assert "设置知识检测的题目" in html  # 宣传委员 of the lesson's branch
    other = LessonFactory(published=True, org=county.branch_a1, audience=county.branch_a1)
    client.force_login(county.member_a1.user)
    response = client.get(reverse("study:lesson_check", args=[other.pk]))
    assert response.status_code == 200 and response.content == b""


def test_only_the_author_or_an_officer_sets_the_check(client, county, lesson, questions):
    from tests.factories import MemberFactory

    fellow = MemberFactory(org=county.branch_a1).user
    client.force_login(fellow)
    url = reverse("study:lesson_check_edit", args=[lesson.pk])
    assert client.get(url).status_code == 403
    response = client.post(url, {"action": "add", "question": questions[0].pk})
    assert response.status_code == 403
    assert not Quiz.objects.filter(lesson=lesson).exists()


def test_the_author_writes_a_question_into_the_branch_bank(client, county, lesson):
    client.force_login(county.member_a1.user)
    url = reverse("study:lesson_check_edit", args=[lesson.pk])
    bad = client.post(
        url,
        {
            "action": "write",
            "kind": "single",
            "stem": "王师傅第一个下井是为了？",
            "options": "救工友\n看设备\n拿工具\n躲雨",
            "answer": "E",
        },
    )
    assert bad.status_code == 200
    assert "超出了选项范围" in bad.content.decode()
    assert not Question.objects.exists() and not Quiz.objects.exists()
    ok = client.post(
        url,
        {
            "action": "write",
            "kind": "single",
            "stem": "王师傅第一个下井是为了？",
            "options": "救工友\n看设备\n拿工具\n躲雨",
            "answer": "a",
            "explanation": "党员冲在前。",
        },
    )
    assert ok.status_code == 302
    question = Question.objects.get()
    assert (question.org, question.answer, question.options[0]) == (
        county.branch_a1,
        ["A"],
        "救工友",
    )
    assert question.source == "微党课《入党誓词里的初心》"
    check = Quiz.objects.get(lesson=lesson)
    assert check.paper == {"fixed": [question.pk]} and check.is_published
    blank = client.post(
        url,
        {
            "action": "write",
            "kind": "blank",
            "stem": "誓词中要求（ ）。",
            "answer": f"{BLANK_KEY}｜终身奋斗",
        },
    )
    assert blank.status_code == 302
    assert Question.objects.get(kind="blank").answer == [BLANK_KEY, "终身奋斗"]
    removed = client.post(url, {"action": "remove", "question": question.pk})
    assert removed.status_code == 302
    check.refresh_from_db()
    assert len(check.paper["fixed"]) == 1 and check.is_published


def test_the_edit_page_searches_the_bank(
    client, county, lesson, questions, django_assert_max_num_queries
):
    client.force_login(county.secretary_a1)
    url = reverse("study:lesson_check_edit", args=[lesson.pk])
    with django_assert_max_num_queries(14):
        html = client.get(url, {"q": "誓词"}).content.decode()
    assert "入党誓词共有几句？" in html and "河口镇自己的题" not in html
