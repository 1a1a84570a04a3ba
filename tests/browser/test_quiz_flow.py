"""Taking an exam on a 360 px phone in Chromium: each answer is saved as it is given (a
reload in the middle loses nothing), the page never scrolls sideways, no key is on the
page before handing in, and the result with explanations comes after."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.browser.conftest import login
from tests.conftest import PASSWORD
from xianfeng.study.bank import fingerprint
from xianfeng.study.models import Attempt, AttemptAnswer, Question
from xianfeng.study.services import quizzes

pytestmark = pytest.mark.django_db(transaction=True)

EXPLAIN = "解析：党章总纲明确规定"


def make_exam(county):
    rows = [
        (
            "single",
            "党的根本宗旨是（  ）。",
            ["全心全意为人民服务", "发展社会生产力", "维护社会稳定"],
            ["A"],
        ),
        (
            "multiple",
            "“三会一课”包括（  ）。",
            ["支部党员大会", "支部委员会会议", "党小组会", "按时上好党课"],
            ["A", "B", "C", "D"],
        ),
        ("judge", "预备党员的预备期为一年。", [], ["T"]),
        ("blank", "党的根本组织原则是______。", [], ["民主集中制"]),
    ]
    ids = []
    for kind, stem, options, answer in rows:
        ids.append(
            Question.objects.create(
                org=county.county,
                kind=kind,
                stem=stem,
                options=options,
                answer=answer,
                explanation=EXPLAIN,
                fingerprint=fingerprint(kind, stem),
            ).pk
        )
    now = timezone.now()
    return quizzes.quiz_create(
        actor=county.county_admin,
        org=county.county,
        title="学习贯彻党的二十大精神知识测试",
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=1),
        duration_minutes=30,
        paper={"fixed": ids},
    )


def answer(page, attempt):
    for position, item in enumerate(attempt.paper):
        box = page.locator("fieldset.quiz-q").nth(position)
        if item["kind"] == "blank":
            box.locator("input[type=text]").fill("民主 集中制")
            box.locator("input[type=text]").blur()
        else:
            for value in item["key"]:
                box.locator(f"input[value='{value}']").check()
        box.locator(".saved").filter(has_text="已保存").wait_for()


def test_take_an_exam_on_a_small_phone(county, new_page):
    exam = make_exam(county)
    phone = new_page(width=360, height=740)
    login(phone, "member_a1", PASSWORD)
    phone.goto("/study/quizzes/")
    phone.click(f"a[href='/study/quizzes/{exam.pk}/']")
    phone.click("button:has-text('开始答题')")
    phone.wait_for_url("**/study/attempts/*/")
    attempt = Attempt.objects.get(user=county.member_a1.user)
    html = phone.content()
    assert EXPLAIN not in html and "民主集中制" not in html
    assert phone.locator(".quiz-left").inner_text().startswith("剩余 ")
    answer(phone, attempt)
    assert AttemptAnswer.objects.filter(attempt=attempt).count() == 4
    # Nothing wider than the phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    # In a tunnel: a change that cannot be saved says so instead of claiming 已保存.
    single = next(i for i, item in enumerate(attempt.paper) if item["kind"] == "single")
    first = phone.locator("fieldset.quiz-q").nth(single)
    key = attempt.paper[single]["key"][0]
    other = next(v for v in "ABC" if v != key)
    phone.context.set_offline(True)
    first.locator(f"input[value='{other}']").check()
    first.locator(".saved").filter(has_text="未保存").wait_for()
    phone.context.set_offline(False)
    first.locator(f"input[value='{key}']").check()
    first.locator(".saved").filter(has_text="已保存").wait_for()
    # The connection drops and the page is opened again: every answer is still there.
    phone.reload()
    for position, item in enumerate(attempt.paper):
        box = phone.locator("fieldset.quiz-q").nth(position)
        if item["kind"] == "blank":
            assert box.locator("input[type=text]").input_value() == "民主 集中制"
        else:
            for value in item["key"]:
                assert box.locator(f"input[value='{value}']").is_checked()
    phone.click("button.quiz-submit")
    phone.wait_for_selector("#attempt-score")
    attempt.refresh_from_db()
    assert (attempt.state, attempt.score, attempt.max_score) == ("submitted", 8, 8)
    assert phone.locator("#attempt-score").inner_text() == "8"
    assert EXPLAIN in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone.errors == []  # type: ignore[attr-defined]
