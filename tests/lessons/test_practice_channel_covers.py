"""展播 channels: a cover picture (shrunk for a 360 px phone, private), opened and set up
from pages, and listed in the lesson feed (query counts at 1 and 3 channels)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tests.factories import published_lesson
from xianfeng.audit.models import AuditLog
from xianfeng.lessons import services as lesson_services
from xianfeng.lessons.models import Showcase
from xianfeng.lessons.practice import channels

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def private_dir(tmp_path, monkeypatch):
    storage = storages["private"]
    monkeypatch.setattr(storage, "base_location", str(tmp_path))
    monkeypatch.setattr(storage, "location", str(tmp_path))


def _jpeg(width: int, height: int) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "darkred").save(out, format="JPEG")
    return SimpleUploadedFile("封面.jpg", out.getvalue(), content_type="image/jpeg")


def town_channel(county, title="城关镇七一展播", lessons=1):
    show = lesson_services.showcase_for_org(
        actor=county.town_a_admin, org=county.town_a, title=title
    )
    for i in range(lessons):
        lesson = published_lesson(
            org=county.town_a, author=county.town_a_admin, title=f"{title}课{i}"
        )
        channels.showcase_add(actor=county.town_a_admin, showcase=show, lesson=lesson)
    return show


def _size(response) -> tuple[int, int]:
    body = b"".join(response.streaming_content)
    with Image.open(io.BytesIO(body)) as image:
        return image.format, image.size  # type: ignore[return-value]


def test_curator_uploads_a_cover_sized_for_a_phone_and_the_audience_sees_it(client, county):
    show = town_channel(county)
    client.force_login(county.town_a_admin)
    url = reverse("lessons:showcase_manage", args=[show.pk])
    response = client.post(url, {"action": "cover", "cover": _jpeg(4000, 2250)})
    assert response.status_code == 302
    show.refresh_from_db()
    assert show.cover.name.startswith("showcases/") and show.cover_thumb.name
    assert AuditLog.objects.filter(action="showcase.cover", object_id=str(show.pk)).count() == 1

    client.force_login(county.member_a1.user)
    cover = client.get(reverse("lessons:showcase_cover", args=[show.pk]))
    assert cover.status_code == 200
    assert cover["Content-Type"] == "image/jpeg"
    assert cover["Cache-Control"] == "private, max-age=3600"
    assert _size(cover) == ("JPEG", (720, 405))
    thumb = client.get(reverse("lessons:showcase_cover", args=[show.pk]) + "?size=thumb")
    assert _size(thumb) == ("JPEG", (360, 203))
    page = client.get(reverse("lessons:showcase", args=[show.pk])).content.decode()
    assert f'src="{reverse("lessons:showcase_cover", args=[show.pk])}"' in page


def test_a_cover_is_a_404_outside_the_channels_audience(client, county):
    show = town_channel(county)
    channels.showcase_cover_set(
        actor=county.town_a_admin, showcase=show, handle=_jpeg(800, 450), size=10_000
    )
    url = reverse("lessons:showcase_cover", args=[show.pk])
    client.force_login(county.member_b1.user)  # town B: the channel does not reach them
    assert client.get(url).status_code == 404
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response["Location"]


def test_a_channel_without_a_cover_answers_404_for_it(client, county):
    show = town_channel(county)
    client.force_login(county.member_a1.user)
    assert client.get(reverse("lessons:showcase_cover", args=[show.pk])).status_code == 404


def test_what_is_not_a_picture_is_refused_and_nothing_changes(client, county):
    show = town_channel(county)
    client.force_login(county.town_a_admin)
    fake = SimpleUploadedFile("封面.jpg", b"MZ not a picture", content_type="image/jpeg")
    response = client.post(
        reverse("lessons:showcase_manage", args=[show.pk]),
        {"action": "cover", "cover": fake},
        follow=True,
    )
    assert "无法识别的图片" in response.content.decode()
    show.refresh_from_db()
    assert show.cover.name == "" and show.cover_thumb.name == ""


def test_a_member_cannot_set_a_cover(client, county):
    show = town_channel(county)
    client.force_login(county.member_a1.user)
    response = client.post(
        reverse("lessons:showcase_manage", args=[show.pk]),
        {"action": "cover", "cover": _jpeg(800, 450)},
    )
    assert response.status_code == 403
    show.refresh_from_db()
    assert show.cover.name == ""


def test_a_curator_opens_a_channel_and_sets_it_up_from_the_pages(client, county):
    client.force_login(county.town_a_admin)
    response = client.post(
        reverse("lessons:showcases"), {"org": county.town_a.code, "title": " 城关 镇 专题 "}
    )
    show = Showcase.objects.get(org=county.town_a)
    assert show.title == "城关 镇 专题"
    assert response["Location"] == reverse("lessons:showcase_manage", args=[show.pk])
    ends = TODAY + datetime.timedelta(days=30)
    client.post(
        reverse("lessons:showcase_manage", args=[show.pk]),
        {
            "action": "settings",
            "title": "城关镇每周一课",
            "description": "每周一节",
            "audience": county.branch_a1.code,
            "starts_on": TODAY.isoformat(),
            "ends_on": ends.isoformat(),
            "numbered": "on",
        },
    )
    show.refresh_from_db()
    assert (show.title, show.audience_id, show.ends_on, show.numbered) == (
        "城关镇每周一课",
        county.branch_a1.pk,
        ends,
        True,
    )
    # An org of another town is not confirmed to exist: the same answer as a made-up code.
    html = client.post(
        reverse("lessons:showcase_manage", args=[show.pk]),
        {"action": "settings", "title": "城关镇每周一课", "audience": county.branch_b1.code},
        follow=True,
    ).content.decode()
    assert "本组织之内没有这个组织代码" in html
    show.refresh_from_db()
    assert show.audience_id == county.branch_a1.pk


def test_a_member_cannot_open_a_channel(client, county):
    client.force_login(county.member_a1.user)
    response = client.post(
        reverse("lessons:showcases"), {"org": county.branch_a1.code, "title": "我的展播"}
    )
    assert response.status_code == 403
    assert not Showcase.objects.exists()


def test_the_feed_lists_the_channels_on_now_with_their_covers(client, county):
    shown = town_channel(county, "城关镇七一展播")
    channels.showcase_cover_set(
        actor=county.town_a_admin, showcase=shown, handle=_jpeg(800, 450), size=10_000
    )
    town_channel(county, "空的展播", lessons=0)
    over = town_channel(county, "过期展播")
    channels.showcase_settings(
        actor=county.town_a_admin,
        showcase=over,
        title="过期展播",
        ends_on=TODAY - datetime.timedelta(days=1),
    )
    client.force_login(county.member_a1.user)
    html = client.get(reverse("lessons:feed")).content.decode()
    tiles = html[html.index('class="feed-channels"') : html.index('id="lesson-results"')]
    assert tiles.count('class="channel-tile"') == 1
    assert "城关镇七一展播" in tiles and "空的展播" not in tiles and "过期展播" not in tiles
    thumb = reverse("lessons:showcase_cover", args=[shown.pk]) + "?size=thumb"
    assert f'src="{thumb}"' in html
    # A search is looking for lessons: no tiles.
    html = client.get(reverse("lessons:feed") + "?q=七一").content.decode()
    assert 'class="channel-tile"' not in html


def test_the_feed_shows_no_channel_of_another_town(client, county):
    town_channel(county)
    client.force_login(county.member_b1.user)
    html = client.get(reverse("lessons:feed")).content.decode()
    assert 'class="channel-tile"' not in html


@pytest.mark.parametrize("n", [1, 3])
def test_feed_with_channels_query_count(client, county, django_assert_num_queries, n):
    for i in range(n):
        town_channel(county, f"展播{i}")
    client.force_login(county.member_a1.user)
    # The feed's own (test_query_counts.FEED_QUERIES + 3 for the chips and the badge) and
    # one for the channels with their counts, whatever their number.
    with django_assert_num_queries(7 + 3 + 1):
        html = client.get(reverse("lessons:feed")).content.decode()
    assert html.count('class="channel-tile"') == n


def test_the_api_names_the_cover_and_serves_it_to_the_audience_only(client, county):
    show = town_channel(county)
    client.force_login(county.member_a1.user)
    listed = client.get("/api/v1/lessons/showcases").json()
    assert (listed[0]["cover_url"], listed[0]["cover_thumb_url"]) == (None, None)
    channels.showcase_cover_set(
        actor=county.town_a_admin, showcase=show, handle=_jpeg(1600, 900), size=10_000
    )
    listed = client.get("/api/v1/lessons/showcases").json()
    url = f"/api/v1/lessons/showcases/{show.pk}/cover"
    assert (listed[0]["cover_url"], listed[0]["cover_thumb_url"]) == (url, f"{url}?size=thumb")
    assert _size(client.get(url)) == ("JPEG", (720, 405))
    assert _size(client.get(f"{url}?size=thumb")) == ("JPEG", (360, 203))
    client.force_login(county.member_b1.user)
    assert client.get(url).status_code == 404


def test_manage_page_has_the_cover_and_settings_forms_once_inside_the_page(client, county):
    """They were pasted into the <title> and <head> blocks too: shown twice, the first
    time above the site's header, and as markup in the browser tab."""
    show = town_channel(county)
    client.force_login(county.town_a_admin)
    html = client.get(reverse("lessons:showcase_manage", args=[show.pk])).content.decode()
    head, body = html.split("</head>", 1)
    assert "<title>编排展播" in head and "<section" not in head
    assert body.count('name="cover"') == 1
    assert body.count('value="settings"') == 1
    assert body.index('class="page-title"') < body.index('value="cover"')


def test_channel_list_has_the_open_form_once_inside_the_page(client, county):
    town_channel(county)
    client.force_login(county.town_a_admin)
    html = client.get(reverse("lessons:showcases")).content.decode()
    head, body = html.split("</head>", 1)
    assert "<title>展播" in head and "<section" not in head
    assert body.count('id="sc-title"') == 1
