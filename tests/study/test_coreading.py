"""共读一篇文章: a 心得 needs the article read to the end, 50 visible characters and the
deadline not passed; the organiser sees who read and who wrote and features the best;
discussion; scoping and query counts."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from xianfeng.common.errors import Refused
from xianfeng.study.models import ArticleRead, CoReading, CoReadingComment, CoReadingNote
from xianfeng.study.services import articles, coreading

pytestmark = pytest.mark.django_db

TEXT = (
    "读了这篇文章，我对三会一课制度有了更深的理解。作为一名普通党员，要按时参加组织生活，"
    "认真学习，积极发言，把学到的道理用到工作中去。"
)


@pytest.fixture
def row(county):
    admin = county.county_admin
    column = articles.column_create(actor=admin, org=county.county, name="学习园地")
    article = articles.article_publish(
        actor=admin,
        article=articles.article_create(
            actor=admin,
            org=county.county,
            data=articles.ArticleData(column=column, title="三会一课怎么开", body="<p>内容</p>"),
        ),
    )
    return coreading.coreading_create(
        actor=county.secretary_a1,
        org=county.branch_a1,
        article=article,
        deadline=timezone.now() + datetime.timedelta(days=3),
    )


def finish(user, article):
    ArticleRead.objects.create(user=user, article=article, completed_at=timezone.now(), seconds=15)


def test_a_note_needs_reading_length_and_time(client, county, row):
    user = county.member_a1.user
    client.force_login(user)
    url = reverse("study:coreading_note", args=[row.pk])
    html = client.post(url, {"text": TEXT}, follow=True).content.decode()
    assert "请先读完文章再写心得" in html
    finish(user, row.article)
    html = client.post(url, {"text": "很好\u200b" * 20}, follow=True).content.decode()
    assert "心得至少 50 个字，现在 40 个字" in html
    assert CoReadingNote.objects.count() == 0
    client.post(url, {"text": TEXT})
    assert CoReadingNote.objects.get().text == TEXT
    CoReading.objects.filter(pk=row.pk).update(deadline=timezone.now() - datetime.timedelta(1))
    row.refresh_from_db()
    with pytest.raises(Refused, match="共读已截止，不能再提交心得"):
        coreading.note_save(user=user, coreading=row, text=TEXT + "补充")
    assert CoReadingNote.objects.get().text == TEXT


def test_organiser_sees_who_read_and_wrote_and_features_the_best(client, county, row):
    finish(county.member_a1.user, row.article)
    note = coreading.note_save(user=county.member_a1.user, coreading=row, text=TEXT)
    client.force_login(county.secretary_a1)
    html = client.get(reverse("study:coreading", args=[row.pk])).content.decode()
    assert "<td>张东街</td><td>东街社区党支部</td><td>✓</td><td>✓</td>" in html
    client.post(reverse("study:coreading_feature", args=[row.pk, note.pk]))
    assert CoReadingNote.objects.get().featured is True
    # A member cannot feature; another branch cannot even see it.
    client.force_login(county.member_a1.user)
    html = client.post(
        reverse("study:coreading_feature", args=[row.pk, note.pk]), follow=True
    ).content.decode()
    assert "只有组织者可以评选优秀心得" in html
    assert CoReadingNote.objects.get().featured is True
    assert "优秀心得" in html and "谁读了、谁写了" not in html
    for outsider in (county.member_b1.user, county.secretary_b1, county.resident):
        client.force_login(outsider)
        assert client.get(reverse("study:coreading", args=[row.pk])).status_code == 404
        response = client.post(reverse("study:coreading_comment", args=[row.pk]), {"text": "外人"})
        assert response.status_code == 404
    assert CoReadingComment.objects.count() == 0


def test_discussion(client, county, row):
    client.force_login(county.member_a1.user)
    client.post(reverse("study:coreading_comment", args=[row.pk]), {"text": "我也有同感"})
    html = client.get(reverse("study:coreading", args=[row.pk])).content.decode()
    assert "<b>张东街</b>：我也有同感" in html


@pytest.mark.parametrize("n", [1, 3])
def test_coreading_list_query_count(client, county, row, django_assert_num_queries, n):
    for _ in range(n - 1):
        CoReading.objects.create(org=county.branch_a1, article=row.article, deadline=row.deadline)
    client.force_login(county.member_a1.user)
    with django_assert_num_queries(7):
        html = client.get(reverse("study:coreadings")).content.decode()
    assert html.count('class="coreading-row"') == n


@pytest.mark.parametrize("n", [1, 3])
def test_coreading_page_query_count(client, county, row, django_assert_num_queries, n):
    for i in range(n):
        CoReadingComment.objects.create(coreading=row, user=county.member_a1.user, text=f"第{i}条")
    client.force_login(county.secretary_a1)
    with django_assert_num_queries(11):
        html = client.get(reverse("study:coreading", args=[row.pk])).content.decode()
    assert html.count('class="comment-row"') == n
