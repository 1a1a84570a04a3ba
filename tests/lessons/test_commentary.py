"""专业人士点评: a reviewer (审核员) of the lesson's org or above writes an expert's
commentary, shown under the video; nobody else can, and a reviewer elsewhere never sees
the lesson."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tests.factories import MemberFactory, OrgFactory, UserFactory, grant, published_lesson
from xianfeng.common.errors import Refused
from xianfeng.lessons import services
from xianfeng.lessons.models import Commentary
from xianfeng.orgs.enums import OrgKind, RoleKind

pytestmark = pytest.mark.django_db

TEXT = "选题来自矿区一线，故事真实可感；结尾的提问可以更聚焦到支部工作。"


@pytest.fixture
def lesson(county):
    return published_lesson(
        org=county.branch_a1,
        author=county.member_a1.user,
        title="矿灯下的初心",
        audience=county.county,
    )


@pytest.fixture
def expert(county):
    user = UserFactory(username="expert", name="周教授")
    MemberFactory(user=user, org=county.county)  # kept at the county committee
    grant(user, county.county, RoleKind.REVIEWER)
    return user


def test_a_reviewer_comments_and_it_shows_under_the_video(client, county, lesson, expert):
    services.commentary_save(actor=expert, lesson=lesson, text=TEXT, author_title="县委党校讲师")
    again = services.commentary_save(
        actor=expert, lesson=lesson, text=TEXT + "（修改）", author_title="县委党校讲师"
    )
    assert Commentary.objects.filter(lesson=lesson).count() == 1
    assert again.text.endswith("（修改）")
    client.force_login(county.member_a2.user)  # a member of the town sees the lesson
    html = client.get(reverse("lessons:detail", args=[lesson.pk])).content.decode()
    assert "专业人士点评" in html and "周教授（县委党校讲师）" in html and "（修改）" in html
    assert "写点评" not in html
    assert html.index("专业人士点评") < html.index('id="lesson-actions"')


def test_only_a_reviewer_over_the_lesson_writes_commentary(client, county, lesson):
    for user in (county.member_a2.user, county.secretary_a1, county.judge):
        with pytest.raises(PermissionDenied):
            services.commentary_save(actor=user, lesson=lesson, text=TEXT)
    elsewhere = OrgFactory(code="BS", name="白水县委", kind=OrgKind.COMMITTEE)
    stranger = UserFactory(username="stranger_expert")
    grant(stranger, elsewhere, RoleKind.REVIEWER)
    with pytest.raises(PermissionDenied):
        services.commentary_save(actor=stranger, lesson=lesson, text=TEXT)
    client.force_login(stranger)
    response = client.post(reverse("lessons:commentary", args=[lesson.pk]), {"text": TEXT})
    assert response.status_code == 404
    client.force_login(county.member_a2.user)
    client.post(reverse("lessons:commentary", args=[lesson.pk]), {"text": TEXT})
    assert not Commentary.objects.exists()


def test_commentary_needs_real_text_and_is_taken_back(client, county, lesson, expert):
    with pytest.raises(Refused, match="至少 10 个字"):
        services.commentary_save(actor=expert, lesson=lesson, text="好\u200b\u200b\u200b" * 3)
    client.force_login(expert)
    url = reverse("lessons:commentary", args=[lesson.pk])
    page = client.get(reverse("lessons:detail", args=[lesson.pk])).content.decode()
    assert "写点评" in page
    client.post(url, {"text": TEXT, "author_title": "党史专家\x00"})
    assert Commentary.objects.get().author_title == "党史专家"
    client.post(url, {"delete": "1"})
    assert not Commentary.objects.exists()


def test_no_commentary_on_a_draft(county, expert):
    from xianfeng.lessons.services import LessonData, lesson_create

    draft = lesson_create(
        actor=county.member_a1.user, org=county.branch_a1, data=LessonData(title="草稿")
    )
    with pytest.raises(PermissionDenied):
        services.commentary_save(actor=expert, lesson=draft, text=TEXT)
