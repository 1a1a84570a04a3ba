"""Drawing a paper and grading it: pure functions over plain data.

A paper item, frozen on the attempt when it starts:

    {"qid": 12, "kind": "multiple", "stem": "…", "options": ["…", "…", "…"],
     "key": ["A", "C"], "explanation": "…", "points": 2}

`options` are in the order this person sees them (shuffled per person), and `key` names the
correct ones by the letters shown. `public_item` is what leaves the server before the
attempt is submitted: no key, no explanation.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import Any

from xianfeng.common.errors import Refused
from xianfeng.study.bank import LETTERS, normalize_blank
from xianfeng.study.enums import QuestionKind

DEFAULT_POINTS: dict[str, int] = {
    QuestionKind.SINGLE: 2,
    QuestionKind.MULTIPLE: 3,
    QuestionKind.JUDGE: 1,
    QuestionKind.BLANK: 2,
}
MAX_BLANK_CHARS = 100


def make_item(question: Any, *, rng: random.Random, shuffle: bool, points: int) -> dict[str, Any]:
    options = list(question.options)
    key = list(question.answer)
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        order = list(range(len(options)))
        if shuffle:
            rng.shuffle(order)
        correct = {LETTERS.index(letter) for letter in key}
        options = [question.options[i] for i in order]
        key = sorted(LETTERS[shown] for shown, original in enumerate(order) if original in correct)
    return {
        "qid": question.pk,
        "kind": question.kind,
        "stem": question.stem,
        "options": options,
        "key": key,
        "explanation": question.explanation,
        "points": points,
    }


def draw(
    pool: Sequence[Any],
    spec: dict[str, Any],
    *,
    rng: random.Random,
    shuffle: bool,
    points: dict[str, int],
) -> list[dict[str, Any]]:
    """The paper for one person: a fixed list of questions, or so many of each kind (per
    tag) drawn at random from `pool`; the questions' order shuffled when asked."""
    by_id = {q.pk: q for q in pool}
    chosen: list[Any] = []
    if "fixed" in spec:
        chosen = [by_id[i] for i in spec["fixed"] if i in by_id]
    else:
        used: set[int] = set()
        for rule in spec.get("rules", []):
            fits = [
                q
                for q in pool
                if q.kind == rule.get("kind", q.kind)
                and (not rule.get("tag") or rule["tag"] in q.tags)
                and q.pk not in used
            ]
            fits.sort(key=lambda q: q.pk)
            picked = rng.sample(fits, min(int(rule.get("count", 0)), len(fits)))
            used |= {q.pk for q in picked}
            chosen += picked
    if shuffle:
        rng.shuffle(chosen)
    return [
        make_item(q, rng=rng, shuffle=shuffle, points=points.get(q.kind, DEFAULT_POINTS[q.kind]))
        for q in chosen
    ]


def public_item(item: dict[str, Any], position: int) -> dict[str, Any]:
    """What the page and the API show before submission: never the key or explanation."""
    return {
        "position": position,
        "kind": item["kind"],
        "stem": item["stem"],
        "options": list(item["options"]),
        "points": item["points"],
    }


def clean_response(item: dict[str, Any], response: Iterable[Any]) -> list[str]:
    """A person's answer in its stored form, or a Chinese refusal."""
    values = [str(v) for v in response]
    kind = item["kind"]
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        shown = LETTERS[: len(item["options"])]
        letters = sorted({v.strip().upper() for v in values if v.strip()})
        if any(letter not in shown for letter in letters):
            raise Refused(f"请从 {shown[0]}–{shown[-1]} 中选择", field="response")
        if kind == QuestionKind.SINGLE and len(letters) > 1:
            raise Refused("单选题只能选一个答案", field="response")
        return letters
    if kind == QuestionKind.JUDGE:
        picked = [v.strip().upper() for v in values if v.strip()]
        if picked and (len(picked) > 1 or picked[0] not in ("T", "F")):
            raise Refused("判断题请选择“对”或“错”", field="response")
        return picked
    text = " ".join(v.strip() for v in values).strip()
    if len(text) > MAX_BLANK_CHARS:
        raise Refused(f"填空的答案最多 {MAX_BLANK_CHARS} 个字", field="response")
    return [text] if text else []


def is_correct(item: dict[str, Any], response: Sequence[str]) -> bool:
    if not response:
        return False
    if item["kind"] == QuestionKind.BLANK:
        accepted = {normalize_blank(a) for a in item["key"]}
        return normalize_blank(response[0]) in accepted
    return sorted(response) == sorted(item["key"])


def key_text(item: dict[str, Any]) -> str:
    if item["kind"] == QuestionKind.JUDGE:
        return "对" if item["key"] == ["T"] else "错"
    if item["kind"] == QuestionKind.BLANK:
        return " 或 ".join(item["key"])
    return "".join(item["key"])


def response_text(item: dict[str, Any], response: Sequence[str]) -> str:
    if not response:
        return "未作答"
    if item["kind"] == QuestionKind.JUDGE:
        return "对" if response == ["T"] else "错"
    return "".join(response) if item["kind"] != QuestionKind.BLANK else response[0]
