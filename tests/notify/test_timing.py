"""Quiet hours and the daily digest, on both sides of each boundary, in the site's zone."""

from __future__ import annotations

import datetime

import pytest

from tests.notify.conftest import local
from xianfeng.notify.timing import Quiet, next_digest, not_in_quiet, schedule

NIGHT = Quiet(datetime.time(22), datetime.time(7))
NOON = Quiet(datetime.time(12), datetime.time(14))


@pytest.mark.parametrize(
    ("moment", "due"),
    [
        (local(21, 59), local(21, 59)),  # a minute before: goes now
        (local(22, 0), local(7, 0, day=11)),  # quiet from 22:00: waits for 07:00
        (local(23, 30), local(7, 0, day=11)),
        (local(0, 0, day=11), local(7, 0, day=11)),
        (local(6, 59, day=11), local(7, 0, day=11)),
        (local(7, 0, day=11), local(7, 0, day=11)),  # quiet ends at 07:00: goes now
    ],
)
def test_quiet_hours_across_midnight(moment, due):
    assert schedule(moment, urgent=False, quiet=NIGHT, digest_hour=None) == (due, False)


@pytest.mark.parametrize(
    ("moment", "due"),
    [
        (local(11, 59), local(11, 59)),
        (local(12, 0), local(14, 0)),
        (local(13, 59), local(14, 0)),
        (local(14, 0), local(14, 0)),
    ],
)
def test_quiet_hours_within_a_day(moment, due):
    assert schedule(moment, urgent=False, quiet=NOON, digest_hour=None) == (due, False)


def test_quiet_hours_are_local_time_whatever_the_clock_of_the_server():
    # 14:00 UTC is 22:00 in Shanghai: quiet.
    moment = datetime.datetime(2026, 3, 10, 14, 0, tzinfo=datetime.UTC)
    assert schedule(moment, urgent=False, quiet=NIGHT, digest_hour=None) == (
        local(7, 0, day=11),
        False,
    )


def test_urgent_goes_through_quiet_hours_and_the_digest():
    assert schedule(local(23, 0), urgent=True, quiet=NIGHT, digest_hour=20) == (local(23, 0), False)


def test_no_quiet_hours_when_unset_or_empty():
    for quiet in (
        Quiet(None, None),
        Quiet(datetime.time(22), None),
        Quiet(datetime.time(8), datetime.time(8)),
    ):
        assert schedule(local(23, 0), urgent=False, quiet=quiet, digest_hour=None) == (
            local(23, 0),
            False,
        )


@pytest.mark.parametrize(
    ("moment", "digest_at"),
    [
        (local(0, 0), local(20, 0)),
        (local(19, 59), local(20, 0)),  # in today's digest
        (local(20, 0), local(20, 0, day=11)),  # the digest hour itself: tomorrow's
        (local(23, 59), local(20, 0, day=11)),
    ],
)
def test_digest_takes_the_next_digest_hour(moment, digest_at):
    assert next_digest(moment, 20) == digest_at
    assert schedule(moment, urgent=False, quiet=NIGHT, digest_hour=20) == (digest_at, True)


def test_a_retry_waits_out_quiet_hours_unless_urgent():
    assert not_in_quiet(local(22, 10), urgent=False, quiet=NIGHT) == local(7, 0, day=11)
    assert not_in_quiet(local(22, 10), urgent=True, quiet=NIGHT) == local(22, 10)
    assert not_in_quiet(local(21, 10), urgent=False, quiet=NIGHT) == local(21, 10)
