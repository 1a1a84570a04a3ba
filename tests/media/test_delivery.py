"""Private media: a video's files leave only under a signed, expiring token scoped to the
video's folder, and only pages that let a person see the object hand one out."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

import pytest
from django.core.files.storage import storages
from django.test import Client
from django.urls import reverse

from tests.factories import published_lesson, ready_video
from tests.media.conftest import master_entries
from xianfeng.media import delivery
from xianfeng.media.enums import VideoStatus
from xianfeng.media.pipeline import storage_put, video_process

SEGMENT = b"\x47" + bytes(range(187))


def fake_video_files(video) -> None:
    """Small stand-ins for a transcode's files, at the names the Video row holds."""
    storage = storages["default"]
    folder = video.output_dir
    storage_put(
        storage, video.hls_master, b"#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n360p/index.m3u8\n"
    )
    storage_put(
        storage,
        f"{folder}/360p/index.m3u8",
        b"#EXTM3U\n#EXTINF:6.0,\nseg_00000.ts\n#EXT-X-ENDLIST\n",
    )
    storage_put(storage, f"{folder}/360p/seg_00000.ts", SEGMENT * 10)
    storage_put(storage, video.mp4, bytes(range(256)) * 4)
    storage_put(storage, video.poster, b"\xff\xd8\xff\xe0jpeg")


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_DELIVERY = "direct"
    return settings.MEDIA_ROOT


@pytest.fixture
def video(db, media_root):
    from tests.factories import UserFactory

    video = ready_video(UserFactory())
    fake_video_files(video)
    return video


def test_storage_folder_is_random_not_the_row_id(video):
    key = video.storage_key
    assert len(key) >= 22 and key != str(video.pk)
    assert video.hls_master.startswith(f"videos/{key}/")


def test_media_paths_without_a_token_are_not_served(client, video):
    """The old public paths and guessed ones answer 404 to anyone, logged in or not."""
    for path in (
        f"/media/{video.hls_master}",
        f"/media/{video.mp4}",
        f"/media/videos/{video.pk}/1/audio.m4a",
        f"/media/v/{video.storage_key}/1/master.m3u8",
        f"/media/v/x/{video.storage_key}/1/master.m3u8",
    ):
        assert client.get(path).status_code == 404, path


def test_signed_url_serves_each_file_with_its_type(client, video):
    url = delivery.signed_url(video.hls_master, public=False)
    assert re.fullmatch(rf"/media/v/[0-9a-f]+x[\w-]{{24}}/{video.storage_key}/1/master\.m3u8", url)
    master = client.get(url)
    assert master.status_code == 200
    assert master["Content-Type"] == "application/vnd.apple.mpegurl"
    body = b"".join(master.streaming_content).decode()
    (variant,) = [uri for _, uri in master_entries(body)]
    # Relative names resolve under the same token: the player needs nothing else.
    base = url.rsplit("/", 1)[0]
    playlist = client.get(f"{base}/{variant}")
    assert playlist.status_code == 200
    segment = client.get(f"{base}/360p/seg_00000.ts")
    assert segment["Content-Type"] == "video/mp2t"
    assert b"".join(segment.streaming_content) == SEGMENT * 10
    poster = client.get(delivery.signed_url(video.poster, public=False))
    assert poster["Content-Type"] == "image/jpeg"


def test_a_segment_costs_no_database_query(client, video, django_assert_num_queries):
    base = delivery.signed_url(video.hls_master, public=False).rsplit("/", 1)[0]
    with django_assert_num_queries(0):
        response = client.get(f"{base}/360p/seg_00000.ts")
        assert response.status_code == 200


def test_token_is_scoped_to_one_video_folder(client, video):
    from tests.factories import UserFactory

    other = ready_video(UserFactory())
    fake_video_files(other)
    token = delivery.token_for(video.storage_key, public=False)
    # The token of one video does not open another's folder.
    assert client.get(f"/media/v/{token}/{other.storage_key}/1/video.mp4").status_code == 404
    assert client.get(f"/media/v/{token}/{video.storage_key}/1/video.mp4").status_code == 200


def test_tampered_tokens_are_refused(client, video):
    token = delivery.token_for(video.storage_key, public=False)
    expires_hex = token[: token.index("x")]
    signature = token[len(expires_hex) + 1 :]
    later = f"{int(expires_hex, 16) + 86400:x}"
    forged = [
        f"{later}x{signature}",  # a longer life
        f"{expires_hex}p{signature}",  # made public (cacheable)
        f"{expires_hex}x{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
        "0x" + "A" * 24,
    ]
    for bad in forged:
        response = client.get(f"/media/v/{bad}/{video.storage_key}/1/video.mp4")
        assert response.status_code == 404, bad


def test_expired_token_says_to_reload_the_page(client, video):
    token = delivery.token_for(video.storage_key, public=False, now=time.time() - 5 * 86400)
    response = client.get(f"/media/v/{token}/{video.storage_key}/1/video.mp4")
    assert response.status_code == 403
    assert response.content.decode() == "播放地址已过期，请刷新页面后再看。"
    assert response["Cache-Control"] == "no-store"


def test_paths_outside_the_folder_and_other_files_are_refused(client, video, settings):
    token = delivery.token_for(video.storage_key, public=False)
    # The source upload sits in the private storage; a roster import there too.
    private = storages["private"]
    private.save("sources/2026/01/secret.mp4", __import__("io").BytesIO(b"source"))
    storage_put(storages["default"], f"videos/{video.storage_key}/1/notes.txt", b"x")
    for rest in (
        "1/../../../private/sources/2026/01/secret.mp4",
        "1/%2e%2e/video.mp4",
        "../x/1/video.mp4",
        "1/notes.txt",  # not a media type
        "1//video.mp4",
        "1/.hidden.mp4",
    ):
        response = client.get(f"/media/v/{token}/{video.storage_key}/{rest}")
        assert response.status_code == 404, rest


def test_byte_ranges_for_the_mp4(client, video):
    url = delivery.signed_url(video.mp4, public=False)
    whole = bytes(range(256)) * 4
    part = client.get(url, HTTP_RANGE="bytes=10-19")
    assert part.status_code == 206
    assert part["Content-Range"] == "bytes 10-19/1024"
    assert part["Content-Length"] == "10"
    assert b"".join(part.streaming_content) == whole[10:20]
    tail = client.get(url, HTTP_RANGE="bytes=-4")
    assert (tail.status_code, b"".join(tail.streaming_content)) == (206, whole[-4:])
    open_ended = client.get(url, HTTP_RANGE="bytes=1020-")
    assert b"".join(open_ended.streaming_content) == whole[1020:]
    past = client.get(url, HTTP_RANGE="bytes=5000-")
    assert (past.status_code, past["Content-Range"]) == (416, "bytes */1024")
    full = client.get(url)
    assert (full.status_code, full["Accept-Ranges"]) == (200, "bytes")
    assert b"".join(full.streaming_content) == whole


def test_public_media_is_cacheable_and_private_media_is_not(client, video):
    public = client.get(delivery.signed_url(video.mp4, public=True))
    assert public["Cache-Control"] == "public, max-age=86400, immutable"
    private = client.get(delivery.signed_url(video.mp4, public=False))
    assert private["Cache-Control"].startswith("private, max-age=")
    assert "public" not in private["Cache-Control"]
    playlist = client.get(delivery.signed_url(video.hls_master, public=False))
    assert playlist["Cache-Control"] == "private, max-age=5"


def test_public_tokens_stay_the_same_all_day_private_ones_are_short(video, settings):
    noon = 1_780_000_000 - 1_780_000_000 % 86400 + 43200
    assert delivery.token_for("k", public=True, now=noon) == delivery.token_for(
        "k", public=True, now=noon + 3600
    )
    grant = delivery.verify(delivery.token_for("k", public=True, now=noon), "k", now=noon)
    assert grant.public and 86400 <= grant.expires - noon <= 2 * 86400
    private = delivery.verify(delivery.token_for("k", public=False, now=noon), "k", now=noon)
    assert not private.public
    assert settings.MEDIA_URL_SECONDS <= private.expires - noon <= settings.MEDIA_URL_SECONDS + 300


def test_accel_mode_hands_the_file_to_nginx(client, video, settings):
    settings.MEDIA_DELIVERY = "accel"
    response = client.get(delivery.signed_url(video.mp4, public=False))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/_protected_media/{video.mp4}"
    assert response["Content-Type"] == "video/mp4"
    assert response.content == b""
    assert response["Cache-Control"].startswith("private, ")


# --- the pages that hand out URLs ------------------------------------------------------------


def test_branch_only_lesson_media_reaches_only_its_audience(client, county, media_root):
    lesson = published_lesson(org=county.branch_a1, author=county.member_a1.user)
    fake_video_files(lesson.video)
    page = reverse("lessons:detail", args=[lesson.pk])
    playback = reverse("lessons:playback", args=[lesson.pk])

    client.force_login(county.member_a1.user)
    html = client.get(page).content.decode()
    urls = re.findall(r'data-hls="([^"]+)"', html)
    assert len(urls) == 1 and re.search(r"/media/v/[0-9a-f]+x", urls[0])
    assert client.get(urls[0]).status_code == 200
    fresh = client.get(playback).json()
    assert fresh["hls"].startswith("/media/v/") and client.get(fresh["mp4"]).status_code == 200

    # Another branch, the county judge, a resident and an anonymous visitor get no URL.
    for outsider in (county.member_b1.user, county.judge, county.resident, None):
        visitor = Client()
        if outsider is not None:
            visitor.force_login(outsider)
        assert visitor.get(page).status_code in (302, 404)
        assert visitor.get(playback).status_code in (302, 404)
        listing = visitor.get(reverse("lessons:feed")).content.decode()
        assert lesson.video.storage_key not in listing


def test_lesson_open_to_everyone_gets_cacheable_urls(client, county, media_root):
    lesson = published_lesson(
        org=county.branch_a1, author=county.member_a1.user, audience=county.county, public=True
    )
    fake_video_files(lesson.video)
    client.force_login(county.member_b1.user)
    html = client.get(reverse("lessons:detail", args=[lesson.pk])).content.decode()
    (hls,) = re.findall(r'data-hls="([^"]+)"', html)
    assert re.search(r"/media/v/[0-9a-f]+p", hls)
    assert client.get(hls)["Cache-Control"] == "public, max-age=10"


def test_draft_media_is_only_for_its_author_and_branch_officers(client, county, media_root):
    from xianfeng.lessons import services

    lesson = services.lesson_create(
        actor=county.member_a1.user,
        org=county.branch_a1,
        data=services.LessonData(title="草稿", speaker_name="张东街"),
    )
    video = ready_video(county.member_a1.user)
    fake_video_files(video)
    type(lesson).objects.filter(pk=lesson.pk).update(video=video)
    page = reverse("lessons:detail", args=[lesson.pk])
    client.force_login(county.member_a1.user)
    assert video.storage_key in client.get(page).content.decode()
    for outsider in (county.member_a2.user, county.secretary_b1, county.judge):
        visitor = Client()
        visitor.force_login(outsider)
        response = visitor.get(page)
        assert response.status_code == 404
        assert video.storage_key not in response.content.decode()


def test_api_lesson_detail_hands_out_the_same_urls(client, county, media_root):
    lesson = published_lesson(org=county.branch_a1, author=county.member_a1.user)
    fake_video_files(lesson.video)
    client.force_login(county.member_a1.user)
    data = client.get(f"/api/v1/lessons/{lesson.pk}").json()
    assert client.get(data["hls"]).status_code == 200
    outsider = Client()
    outsider.force_login(county.member_b1.user)
    assert outsider.get(f"/api/v1/lessons/{lesson.pk}").status_code == 404


# --- a real transcode, through the signed URLs -------------------------------------------------


def test_real_video_plays_through_signed_urls(client, clips, make_video, media_env, settings):
    settings.MEDIA_DELIVERY = "direct"
    video = make_video(clips.small)
    assert video_process(video_id=video.pk) == VideoStatus.READY
    video.refresh_from_db()
    url = delivery.signed_url(video.hls_master, public=False)
    base = url.rsplit("/", 1)[0]
    master = b"".join(client.get(url).streaming_content).decode()
    for _, variant in master_entries(master):
        playlist = b"".join(client.get(f"{base}/{variant}").streaming_content).decode()
        folder = variant.rsplit("/", 1)[0]
        segments = [line for line in playlist.splitlines() if line and not line.startswith("#")]
        assert segments
        for segment in segments:
            data = b"".join(client.get(f"{base}/{folder}/{segment}").streaming_content)
            assert data[:1] == b"\x47"  # an MPEG-TS sync byte
    mp4 = client.get(delivery.signed_url(video.mp4, public=False), HTTP_RANGE="bytes=4-7")
    assert b"".join(mp4.streaming_content) == b"ftyp"


def test_s3_playlists_name_presigned_segments(client, clips, make_video, media_env, s3, settings):
    import urllib.request

    settings.MEDIA_DELIVERY = "redirect"
    video = make_video(clips.small)
    assert video_process(video_id=video.pk) == VideoStatus.READY
    video.refresh_from_db()
    url = delivery.signed_url(video.hls_master, public=False)
    master = client.get(url)
    assert master.status_code == 200
    (variant,) = [uri for _, uri in master_entries(master.content.decode())]
    assert variant == "360p/index.m3u8"  # renditions come back here, under the token
    playlist = client.get(url.rsplit("/", 1)[0] + "/" + variant).content.decode()
    segments = [line for line in playlist.splitlines() if line and not line.startswith("#")]
    assert len(segments) == 7  # six 1 s segments, then a 6 s one
    for segment in segments:
        parts = urlsplit(segment)
        assert parts.path.startswith(f"/xianfeng/media/videos/{video.storage_key}/1/360p/")
        assert "Signature=" in parts.query or "X-Amz-Signature=" in parts.query
        with urllib.request.urlopen(segment) as response:
            assert response.read(1) == b"\x47"
    mp4 = client.get(delivery.signed_url(video.mp4, public=False))
    assert mp4.status_code == 302
    assert "Signature=" in mp4["Location"] or "X-Amz-Signature=" in mp4["Location"]
    assert mp4["Cache-Control"].startswith("private, ")
    # Nothing in the bucket is readable by everyone.
    acl = s3.get_object_acl(Bucket="xianfeng", Key=f"media/{video.mp4}")
    assert not [g for g in acl["Grants"] if "AllUsers" in str(g.get("Grantee", {}))]
