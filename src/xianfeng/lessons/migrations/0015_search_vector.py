"""PostgreSQL keeps each lesson's tsvector (a stored generated column) instead of an index
on the expression: ranking a page of matches (ts_rank) and checking a row's match then
read the stored vector, where the expression re-cut the tokens each time (~17 µs a row:
17 ms to rank a window of 1,001). SQLite's FTS5 table is unchanged. The model does not
declare the column: PostgreSQL writes it from `search_text` (lessons/search.py)."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "ALTER TABLE lessons_lesson ADD COLUMN IF NOT EXISTS search_vector tsvector "
        "GENERATED ALWAYS AS (to_tsvector('simple', search_text)) STORED"
    )
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS lesson_search_vector_gin ON lessons_lesson "
        "USING GIN (search_vector)"
    )
    schema_editor.execute("DROP INDEX IF EXISTS lesson_search_gin")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS lesson_search_gin ON lessons_lesson "
        "USING GIN (to_tsvector('simple', search_text))"
    )
    schema_editor.execute("DROP INDEX IF EXISTS lesson_search_vector_gin")
    schema_editor.execute("ALTER TABLE lessons_lesson DROP COLUMN IF EXISTS search_vector")


class Migration(migrations.Migration):
    dependencies = [("lessons", "0014_lesson_versions_tour_stop_version")]
    operations = [migrations.RunPython(create, drop)]
