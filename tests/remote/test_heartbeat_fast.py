"""The heartbeat answered before the people's middleware (remote/middleware.py): the same
answers as the API gives, for every shape of body; what it does not answer falls through
to the API untouched; a revoked token is refused at once; nothing costs a session."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import UserFactory, make_site
from xianfeng.remote import services
from xianfeng.remote.models import DeviceToken, Site, SiteDay

pytestmark = pytest.mark.django_db
URL = "/api/v1/remote/heartbeat"


@pytest.fixture
def pair(county):
    """Two sites with identical histories: one beaten through the fast path, one through
    the API (the switch off), so their answers can be compared."""
    fast = make_site(county.branch_b1, code="FAST01", name="快速站点")
    slow = make_site(county.branch_b1, code="SLOW01", name="对照站点")
    return (
        (fast, services.device_token_issue(actor=None, site=fast)[1]),
        (slow, services.device_token_issue(actor=None, site=slow)[1]),
    )


def beat(client, key, data, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key is not None else {}
    return client.post(URL, data, content_type="application/json", **headers, **extra)


def both(client, settings, pair, data, **extra):
    (_, fast_key), (_, slow_key) = pair
    settings.REMOTE_BEAT_FAST_PATH = True
    fast = beat(client, fast_key, data, **extra)
    settings.REMOTE_BEAT_FAST_PATH = False
    slow = beat(client, slow_key, data, **extra)
    settings.REMOTE_BEAT_FAST_PATH = True
    return fast, slow


def same_answer(fast, slow):
    assert fast.status_code == slow.status_code
    body = fast.json()
    if body.get("site") == "FAST01":
        body["site"] = "SLOW01"
    assert body == slow.json()


def moments():
    now = timezone.now().replace(microsecond=123456)
    local = timezone.localtime(now)
    return [
        now.isoformat(),  # +00:00 with a fraction
        local.replace(microsecond=0).isoformat(),  # +08:00, the player's form
        now.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        (now - datetime.timedelta(days=6, hours=23)).isoformat(),  # queued, within 7 days
    ]


def test_an_accepted_beat_is_answered_as_the_api_answers_it(client, settings, pair):
    for at in moments():
        same_answer(*both(client, settings, pair, {"at": at}))
    (fast, _), (slow, _) = pair
    rows = lambda site: sorted(  # noqa: E731
        SiteDay.objects.filter(site=site).values_list(
            "day", "w0", "w1", "w2", "w3", "w4", "slots", "beats"
        )
    )
    assert rows(fast) == rows(slow) and len(rows(fast)) == 2
    fast.refresh_from_db()
    slow.refresh_from_db()
    assert fast.last_beat_at == slow.last_beat_at is not None


@pytest.mark.parametrize(
    "data",
    [
        "",
        "{}",
        "null",
        '{"at": null}',
        '{"at": "2026-12-01T19:05:00"}',  # no offset: 422
        '{"at": "2026-12-01 19:05:00+08:00"}',  # a space: the API's parser decides
        '{"at": "2026-12-01T19:05:60+08:00"}',
        '{"at": 1764587100}',
        '{"at": "昨天"}',
        '{"at": "2026-12-01T19:05:00+08:00", "extra": 1}',
        "[1]",
        "not json",
        '{"at": "\\u0000"}',
    ],
)
def test_every_other_body_gets_the_api_answer(client, settings, pair, data):
    fast, slow = both(client, settings, pair, data)
    same_answer(fast, slow)
    (f, _), (s, _) = pair
    assert SiteDay.objects.filter(site=f).count() == SiteDay.objects.filter(site=s).count()


@pytest.mark.parametrize(
    ("shift", "status"),
    [(datetime.timedelta(minutes=6), 400), (-datetime.timedelta(days=7, minutes=1), 400)],
)
def test_a_beat_out_of_time_gets_the_api_refusal_and_nothing_is_stored(
    client, settings, pair, shift, status
):
    fast, slow = both(client, settings, pair, {"at": (timezone.now() + shift).isoformat()})
    assert fast.status_code == status
    same_answer(fast, slow)
    assert not SiteDay.objects.exists()


def test_bad_tokens_get_the_api_refusals(client, settings, pair):
    for key in (None, "", "xfd_nonsense"):
        settings.REMOTE_BEAT_FAST_PATH = True
        fast = beat(client, key, {})
        settings.REMOTE_BEAT_FAST_PATH = False
        slow = beat(client, key, {})
        assert fast.status_code == slow.status_code == 401
        assert fast.json() == slow.json()
    assert not SiteDay.objects.exists()


def test_the_headers_are_the_api_headers(client, settings, pair):
    fast, slow = both(client, settings, pair, {})
    # The API's answer also says it varies with the Cookie: its middleware looked at the
    # session (a POST bumps a signed-in person's page version). A beat never reads one.
    ignore = {"X-Request-ID", "Vary"}
    assert {k: v for k, v in fast.items() if k not in ignore} == {
        k: v for k, v in slow.items() if k not in ignore
    }
    assert fast["Vary"] == "Accept-Language"
    assert fast["Cache-Control"] == "private, no-store"
    assert fast["Content-Length"] == str(len(fast.content))


def test_a_token_revoked_between_two_beats_is_refused_at_once(client, county, pair):
    (site, key), _ = pair
    assert beat(client, key, {}).status_code == 200
    device = DeviceToken.objects.get(site=site)
    services.device_token_revoke(actor=county.county_admin, device=device)
    response = beat(client, key, {})
    assert response.status_code == 401
    assert response.json() == {"detail": "设备令牌已撤销，请重新配对", "field": None}
    assert SiteDay.objects.get(site=site).beats == 1


def test_a_beat_with_a_persons_session_cookie_reads_no_session(client, settings, pair):
    """A TV's browser that someone once signed in on sends its session cookie along: the
    beat costs no session (the API's path reads it: a POST bumps the person's kept pages,
    on whenever the page cache is, as in production)."""
    settings.PAGE_CACHE_SECONDS = 60
    client.force_login(UserFactory(username="tv_viewer"))
    (site, key), _ = pair
    counts = {}
    for fast in (True, False):
        settings.REMOTE_BEAT_FAST_PATH = fast
        with CaptureQueriesContext(connection) as ctx:
            assert beat(client, key, {}).status_code == 200
        counts[fast] = [
            q["sql"]
            for q in ctx.captured_queries
            if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
        ]
    assert not any("django_session" in sql or "xf_cache" in sql for sql in counts[True])
    # PostgreSQL: the one statement; SQLite: the device, then the first beat's writes
    # (last seen, the day row, the site), then only the day row and the site.
    assert len(counts[True]) == (1 if connection.vendor == "postgresql" else 4)
    assert len(counts[False]) > (1 if connection.vendor == "postgresql" else 3)
    assert SiteDay.objects.get(site=site).beats == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a kept PostgreSQL connection")
def test_a_beat_on_a_dead_connection_is_answered_once_after_reconnecting(client, county):
    """The fast path skips Django's SELECT 1 probe of a kept connection; a connection that
    died (PostgreSQL restarted) fails the beat, which the API then answers once Django's
    probe has reconnected: one beat answered, one beat stored."""
    site = make_site(county.branch_b1, code="DEAD01")
    _, key = services.device_token_issue(actor=None, site=site)
    assert beat(client, key, {}).status_code == 200
    connection.ensure_connection()
    connection.connection.close()  # the server's end gone, as after a restart
    response = beat(client, key, {})
    assert response.status_code == 200, response.content
    assert SiteDay.objects.get(site=site).beats == 2
    assert Site.objects.get(pk=site.pk).last_beat_at is not None
