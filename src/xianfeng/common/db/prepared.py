"""A cursor whose statements PostgreSQL plans once per connection (a prepared statement).

Django binds parameters on the client and never prepares (its psycopg connections have
prepare_threshold None, for PgBouncer's sake), so PostgreSQL parses and plans each
statement anew. For a hot statement of several parts that is most of its cost: the
terminals' heartbeat (one statement: the token, the day row, the site, the device) took
~470 µs of PostgreSQL's CPU a beat planned each time and ~150 µs prepared.

Only where preparing pays and is safe: PostgreSQL, a connection that is kept
(CONN_MAX_AGE ≠ 0: a statement prepared on a connection used once is a round trip lost;
and behind PgBouncer in transaction mode, docs/deploy.md, connections are not kept) and
settings.DB_PREPARED_STATEMENTS on (XF_DB_PREPARED=0 for a pooler that does not carry
prepared statements), and not while queries are logged (DEBUG, a test capturing them).
Everywhere else it is Django's own cursor. Either way the statement passes Django's
execute wrappers (the page cache's write watch) and its error translation.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection

# Prepares only what asks for it (PreparedCursor); a threshold of None would refuse even
# that, and a small one would prepare every statement of a server-side-binding cursor.
_ONLY_WHEN_ASKED = 2**31


def _prepared_cursor_class() -> type:
    import psycopg

    class PreparedCursor(psycopg.Cursor):
        """Server-side binding; each statement prepared on first use, kept per connection
        (psycopg keeps the newest 100)."""

        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            return super().execute(query, params, prepare=True)

    return PreparedCursor


_cursor_class: type | None = None


def prepares() -> bool:
    """Whether prepared_cursor() prepares on this connection."""
    return bool(
        connection.vendor == "postgresql"
        and settings.DB_PREPARED_STATEMENTS
        and connection.settings_dict.get("CONN_MAX_AGE") != 0
    )


def prepared_cursor() -> Any:
    """A cursor (a context manager, like connection.cursor()) that prepares its
    statements where that pays (module docstring); Django's cursor elsewhere."""
    global _cursor_class
    if not prepares() or connection.queries_logged:
        # Logged (DEBUG, a test capturing queries): Django's cursor, whose log shows the
        # statement (psycopg keeps no text of a prepared one for Django to log).
        return connection.cursor()
    # What connection.cursor() does before handing out a cursor, then the same wrapping.
    connection.validate_thread_sharing()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        raw.prepare_threshold = _ONLY_WHEN_ASKED
    if _cursor_class is None:
        _cursor_class = _prepared_cursor_class()
    with connection.wrap_database_errors:
        cursor = _cursor_class(raw)
    return connection.make_cursor(cursor)
