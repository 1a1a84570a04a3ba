"""Finding sensitive words with an Aho–Corasick automaton (pyahocorasick).

The automaton is built once per process from the active words and rebuilt when the word
list changes anywhere (a version number in the shared cache), so a word added in the admin
applies on every web server within seconds. 10,000 words build in ~43 ms; a 200-character
comment scans in ~0.1 ms (field notes).
"""

from __future__ import annotations

import threading
import unicodedata

import ahocorasick
import zhconv
from django.core.cache import cache

from xianfeng.common.text import visible_only
from xianfeng.moderation.models import SensitiveWord

VERSION_KEY = "moderation:words-version"
_lock = threading.Lock()
_state: dict[str, object] = {"version": None, "automaton": None, "built": False}


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, traditional characters as simplified (zhconv),
    and only what a reader sees (no spaces, zero-width or other invisible characters):
    赌 博, 賭博, 赌\u200b博 and ＳＢ all match their word."""
    folded = unicodedata.normalize("NFKC", text).lower()
    if not folded.isascii():
        folded = zhconv.convert(folded, "zh-cn")
    return visible_only(folded)


def bump_version() -> None:
    _state["built"] = False  # this process rebuilds at once; the others at the new version
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 1, None)


def _build() -> ahocorasick.Automaton | None:

    automaton = ahocorasick.Automaton()
    count = 0
    for word in SensitiveWord.objects.filter(is_active=True).values_list("word", flat=True):
        key = normalise(word)
        if key:
            automaton.add_word(key, word)
            count += 1
    if not count:
        return None
    automaton.make_automaton()
    return automaton


def find_words(text: str) -> list[str]:
    """The sensitive words in `text`, each once, in order of first appearance."""
    if not text:
        return []
    version = cache.get(VERSION_KEY, 0)
    with _lock:
        if not _state["built"] or _state["version"] != version:
            _state["automaton"] = _build()
            _state["version"] = version
            _state["built"] = True
        automaton = _state["automaton"]
    if automaton is None:
        return []
    found: list[str] = []
    for _end, word in automaton.iter(normalise(text)):  # type: ignore[attr-defined]
        if word not in found:
            found.append(word)
    return found
