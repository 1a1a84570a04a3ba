"""Rows per table and a checksum per table, read through a plain DB-API cursor.

The checksum is a multiset hash (the sum of a SHA-256 per row, modulo 2**128): it needs no
ORDER BY, streams any table, and two databases agree on it exactly when they hold the same
rows. The same function reads the snapshot at backup time and the database after a
restore, so a restore is checked against the manifest row for row.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
from typing import Any

MOD = 2**128
BATCH = 2000


def _text(value: Any) -> str:
    if value is None:
        return "\x00"
    if isinstance(value, memoryview):
        value = bytes(value)
    if isinstance(value, bytes):
        return "b:" + value.hex()
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value.normalize())
    return repr(value)


def row_digest(row: tuple[Any, ...]) -> int:
    data = "\x1f".join(_text(v) for v in row).encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.sha256(data).digest()[:16], "big")


def sqlite_tables(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    )
    return [name for (name,) in cursor.fetchall()]


def postgres_tables(cursor: Any) -> list[str]:
    cursor.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
    )
    return [name for (name,) in cursor.fetchall()]


def quote(vendor: str, name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def table_stats(cursor: Any, vendor: str) -> dict[str, dict[str, Any]]:
    """{table: {"rows": n, "checksum": hex}} for every table of the database."""
    tables = sqlite_tables(cursor) if vendor == "sqlite" else postgres_tables(cursor)
    stats: dict[str, dict[str, Any]] = {}
    for table in tables:
        cursor.execute(f"SELECT * FROM {quote(vendor, table)}")  # noqa: S608 (a table name from the catalogue)
        rows, total = 0, 0
        while batch := cursor.fetchmany(BATCH):
            for row in batch:
                total = (total + row_digest(tuple(row))) % MOD
            rows += len(batch)
        stats[table] = {"rows": rows, "checksum": f"{total:032x}"}
    return stats


def applied_migrations(cursor: Any, vendor: str) -> dict[str, list[str]]:
    """{app: [migration names]} as the database's django_migrations records them."""
    tables = sqlite_tables(cursor) if vendor == "sqlite" else postgres_tables(cursor)
    if "django_migrations" not in tables:
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def differences(
    expected: dict[str, dict[str, Any]], actual: dict[str, dict[str, Any]]
) -> list[str]:
    """Chinese lines naming each table whose rows differ; empty when all agree."""
    lines = []
    for table in sorted(set(expected) | set(actual)):
        want, got = expected.get(table), actual.get(table)
        if want is None:
            lines.append(f"表 {table} 不在备份清单中")
        elif got is None:
            lines.append(f"表 {table} 在恢复后的数据库中不存在")
        elif want != got:
            lines.append(
                f"表 {table}：应有 {want['rows']} 行（校验 {want['checksum'][:12]}），"
                f"实有 {got['rows']} 行（校验 {got['checksum'][:12]}）"
            )
    return lines
