"""The sign-in QR code on both sides of every boundary: a code is accepted during its own
30-second step and the next (≤ 60 s), sign-in opens 30 minutes before the start and closes
at the end, more than five minutes after the start is 迟到 (README, "Sign-in")."""

from __future__ import annotations

import datetime

import pytest

from tests.factories import MeetingFactory, UserFactory
from xianfeng.common.errors import Refused
from xianfeng.common.tokens import SIG_CHARS
from xianfeng.meetings import services
from xianfeng.meetings.tokens import (
    calendar_token,
    checkin_signature_ok,
    checkin_token,
    parse_calendar_token,
    parse_checkin_token,
    step_at,
    step_starts,
)

UTC = datetime.UTC
# 15:00 Beijing time on 10 March 2026 = 07:00 UTC; 1773126000 s since the epoch, a multiple
# of 30, so it is the first instant of step 59104200.
START = datetime.datetime(2026, 3, 10, 7, 0, tzinfo=UTC)
START_STEP = 59_104_200
S = datetime.timedelta(seconds=1)


def test_step_at_changes_every_30_seconds():
    assert START.timestamp() == 1_773_126_000
    assert step_at(START) == START_STEP
    assert step_at(START + 29 * S) == START_STEP
    assert step_at(START + datetime.timedelta(seconds=29.999)) == START_STEP
    assert step_at(START + 30 * S) == START_STEP + 1
    assert step_at(START - datetime.timedelta(microseconds=1)) == START_STEP - 1
    assert step_starts(START_STEP) == START
    assert step_starts(START_STEP + 1) == START + 30 * S


def test_parse_checkin_token_shapes():
    good = checkin_token(7, "k" * 64, START_STEP)
    meeting_id, step, sig = good.split("-")
    assert (meeting_id, step, len(sig)) == ("7", str(START_STEP), SIG_CHARS)
    parsed = parse_checkin_token(f"  {good} ")
    assert (parsed.subject_id, parsed.step, parsed.sig) == (7, START_STEP, sig)
    assert parse_checkin_token(f"7-{START_STEP}-{sig[:-1]}") is None  # 23 characters
    assert parse_checkin_token(f"7-{START_STEP}-{sig}0") is None  # 25
    assert parse_checkin_token(f"x-{START_STEP}-{sig}") is None
    assert parse_checkin_token(f"7-{START_STEP}x-{sig}") is None
    assert parse_checkin_token(f"7-{START_STEP}-{sig}-1") is None
    assert parse_checkin_token("") is None


def test_checkin_signature_depends_on_meeting_step_and_key():
    key = "k" * 64
    parsed = parse_checkin_token(checkin_token(7, key, START_STEP))
    assert checkin_signature_ok(parsed, key)
    assert not checkin_signature_ok(parsed, "j" * 64)
    moved = parse_checkin_token(checkin_token(7, key, START_STEP).replace("7-", "8-", 1))
    assert not checkin_signature_ok(moved, key)
    later = checkin_token(7, key, START_STEP + 1).rsplit("-", 1)[1]
    assert later != parsed.sig


def test_calendar_token_versions():
    token = calendar_token(5, 2)
    assert parse_calendar_token(token) == (5, 2)
    assert parse_calendar_token(token.replace("5-2-", "5-3-", 1)) is None  # bumped version
    assert parse_calendar_token(token.replace("5-2-", "6-2-", 1)) is None
    assert parse_calendar_token(token[:-1]) is None
    assert parse_calendar_token("5-2") is None
    assert parse_calendar_token("a-2-" + token.split("-")[2]) is None
    assert calendar_token(5, 3) != token


@pytest.fixture
def meeting_and_member(db):
    member = UserFactory(name="张东街")
    meeting = MeetingFactory(
        starts_at=START,
        ends_at=START + datetime.timedelta(minutes=90),
        attendees={member: "expected"},
    )
    return meeting, member


def code(meeting, moment):
    return checkin_token(meeting.pk, meeting.checkin_key, step_at(moment))


def test_checkin_code_accepted_up_to_the_end_of_the_next_step(meeting_and_member):
    meeting, member = meeting_and_member
    token = code(meeting, START)  # shown at 15:00:00, its step ends at 15:00:29
    row = services.checkin(user=member, token=token, now=START + 59 * S)
    assert (row.status, row.signed_at) == ("present", START + 59 * S)


def test_checkin_code_refused_60_seconds_after_its_step_began(meeting_and_member):
    meeting, member = meeting_and_member
    token = code(meeting, START)
    with pytest.raises(Refused, match="二维码已过期"):
        services.checkin(user=member, token=token, now=START + 60 * S)
    assert meeting.attendances.get(user=member).status == "expected"


def test_checkin_code_shown_late_in_its_step_still_has_the_next_step(meeting_and_member):
    meeting, member = meeting_and_member
    shown = START + 29 * S  # the last second of its step
    token = code(meeting, shown)
    with pytest.raises(Refused, match="二维码已过期"):
        services.checkin(user=member, token=token, now=shown + 31 * S)  # step + 2
    row = services.checkin(user=member, token=token, now=shown + 30 * S)  # step + 1
    assert row.status == "present"


def test_checkin_code_from_a_coming_step_is_invalid(meeting_and_member):
    meeting, member = meeting_and_member
    token = code(meeting, START + 30 * S)
    with pytest.raises(Refused, match="二维码无效"):
        services.checkin(user=member, token=token, now=START + 29 * S)


def test_checkin_opens_exactly_30_minutes_before(meeting_and_member):
    meeting, member = meeting_and_member
    opens = START - datetime.timedelta(minutes=30)
    with pytest.raises(Refused, match="签到尚未开始：会前 30 分钟开放签到"):
        services.checkin(user=member, token=code(meeting, opens - S), now=opens - S)
    row = services.checkin(user=member, token=code(meeting, opens), now=opens)
    assert row.status == "present"


def test_checkin_closes_at_the_end(meeting_and_member):
    meeting, member = meeting_and_member
    end = meeting.ends_at
    with pytest.raises(Refused, match="会议已结束"):
        services.checkin(user=member, token=code(meeting, end), now=end + S)
    row = services.checkin(user=member, token=code(meeting, end), now=end)
    assert row.status == "late"


def test_checkin_five_minutes_after_the_start_is_on_time_a_second_more_is_late(db):
    a, b = UserFactory(name="准时"), UserFactory(name="迟到")
    meeting = MeetingFactory(starts_at=START, attendees={a: "expected", b: "expected"})
    five = START + datetime.timedelta(minutes=5)
    assert services.checkin(user=a, token=code(meeting, five), now=five).status == "present"
    assert services.checkin(user=b, token=code(meeting, five + S), now=five + S).status == "late"


@pytest.mark.parametrize(
    ("trait", "message"),
    [("cancelled", "会议已取消"), ("submitted", "签到已结束"), ("approved", "签到已结束")],
)
def test_checkin_refused_outside_planned_and_held(db, trait, message):
    member = UserFactory()
    meeting = MeetingFactory(starts_at=START, attendees={member: "expected"}, **{trait: True})
    with pytest.raises(Refused, match=message):
        services.checkin(user=member, token=code(meeting, START), now=START)


def test_checkin_a_held_meeting_still_takes_sign_ins(db):
    member = UserFactory()
    meeting = MeetingFactory(starts_at=START, attendees={member: "expected"}, held=True)
    assert services.checkin(user=member, token=code(meeting, START), now=START).status == "present"
