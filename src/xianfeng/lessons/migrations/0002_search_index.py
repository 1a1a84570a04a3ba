"""Full-text search over lessons' tokens: an FTS5 table on SQLite, a GIN expression index
on PostgreSQL (lessons/search.py)."""

from django.db import migrations


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS lessons_lesson_fts USING fts5(body, tokenize='unicode61')"
        )
    elif vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS lesson_search_gin ON lessons_lesson "
            "USING GIN (to_tsvector('simple', search_text))"
        )


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS lessons_lesson_fts")
    elif vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS lesson_search_gin")


class Migration(migrations.Migration):
    dependencies = [("lessons", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
