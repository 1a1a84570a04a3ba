"""The wish wall walked by a cursor (keyset pagination): every public wish exactly once,
newest first, ties broken by id, the filters kept on every link, a page unmoved by wishes
posted meanwhile, a bad cursor giving the first page, and the same two queries on any
page."""

from __future__ import annotations

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.community.conftest import open_wish
from xianfeng.common.pagination import PAGE_SIZE
from xianfeng.community.models import Wish

pytestmark = pytest.mark.django_db
NEXT = re.compile(r'href="\?([^"]*)" rel="next"')
CARD = re.compile(r'href="/community/wishes/(\d+)/"')


def _copies(wish: Wish, n: int, *, category: str, start: datetime.datetime) -> list[int]:
    """n public copies of a wish, three at each moment (ties on published_at)."""
    rows = []
    for i in range(n):
        copy = Wish.objects.get(pk=wish.pk)
        copy.pk = None
        copy.title = f"心愿{i}"
        copy.category = category
        copy.published_at = start - datetime.timedelta(minutes=i // 3)
        rows.append(copy)
    return [w.pk for w in Wish.objects.bulk_create(rows)]


def _walk(client, params: dict[str, str]) -> tuple[list[int], list[str]]:
    ids: list[int] = []
    links: list[str] = []
    response = client.get(reverse("community:index"), params)
    for _ in range(20):
        html = response.content.decode()
        ids += [int(x) for x in dict.fromkeys(CARD.findall(html))]
        found = NEXT.search(html)
        if not found:
            assert "已经到底了" in html
            break
        query = unescape(found.group(1))
        links.append(query)
        response = client.get(reverse("community:index") + "?" + query)
    return ids, links


def test_the_wall_walks_every_wish_once_newest_first_keeping_the_filters(
    client, county, resident_a1
):
    first = open_wish(county, resident_a1, category="study")
    now = timezone.now()
    study = _copies(first, 2 * PAGE_SIZE + 5, category="study", start=now)
    _copies(first, 7, category="elderly", start=now)  # filtered out
    ids, links = _walk(client, {"category": "study", "state": "open"})
    expected = list(
        Wish.objects.filter(category="study", state="open")
        .order_by("-published_at", "-id")
        .values_list("pk", flat=True)
    )
    assert len(expected) == len(study) + 1 == 2 * PAGE_SIZE + 6
    assert ids == expected  # all, once, in order, ties by id
    assert len(links) == 2
    for query in links:
        assert "category=study" in query and "state=open" in query and "page=" not in query


def test_a_page_does_not_shift_when_wishes_are_posted_meanwhile(client, county, resident_a1):
    first = open_wish(county, resident_a1)
    _copies(first, PAGE_SIZE + 3, category="study", start=timezone.now())
    html = client.get(reverse("community:index")).content.decode()
    page_one = CARD.findall(html)
    query = unescape(NEXT.search(html).group(1))
    second = CARD.findall(client.get(reverse("community:index") + "?" + query).content.decode())
    open_wish(county, resident_a1, title="新来的心愿")  # now the newest
    again = CARD.findall(client.get(reverse("community:index") + "?" + query).content.decode())
    assert again == second and not set(second) & set(page_one)
    assert len(page_one) + len(second) == PAGE_SIZE + 4


@pytest.mark.parametrize("cursor", ["", "abc", "12-x", "-1-2", "9" * 30 + "-1", "１２-３"])
def test_a_bad_cursor_gives_the_first_page(client, county, resident_a1, cursor):
    open_wish(county, resident_a1, title="唯一的心愿")
    response = client.get(reverse("community:index"), {"after": cursor})
    assert response.status_code == 200
    assert "唯一的心愿" in response.content.decode()


@pytest.mark.parametrize("n", [1, 3])
def test_a_deep_page_queries_as_the_first(
    client, county, resident_a1, django_assert_num_queries, n
):
    first = open_wish(county, resident_a1, category="study")
    _copies(first, PAGE_SIZE + n - 1, category="study", start=timezone.now())
    html = client.get(reverse("community:index"), {"org": "TA"}).content.decode()
    query = unescape(NEXT.search(html).group(1))
    # the towns with the filter's org, the page after the cursor
    with django_assert_num_queries(2):
        html = client.get(reverse("community:index") + "?" + query).content.decode()
    assert html.count('class="wish-card"') == n
