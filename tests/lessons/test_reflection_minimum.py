"""心得体会 need at least 50 characters, spaces and line breaks not counted (README)."""

from __future__ import annotations

import pytest

from tests.factories import LessonFactory, MemberFactory, ReflectionFactory
from xianfeng.common.errors import Refused
from xianfeng.lessons import services
from xianfeng.lessons.models import Lesson, Reflection

pytestmark = pytest.mark.django_db

# 49 characters, punctuation included (counted one by one when the test was written).
FORTY_NINE = (
    "学习了王师傅的微党课，深受教育。安全生产责任重于泰山，"
    "我们党员要带头排查隐患，做到不安全不生产，守"
)


@pytest.fixture
def lesson():
    return LessonFactory(published=True)


@pytest.fixture
def writer(lesson):
    return MemberFactory(org=lesson.org).user


def test_reflection_save_49_characters_is_refused(writer, lesson):
    assert len(FORTY_NINE) == 49
    with pytest.raises(Refused, match="心得体会至少 50 个字，现在 49 个字"):
        services.reflection_save(user=writer, lesson=lesson, text=FORTY_NINE)
    assert not Reflection.objects.exists()
    assert Lesson.objects.get(pk=lesson.pk).reflection_count == 0


def test_reflection_save_50_characters_is_accepted(writer, lesson):
    r = services.reflection_save(user=writer, lesson=lesson, text=FORTY_NINE + "生")
    assert (r.text, r.status) == (FORTY_NINE + "生", "visible")
    assert Lesson.objects.get(pk=lesson.pk).reflection_count == 1


def test_reflection_save_spaces_and_line_breaks_do_not_count(writer, lesson):
    padded = " ".join(FORTY_NINE[:20]) + "\n\n" + FORTY_NINE[20:] + "　 \t"
    with pytest.raises(Refused, match="现在 49 个字"):
        services.reflection_save(user=writer, lesson=lesson, text=padded)


def test_reflection_save_rewriting_below_the_minimum_keeps_the_old_text(writer, lesson):
    old = ReflectionFactory(user=writer, lesson=lesson)
    with pytest.raises(Refused):
        services.reflection_save(user=writer, lesson=lesson, text=FORTY_NINE)
    assert Reflection.objects.get(pk=old.pk).text == old.text
