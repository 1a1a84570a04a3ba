"""The share poster: any title, speaker or org stays inside the 750 px canvas, a long title
ends with "…", and emoji are drawn in colour or left out, never as boxes."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tests.factories import published_lesson
from xianfeng.common import drawtext
from xianfeng.common.drawtext import ELLIPSIS, TextStyle, clusters
from xianfeng.common.fonts import emoji_font_path
from xianfeng.lessons import poster
from xianfeng.lessons.poster import HEIGHT, MARGIN, RED, TEXT_WIDTH, TITLE_LINES, WIDTH

pytestmark = pytest.mark.skipif(not TextStyle.available(), reason="no CJK font installed")

TITLE_120 = ("学习贯彻党的二十大精神，推动矿区安全生产高质量发展" * 5)[:120]
SPEAKER = "县委党校王老师、县委宣传部李老师、城关镇党委书记刘建华同志、东街社区党支部书记王秀兰同志"


def assert_fits(style: TextStyle, lines: list[str], max_lines: int) -> None:
    assert 1 <= len(lines) <= max_lines
    for line in lines:
        assert style.length(line) <= TEXT_WIDTH, (line, style.length(line))


def test_a_120_character_title_wraps_to_three_lines_and_ends_with_an_ellipsis():
    style = TextStyle(48)
    lines = poster.title_lines(TITLE_120)
    assert_fits(style, lines, TITLE_LINES)
    assert len(lines) == 3
    assert lines[-1].endswith(ELLIPSIS)
    shown = "".join(lines)[: -len(ELLIPSIS)]
    assert TITLE_120.startswith(shown)
    assert len(shown) >= 36  # three full lines of 48 px characters in 654 px, less one
    # No line starts with closing punctuation.
    assert not any(line[0] in "，。、：；）》" for line in lines)


def test_a_short_title_is_one_line_without_an_ellipsis():
    assert poster.title_lines("矿灯下的党课") == ["矿灯下的党课"]


def test_latin_words_stay_whole_and_a_word_longer_than_a_line_breaks():
    style = TextStyle(48)
    text = "Party Constitution study for new members of the Qingshan county mining branch"
    lines = style.wrap(text, width=TEXT_WIDTH, max_lines=5)
    assert_fits(style, lines, 5)
    assert " ".join(lines) == text  # every break is at a space
    word = "Pneumonoultramicroscopicsilicovolcanoconiosis"
    lines = style.wrap(f"学习 {word}", width=TEXT_WIDTH, max_lines=3)
    assert_fits(style, lines, 3)
    assert "".join(lines) == f"学习 {word}"  # broken between letters, only where it must


def test_emoji_are_drawn_in_colour_with_the_emoji_font():
    if emoji_font_path() is None:
        pytest.skip("fonts-noto-color-emoji is not installed")
    style = TextStyle(48)
    title = "🇨🇳我和我的祖国👨\u200d👩\u200d👧❤️👍🏽"
    assert style.fit(title) == title
    (line,) = style.wrap(title, width=TEXT_WIDTH, max_lines=3)
    assert line == title
    assert style.length(line) <= TEXT_WIDTH
    image = Image.new("RGB", (WIDTH, 100), (255, 255, 255))
    style.draw(image, (MARGIN, 20), "😀")
    colours = {image.getpixel((x, y)) for x in range(MARGIN, MARGIN + 48) for y in range(20, 80)}
    assert any(r > 200 and g > 150 and b < 100 for r, g, b in colours)  # the yellow face


def test_without_an_emoji_font_emoji_are_left_out_not_boxes(monkeypatch):
    monkeypatch.setattr(drawtext, "emoji_font_path", lambda: None)
    style = TextStyle(48)
    assert [face.bitmap for face in style.faces] == [False]
    title = "🇨🇳我和我的祖国👨\u200d👩\u200d👧❤️🎉"
    fitted = style.fit(title)
    assert fitted == "我和我的祖国"
    (face,) = style.faces
    assert all(face.has(cluster[0]) for cluster in clusters(fitted))
    assert not face.has("🎉")


def test_a_long_speaker_line_wraps_too():
    style = TextStyle(32)
    lines = style.wrap(f"主讲：{SPEAKER}", width=TEXT_WIDTH, max_lines=2)
    assert_fits(style, lines, 2)
    assert len(lines) == 2 and lines[-1].endswith(ELLIPSIS)


@pytest.mark.django_db
def test_the_poster_keeps_long_text_inside_the_canvas(county):
    lesson = published_lesson(
        org=county.branch_a1,
        author=county.member_a1.user,
        title=TITLE_120[:80],
        speaker_name=SPEAKER[:50],
        summary="讲述一名老矿工三十年坚守安全生产一线的故事，以及他带出的年轻队伍。" * 3,
    )
    image = Image.open(io.BytesIO(poster.lesson_poster_png(lesson, "http://testserver/l/1/")))
    assert image.size == (WIDTH, HEIGHT)
    image = image.convert("RGB")
    right = range(WIDTH - MARGIN + 2, WIDTH)
    # Nothing drawn in the right margin: the red band, then the text block above the code.
    assert {image.getpixel((x, y)) for x in right for y in range(0, 301)} == {RED}
    background = image.getpixel((WIDTH - 1, 330))
    assert {image.getpixel((x, y)) for x in right for y in range(301, 555)} == {background}
