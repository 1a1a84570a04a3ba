"""Chinese search over lessons: rjieba tokens, an FTS5 table on SQLite, a stored, GIN-indexed
tsvector column on PostgreSQL (`search_vector`, generated from `search_text` by the
database: migration 0015; neither has a Chinese parser, both index our tokens).

Indexing uses the search-engine cut (more, overlapping tokens, for recall); a query is cut
precisely and every token must match (AND), so "党史 学习" finds lessons with both.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import rjieba
from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from xianfeng.lessons.models import Lesson as LessonModel

if TYPE_CHECKING:
    from xianfeng.lessons.models import Lesson

_WORD = re.compile(r"[\w\u3400-\u9fff]", re.UNICODE)
FTS_TABLE = "lessons_lesson_fts"
# Fixed statements: the table name is ours, every value a bound parameter.
_FTS_DELETE = "DELETE FROM lessons_lesson_fts WHERE rowid = %s"
_FTS_INSERT = "INSERT INTO lessons_lesson_fts (rowid, body) VALUES (%s, %s)"
_FTS_MATCH = "SELECT rowid FROM lessons_lesson_fts WHERE lessons_lesson_fts MATCH %s"


def tokens_for_index(*texts: str) -> str:
    words: list[str] = []
    for text in texts:
        if text:
            words.extend(t.lower() for t in rjieba.cut_for_search(text) if _WORD.search(t))
    return " ".join(words)


def tokens_for_query(text: str) -> list[str]:
    seen: list[str] = []
    for token in rjieba.cut(text or ""):
        token = token.strip().lower()
        if token and _WORD.search(token) and token not in seen:
            seen.append(token)
    return seen[:12]


def lesson_text(lesson: Lesson) -> str:
    return tokens_for_index(
        lesson.title,
        lesson.summary,
        lesson.speaker_name,
        lesson.story,
        lesson.reflection,
        lesson.question,
    )


def index_lesson(lesson: Lesson) -> None:
    """Store the lesson's tokens (and, on SQLite, its FTS row). Call inside the service's
    transaction."""

    text = lesson_text(lesson)
    LessonModel.objects.filter(pk=lesson.pk).update(search_text=text)
    lesson.search_text = text
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(_FTS_DELETE, [lesson.pk])
            cursor.execute(_FTS_INSERT, [lesson.pk, text])


def unindex_lesson(lesson_id: int) -> None:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(_FTS_DELETE, [lesson_id])


def _sqlite_match(terms: list[str]) -> str:
    return " AND ".join('"' + t.replace('"', '""') + '"' for t in terms)


def _pg_tsquery(terms: list[str]) -> str:
    return " & ".join("'" + t.replace("'", "''").replace("\\", "") + "'" for t in terms)


def ranked_window(qs: QuerySet[Lesson], query: str, *, window: int) -> list[int]:
    """Ids of the lessons in `qs` matching every token of `query`, best match first: the
    newest `window` matches (by id) are taken, walked newest first where the index allows
    it so the database stops there, and ranked (bm25 on SQLite, ts_rank on PostgreSQL;
    ties newest first). Its cost follows `window`, not the table. A list that offers at
    most `window` results anyway (the bounded feed) loses nothing it would have shown but
    the oldest matches, which a narrower search reaches."""
    terms = tokens_for_query(query)
    if not terms:
        return []
    if connection.vendor == "sqlite":
        # FTS5 hands its rowids newest first and consumes the ORDER BY, so the scan stops
        # after `window` visible matches; `rank` (bm25) is computed for those rows only.
        rows = qs.extra(
            tables=["lessons_lesson_fts"],
            where=["lessons_lesson_fts.rowid = lessons_lesson.id", "lessons_lesson_fts MATCH %s"],
            params=[_sqlite_match(terms)],
            select={
                "search_rank": "lessons_lesson_fts.rank",
                "fts_rowid": "lessons_lesson_fts.rowid",
            },
            order_by=["-fts_rowid"],
        )
    elif connection.vendor == "postgresql":
        tsquery = _pg_tsquery(terms)
        rows = qs.extra(
            where=["lessons_lesson.search_vector @@ to_tsquery('simple', %s)"],
            params=[tsquery],
            select={
                "search_rank": "-ts_rank(lessons_lesson.search_vector, to_tsquery('simple', %s))"
            },
            select_params=[tsquery],
        ).order_by("-id")
        return _ranked(_pg_newest(rows, window))
    else:
        newest = filter_lessons(qs, query).order_by("-published_at", "-id")
        return list(newest.values_list("id", flat=True)[:window])
    return _ranked(list(rows.values_list("id", "search_rank")[:window]))


def _pg_newest(rows: QuerySet[Lesson], window: int) -> list[tuple[Any, ...]]:
    """PostgreSQL's GIN index hands matches in no order, so every match's row would be
    read to find the newest. Probing the newest ids first (a literal id bound the planner
    ANDs with the GIN bitmap) reads only their pages; a probe short of the window widens
    eightfold, and the last one has no bound."""
    top = LessonModel.objects.order_by("-id").values_list("id", flat=True).first() or 0
    span = window * 32
    while True:
        probe = rows.filter(id__gt=top - span) if span < top else rows
        found = list(probe.values_list("id", "search_rank")[:window])  # type: ignore[misc]
        if len(found) >= window or span >= top:
            return found
        # Widen to where the matches found so far say the window ends, with a margin.
        span = int(span * min(8.0, max(2.0, 1.5 * window / max(len(found), 1))))


def _ranked(found: list[tuple[Any, ...]]) -> list[int]:
    """Ids best match first (lowest rank), then newest (highest id)."""
    found.sort(key=lambda row: (row[1], -row[0]))
    return [row[0] for row in found]


def filter_lessons(qs: QuerySet[Lesson], query: str) -> QuerySet[Lesson]:
    """Lessons in `qs` matching every token of `query` (none when it has no words), in
    the queryset's own order (`ranked_window` gives the best matches first)."""
    terms = tokens_for_query(query)
    if not terms:
        return qs.none()
    if connection.vendor == "sqlite":
        return qs.filter(pk__in=RawSQL(_FTS_MATCH, [_sqlite_match(terms)]))  # noqa: S611
    if connection.vendor == "postgresql":
        return qs.extra(
            where=["lessons_lesson.search_vector @@ to_tsquery('simple', %s)"],
            params=[_pg_tsquery(terms)],
        )
    for term in terms:  # other databases: a plain scan
        qs = qs.filter(search_text__contains=term)
    return qs
