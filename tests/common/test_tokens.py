"""The shared signed tokens: a rotating code is accepted during its step and the grace
steps after, never before or later; a kind's code never passes as another's."""

from __future__ import annotations

import datetime

from xianfeng.common.tokens import RotatingCode, VersionedRef, new_key

CODE = RotatingCode(salt="test.checkin", step_seconds=30, grace=1)
START = datetime.datetime(2026, 3, 10, 7, 0, 0, tzinfo=datetime.UTC)  # a step boundary


def test_code_is_current_in_its_step_and_the_next_only():
    key = new_key()
    step = CODE.step_at(START)
    parsed = CODE.parse(CODE.make(7, key, step))
    assert parsed is not None and CODE.signature_ok(parsed, key)
    assert CODE.is_current(parsed, START)
    assert CODE.is_current(parsed, START + datetime.timedelta(seconds=59.999))
    assert not CODE.is_current(parsed, START + datetime.timedelta(seconds=60))
    assert not CODE.is_current(parsed, START - datetime.timedelta(seconds=0.001))


def test_step_boundaries():
    assert CODE.step_at(START + datetime.timedelta(seconds=29)) == CODE.step_at(START)
    assert CODE.step_at(START + datetime.timedelta(seconds=30)) == CODE.step_at(START) + 1
    assert CODE.step_starts(CODE.step_at(START)) == START


def test_code_of_another_kind_or_key_or_subject_fails():
    key = new_key()
    step = CODE.step_at(START)
    token = CODE.make(7, key, step)
    other_kind = RotatingCode(salt="test.rollcall")
    parsed = other_kind.parse(token)
    assert parsed is not None and not other_kind.signature_ok(parsed, key)
    assert not CODE.signature_ok(CODE.parse(token), new_key())
    forged = CODE.parse(token.replace("7-", "8-", 1))
    assert forged is not None and not CODE.signature_ok(forged, key)
    for bad in ("", "7-x-y", f"7-{step}-short", "a-b-c-d"):
        assert CODE.parse(bad) is None


def test_versioned_ref_is_revoked_by_a_new_version():
    ref = VersionedRef(salt="test.calendar")
    old = ref.make(5, 1)
    assert ref.parse(old) == (5, 1)
    assert ref.make(5, 2) != old
    assert ref.parse(old.replace("5-1-", "5-2-")) is None
    assert VersionedRef(salt="test.other").parse(old) is None
