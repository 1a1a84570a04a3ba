"""Reads shared within one recompute (common/indicators.shared): made once inside a run,
forgotten after it, made every time outside one."""

from __future__ import annotations

from xianfeng.common import indicators


def test_a_shared_read_is_made_once_per_recompute_and_forgotten_after():
    made: list[int] = []

    def make() -> int:
        made.append(1)
        return len(made)

    assert indicators.shared(("k",), make) == 1
    assert indicators.shared(("k",), make) == 2  # outside a recompute: every time
    with indicators.computing():
        assert indicators.shared(("k",), make) == 3
        assert indicators.shared(("k",), make) == 3
        assert indicators.shared(("other",), make) == 4
    with indicators.computing():
        assert indicators.shared(("k",), make) == 5  # a new run reads afresh
    assert len(made) == 5
