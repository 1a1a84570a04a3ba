"""The Aho–Corasick scanner on both sides: a word found and not found, inside a longer
word, across spaces and full-width characters (which it claims to handle), and what it
does not claim (traditional characters, zero-width characters) pinned as known gaps."""

from __future__ import annotations

import pytest

from tests.factories import SensitiveWordFactory
from xianfeng.moderation import scanner
from xianfeng.moderation.services import sensitive_words_add, text_check

pytestmark = pytest.mark.django_db


@pytest.fixture
def words():
    """A word list of our own (the default list from the migration stays as it is)."""
    for word in ("赌博", "博彩", "FQ软件", "传销"):
        SensitiveWordFactory(word=word)
    SensitiveWordFactory(word="停用词", is_active=False)
    scanner.bump_version()


def test_find_words_finds_a_listed_word(words):
    assert scanner.find_words("村里有人聚众赌博") == ["赌博"]


def test_find_words_clean_text_has_none(words):
    assert scanner.find_words("我们党员带头修路，为群众办实事") == []
    assert scanner.find_words("") == []


def test_find_words_one_character_of_a_word_is_not_the_word(words):
    assert scanner.find_words("赌一把？不，博一个好前程") == []


def test_find_words_a_word_inside_a_longer_word_is_found(words):
    # Substring matching: 赌博 inside 反赌博 holds a text that is against gambling too; a
    # reviewer lets it through. Overlapping words are each reported once, in order.
    assert scanner.find_words("开展反赌博宣传") == ["赌博"]
    assert scanner.find_words("赌博彩票都是骗局，赌博害人") == ["赌博", "博彩"]


@pytest.mark.parametrize(
    "text",
    [
        "有人 赌 博",
        "有人赌\u3000博",  # ideographic space
        "有人赌\n博",
        "有人赌\t博",
        "Ｆｑ 软件下载",  # full-width letters, other case, a space
        "fq软件",
    ],
)
def test_find_words_across_spaces_full_width_and_case(words, text):
    assert len(scanner.find_words(text)) == 1


def test_find_words_an_inactive_word_is_not_found(words):
    assert scanner.find_words("这是停用词") == []


def test_find_words_traditional_characters(words):
    assert scanner.find_words("聚眾賭博") == ["赌博"]


def test_find_words_zero_width_characters_between_the_characters(words):
    assert scanner.find_words("赌\u200b博") == ["赌博"]
    assert scanner.find_words("赌\u2060博 赌\u200d博") == ["赌博"]
    assert scanner.find_words("赌鬼博客") == []  # other characters between: not the word


def test_a_word_added_through_the_service_applies_after_the_commit(
    django_capture_on_commit_callbacks,
):
    assert text_check("拉人头搞资金盘") == []
    with django_capture_on_commit_callbacks(execute=True):
        added = sensitive_words_add(actor=None, words=["资金盘", " ", "#注释", "资金盘"])
    assert added == 1
    assert text_check("拉人头搞资金盘") == ["资金盘"]


def test_normalise():
    assert scanner.normalise("Ｆｑ 软件\u3000下载") == "fq软件下载"
