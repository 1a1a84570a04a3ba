from __future__ import annotations

import pytest

from tests.factories import published_lesson


@pytest.fixture
def lesson_a1(county):
    """Published to branch A1 only."""
    return published_lesson(
        org=county.branch_a1,
        author=county.member_a1.user,
        title="东街社区的矿灯故事",
        duration=300,
        story="老矿工讲述安全生产的经历",
        question="我们身边还有哪些安全隐患？",
    )


@pytest.fixture
def lesson_b1(county):
    """Published to branch B1 only: must never show up for A1's people."""
    return published_lesson(
        org=county.branch_b1,
        author=county.member_b1.user,
        title="柳湾村的秘密课程",
        duration=240,
        story="柳湾村党员带头修路",
    )
