"""The one input normaliser (common/text.py) and where it is installed.

The apps' own tests send NUL, zero-width padding and lone surrogates through their pages
and API (tests/meetings/test_text_input.py, tests/lessons/test_text_input.py).
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.http import QueryDict

from xianfeng.api import CleanTextParser, api
from xianfeng.common.middleware import clean_querydict
from xianfeng.common.text import clean_data, clean_text, is_blank, is_clean, visible_length


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("学习党章", "学习党章"),
        ("学习\x00党章", "学习党章"),
        ("\x00", ""),
        ("a\x01b\x1bc\x7fd\x9fe", "abcde"),
        ("好\ud800", "好"),
        ("\udcff\ud83d", ""),
        ("第一行\r\n第二行\r第三行", "第一行\n第二行\n第三行"),
        ("甲\x0b乙\x0c丙\x85丁\u2028戊\u2029己", "甲\n乙\n丙\n丁\n戊\n己"),
        ("一、\t学习\n二、讨论", "一、\t学习\n二、讨论"),
        ("\ufeff标题", "标题"),
        ("x\ufffey\U0001ffffz\ufdd0", "xyz"),
        ("e\u0301", "\u00e9"),  # NFC
        ("\u200b\u200d", "\u200b\u200d"),  # format characters stay; minimums ignore them
        ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),
        ("  前后空格  ", "  前后空格  "),  # trimming is the field's business
    ],
)
def test_clean_text(raw, expected):
    assert clean_text(raw) == expected
    assert clean_text(expected) == expected  # idempotent
    assert is_clean(expected)


def test_clean_text_one_line_and_other_values():
    assert clean_text("会议\n主题\t一", multiline=False) == "会议 主题 一"
    assert clean_text("a\r\nb", multiline=False) == "a b"
    assert clean_text(None) == ""
    assert clean_text(12) == "12"


def test_clean_data_walks_json():
    assert clean_data({"a\x00": ["x\ud800", 1, None, {"b": "\x00c"}], "n": 2.5, "t": True}) == {
        "a": ["x", 1, None, {"b": "c"}],
        "n": 2.5,
        "t": True,
    }


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("学习党章", 4),
        ("学 习\n党\t章\u3000", 4),
        ("\u200b\u200c\u200d\u2060\ufeff", 0),
        ("字\u200b" * 10, 10),
        ("\u00ad\u202e\u2066", 0),  # soft hyphen, bidi controls: Cf
        ("e\u0301\u20dd", 1),  # combining marks
        ("\u3164\u115f\u1160\uffa0\u2800", 0),  # Hangul fillers, blank Braille
        ("👍🏽", 1),  # the skin tone is drawn as part of the emoji
        ("ab12，。", 6),
    ],
)
def test_visible_length(text, length):
    assert visible_length(text) == length
    assert is_blank(text) is (length == 0)


def test_is_blank():
    assert is_blank(None) and is_blank("") and is_blank(" \u200b\n")
    assert not is_blank(" 好 ")


def test_clean_querydict_copies_only_when_needed():
    clean = QueryDict("topic=学习&tag=a&tag=b")
    assert clean_querydict(clean) is clean
    dirty = QueryDict("topic=%E5%AD%A6%00%E4%B9%A0&tag=a&tag=%00b&x%00=1")
    cleaned = clean_querydict(dirty)
    assert cleaned["topic"] == "学习"
    assert cleaned.getlist("tag") == ["a", "b"]
    assert cleaned["x"] == "1"
    assert not cleaned._mutable


def test_the_normaliser_is_installed_for_pages_and_the_api():
    """Later apps need not remember it: pages get it from the middleware, every router on
    the one API from its parser."""
    assert "xianfeng.common.middleware.CleanInputMiddleware" in settings.MIDDLEWARE
    assert settings.MIDDLEWARE.index(
        "xianfeng.common.middleware.CleanInputMiddleware"
    ) > settings.MIDDLEWARE.index("django.middleware.csrf.CsrfViewMiddleware")
    assert isinstance(api.parser, CleanTextParser)


def test_roster_cells_and_member_names_go_through_the_normaliser():
    from xianfeng.people.checks import MemberData, member_problems
    from xianfeng.people.normalize import clean_name
    from xianfeng.people.normalize import clean_text as roster_text

    assert roster_text("东街\x00社区\ud800\n党支部") == "东街社区 党支部"
    assert clean_name("张\u0000三") == "张三"
    assert member_problems(MemberData(name="\u3164\u200b"))["name"] == "请填写姓名"
