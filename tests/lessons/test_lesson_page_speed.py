"""The lesson page of a logged-in member: its own state from the lesson's query (the
reflection text included), the player's report interval from the settings."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import MemberFactory, published_lesson
from xianfeng.lessons import services

pytestmark = pytest.mark.django_db

REFLECTION = "安全不是口号，是每一次下井前多看一眼、多问一句的习惯。" * 3


@pytest.fixture
def lesson(county):
    return published_lesson(org=county.branch_a1, author=county.secretary_a1, title="矿灯下的初心")


def test_my_reflection_is_in_the_form_and_not_another_ones(client, county, lesson):
    user = county.member_a1.user
    services.reflection_save(user=user, lesson=lesson, text=REFLECTION)
    other = MemberFactory(org=county.branch_a1, user__name="同支部党员").user
    services.reflection_save(user=other, lesson=lesson, text="别人的心得" * 20)
    client.force_login(user)
    url = reverse("lessons:detail", args=[lesson.pk])
    html = client.get(url).content.decode()
    assert f">{REFLECTION}</textarea>" in html
    assert "修改我的心得" in html
    assert "别人的心得" not in html.split("</textarea>")[0]


def test_new_reader_gets_an_empty_form_and_another_branch_no_page(client, county, lesson):
    client.force_login(county.member_a2.user)
    assert client.get(reverse("lessons:detail", args=[lesson.pk])).status_code == 404
    client.force_login(county.member_a1.user)
    html = client.get(reverse("lessons:detail", args=[lesson.pk])).content.decode()
    assert "写心得（至少 50 字" in html
    assert "></textarea>" in html


def test_player_reports_at_the_configured_interval(client, county, lesson, settings):
    settings.WATCH_REPORT_SECONDS = 45
    client.force_login(county.member_a1.user)
    html = client.get(reverse("lessons:detail", args=[lesson.pk])).content.decode()
    assert f'data-watch-url="/lessons/{lesson.pk}/watch/" data-report-every="45"' in html
