"""The demo county's study content: a bank of about 200 questions, a running exam the
member can take, a month of daily practice and points with a ranking."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from xianfeng.people import demo as people_demo
from xianfeng.people.models import User
from xianfeng.study import demo
from xianfeng.study.bank import read_bank
from xianfeng.study.models import (
    Attempt,
    PointsEntry,
    PointsTotal,
    Question,
    Quiz,
    QuizRoom,
    RoomAnswer,
)
from xianfeng.study.selectors import rooms as room_sel
from xianfeng.study.selectors.points import period_start

pytestmark = pytest.mark.django_db


def test_the_demo_fills_the_study_pages(client):
    people_demo.seed_county(members=300)
    report = demo.seed()
    assert Question.objects.count() == 210
    assert report.startswith("题库 210 道题，进行中的考试「学习贯彻党的二十大精神知识竞答」")
    member = User.objects.get(username="member")
    assert Attempt.objects.filter(user=member, state="submitted", quiz__kind="daily").count() == 18
    # Level 1 of the running 知识竞赛 passed; level 2 open to play.
    assert Attempt.objects.filter(user=member, quiz__kind="level", passed=True).count() == 1
    total = PointsEntry.objects.filter(user=member).aggregate(s=Sum("points"))["s"]
    # 18 days of 每日一练 and three articles read (one point each).
    assert total == 18 * 5 + 3
    assert (
        "栏目 3 个，文章 8 篇（1 篇定时发布），演示党员读完 3 篇，学习计划连续打卡 5 天。"
        "知识竞赛「党章党规知识闯关赛」3 关（演示党员已过 1 关），0 节微党课设了知识检测。"
        "现场竞答 2 场（"
    ) in report
    days = set(PointsEntry.objects.filter(user=member).values_list("day", flat=True))
    assert len(days) == 18
    this_year = period_start("year", timezone.localdate())
    people = PointsTotal.objects.filter(period="year", start=this_year, points__gt=0).count()
    assert people == PointsTotal.objects.filter(period="year", points__gt=0).count() or (
        timezone.localdate().month == 1  # the month of history began last year
    )
    assert people > 20 or timezone.localdate().month == 1
    client.force_login(member)
    html = client.get(reverse("study:points")).content.decode()
    assert f'<b id="points-total">{total}</b>' in html
    html = client.get(reverse("study:articles")).content.decode()
    assert html.count('class="article-row"') == 7
    assert "明日发布" not in html
    assert html.index("深入学习宣传贯彻党的二十大精神") < html.index("全县召开基层党建工作推进会")
    plan = client.get(reverse("study:plans")).content.decode()
    assert plan.count('class="plan-row"') == 1
    assert client.get(reverse("study:coreadings")).content.decode().count("coreading-row") == 1
    quiz = Quiz.objects.get(kind="exam")
    response = client.post(reverse("study:quiz_start", args=[quiz.pk]))
    attempt = Attempt.objects.get(user=member, quiz=quiz)
    assert response["Location"] == reverse("study:attempt", args=[attempt.pk])
    assert len(attempt.paper) == 15
    contests = client.get(reverse("study:competitions")).content.decode()
    assert "党章党规知识闯关赛" in contests and "已过 1 关" in contests
    ranking = client.get(reverse("study:ranking"), {"scope": "county", "period": "year"})
    assert ranking.content.decode().count('class="rank-row') == min(people, 50)
    # 现场竞答 at her branch: the last 主题党日's, over, with its leaderboard; the next waiting.
    done, waiting = QuizRoom.objects.order_by("pk")
    assert (done.state, waiting.state) == ("finished", "waiting")
    assert done.org_id == waiting.org_id == member.member.org_id
    assert done.created_at < timezone.now() - datetime.timedelta(days=5)
    board = room_sel.board(done)
    players = RoomAnswer.objects.filter(room=done).values("user_id").distinct().count()
    assert len(board) == players >= 3  # a small branch at 300 members; a dozen at 5,000
    assert [r["total"] for r in board] == sorted((r["total"] for r in board), reverse=True)
    assert len({r["total"] for r in board}) > 1  # a real spread, not a tie
    assert RoomAnswer.objects.filter(room=done, correct=False).exists()
    rooms_page = client.get(reverse("study:rooms")).content.decode()
    assert waiting.title in rooms_page and done.title in rooms_page
    played = client.get(reverse("study:room_play", args=[done.pk])).content.decode()
    assert played.count('class="rank-row"') == players
    mine = room_sel.my_total(member, done)
    assert f"我的得分：{mine}" in played


def test_the_demo_bank_exports_and_reads_back_without_errors():
    people_demo.seed_county(members=300)
    demo.seed()
    import io

    from xianfeng.study.bank import bank_workbook

    content = bank_workbook(Question.objects.order_by("pk")).to_bytes()
    parsed = read_bank(io.BytesIO(content))
    assert parsed.errors == [] and len(parsed.questions) == 210
