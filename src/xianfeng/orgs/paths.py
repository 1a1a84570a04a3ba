"""Materialised paths: each org's path is its ancestors' ids and its own, 8 digits each.

"00000001" is the root with id 1; "0000000100000007" its child with id 7. A subtree is one
range on an indexed column, [path, path with its last segment + 1), which a B-tree answers
in one seek at any depth on SQLite and PostgreSQL alike. Digits only, so every collation
orders paths the same way (PostgreSQL's locale collations ignore punctuation).
"""

from __future__ import annotations

from collections.abc import Iterable

SEGMENT = 8
MAX_ID = 10**SEGMENT - 1


def segment(pk: int) -> str:
    if not 0 < pk <= MAX_ID:
        raise ValueError(f"org id {pk} does not fit in a path segment")
    return f"{pk:0{SEGMENT}d}"


def child_path(parent_path: str, pk: int) -> str:
    return parent_path + segment(pk)


def upper_bound(path: str) -> str:
    """The first path after every path that starts with `path`."""
    head, last = path[:-SEGMENT], int(path[-SEGMENT:])
    return head + f"{last + 1:0{SEGMENT}d}"


def ancestor_paths(path: str) -> list[str]:
    """The path of every ancestor, root first, and the org's own last."""
    return [path[:end] for end in range(SEGMENT, len(path) + 1, SEGMENT)]


def depth_of(path: str) -> int:
    return len(path) // SEGMENT - 1


def ids_in(path: str) -> list[int]:
    return [int(path[i : i + SEGMENT]) for i in range(0, len(path), SEGMENT)]


def is_within(path: str, root_path: str) -> bool:
    return path.startswith(root_path)


def outermost(paths: Iterable[str]) -> list[str]:
    """Drop every path that lies inside another one in the list."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not kept or not path.startswith(kept[-1]):
            kept.append(path)
    return kept
