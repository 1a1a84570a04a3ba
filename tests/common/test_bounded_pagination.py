"""A list that grows with the county counts at most COUNT_LIMIT rows: the count's and the
deepest page's cost do not follow the table."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import published_lesson
from xianfeng.common.pagination import BoundedPaginator
from xianfeng.orgs.models import Org

pytestmark = pytest.mark.django_db


def test_counts_at_most_the_limit_and_says_there_are_more(county):
    qs = Org.objects.order_by("path")  # 7 orgs in the county fixture
    paginator = BoundedPaginator(qs, 2, limit=5)
    with CaptureQueriesContext(connection) as ctx:
        assert paginator.count == 5
    assert paginator.capped is True
    assert "LIMIT 6" in ctx.captured_queries[0]["sql"]
    assert paginator.num_pages == 3
    last = paginator.get_page(99)
    assert last.number == 3 and not last.has_next()
    assert [o.code for o in last.object_list] == [o.code for o in qs[4:5]]


def test_exact_when_under_the_limit(county):
    paginator = BoundedPaginator(Org.objects.order_by("path"), 5, limit=7)
    assert (paginator.count, paginator.capped, paginator.num_pages) == (7, False, 2)
    paginator = BoundedPaginator(list(range(3)), 2, limit=2)
    assert (paginator.count, paginator.capped) == (2, True)


def test_feed_and_api_say_more_than_the_limit(client, county, monkeypatch):
    for i in range(4):
        published_lesson(
            org=county.branch_a1, author=county.secretary_a1, title=f"矿工的故事{i}", public=True
        )
    client.force_login(county.member_a1.user)
    html = client.get(reverse("lessons:feed"), {"q": "矿工"}).content.decode()
    assert "“矿工”的搜索结果：4 节</p>" in html
    monkeypatch.setattr("xianfeng.common.pagination.COUNT_LIMIT", 3)
    html = client.get(reverse("lessons:feed"), {"q": "矿工"}).content.decode()
    assert "“矿工”的搜索结果：3 节以上，最新的在前" in html
    assert html.count('<li class="lesson-card">') == 3
    body = client.get("/api/v1/lessons/", {"q": "矿工", "page_size": 1}).json()
    assert (body["count"], body["count_capped"], body["pages"]) == (3, True, 3)
    assert body["results"][0]["title"] == "矿工的故事3"
    monkeypatch.setattr("xianfeng.common.pagination.COUNT_LIMIT", 4)
    body = client.get("/api/v1/lessons/", {"q": "矿工", "page_size": 1}).json()
    assert (body["count"], body["count_capped"]) == (4, False)
