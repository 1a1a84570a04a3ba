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


# --- the campaign page's wall and the API walk by the same cursor ---------------------------


def _campaign(county):
    from xianfeng.community import services

    today = timezone.localdate()
    return services.campaign_create(
        actor=county.town_a_admin,
        org=county.town_a,
        title="点亮微心愿·温暖过冬",
        theme="",
        starts_on=today - datetime.timedelta(days=3),
        ends_on=today + datetime.timedelta(days=27),
        target=10,
    )


def _walk_url(client, url: str, params: dict[str, str]) -> tuple[list[int], list[str]]:
    ids: list[int] = []
    links: list[str] = []
    response = client.get(url, params)
    for _ in range(20):
        html = response.content.decode()
        ids += [int(x) for x in dict.fromkeys(CARD.findall(html))]
        found = NEXT.search(html)
        if not found:
            assert "已经到底了" in html
            break
        query = unescape(found.group(1))
        links.append(query)
        response = client.get(url + "?" + query)
    return ids, links


def test_the_campaign_wall_walks_every_wish_once_keeping_the_filters(client, county, resident_a1):
    campaign = _campaign(county)
    first = open_wish(county, resident_a1, category="study")
    assert first.campaign_id == campaign.pk
    _copies(first, 2 * PAGE_SIZE + 5, category="study", start=timezone.now())
    _copies(first, 4, category="elderly", start=timezone.now())  # filtered out
    url = reverse("community:campaign", args=[campaign.pk])
    ids, links = _walk_url(client, url, {"category": "study", "state": "open"})
    expected = list(
        Wish.objects.filter(campaign=campaign, category="study", state="open")
        .order_by("-published_at", "-id")
        .values_list("pk", flat=True)
    )
    assert len(expected) == 2 * PAGE_SIZE + 6
    assert ids == expected
    assert len(links) == 2
    for query in links:
        assert "category=study" in query and "state=open" in query and "page=" not in query
    # The count still shows, read from the tally (no COUNT over the campaign).
    html = client.get(url, {"category": "study", "state": "open"}).content.decode()
    assert f"共 {2 * PAGE_SIZE + 6} 条" in html


@pytest.mark.parametrize("n", [1, 3])
def test_a_deep_campaign_page_queries_as_the_first(
    client, county, resident_a1, django_assert_num_queries, n
):
    campaign = _campaign(county)
    first = open_wish(county, resident_a1, category="study")
    _copies(first, PAGE_SIZE + n - 1, category="study", start=timezone.now())
    url = reverse("community:campaign", args=[campaign.pk])
    html = client.get(url).content.decode()
    query = unescape(NEXT.search(html).group(1))
    # campaign, stats, leaderboard, page after the cursor, covers, villages (the board is
    # empty: no names to read)
    with django_assert_num_queries(6):
        html = client.get(url + "?" + query).content.decode()
    assert html.count('class="wish-card"') == n
    # Filtered by a village too: one more query (the village), still no COUNT.
    with django_assert_num_queries(7):
        html = client.get(url + "?org=A1&" + query).content.decode()
    assert html.count('class="wish-card"') == n
    assert "共 " not in html


def test_the_api_walks_the_wall_by_next_cursor(client, county, resident_a1):
    first = open_wish(county, resident_a1, category="study")
    _copies(first, 2 * 7 + 3, category="study", start=timezone.now())
    _copies(first, 5, category="elderly", start=timezone.now())
    seen: list[int] = []
    params = {"category": "study", "page_size": "7"}
    pages = 0
    while True:
        body = client.get("/api/v1/wishes/", params).json()
        pages += 1
        seen += [card["id"] for card in body["results"]]
        if body["next_cursor"] is None:
            break
        params["after"] = body["next_cursor"]
    expected = list(
        Wish.objects.filter(category="study")
        .order_by("-published_at", "-id")
        .values_list("pk", flat=True)
    )
    assert seen == expected and len(seen) == 18 and pages == 3


@pytest.mark.parametrize("n", [1, 3])
def test_a_deep_api_page_is_one_query(client, county, resident_a1, django_assert_num_queries, n):
    first = open_wish(county, resident_a1, category="study")
    _copies(first, 5 + n - 1, category="study", start=timezone.now())
    cursor = client.get("/api/v1/wishes/", {"page_size": "5"}).json()["next_cursor"]
    with django_assert_num_queries(1):
        body = client.get("/api/v1/wishes/", {"page_size": "5", "after": cursor}).json()
    assert len(body["results"]) == n and body["next_cursor"] is None


@pytest.mark.parametrize("cursor", ["abc", "12-x", "9" * 30 + "-1"])
def test_a_bad_api_cursor_gives_the_first_page(client, county, resident_a1, cursor):
    open_wish(county, resident_a1, title="唯一的心愿")
    body = client.get("/api/v1/wishes/", {"after": cursor[:40]}).json()
    assert [c["title"] for c in body["results"]] == ["唯一的心愿"]
