"""Watching honestly: the union of watched sections over the duration.

A player reports sections [start, end] it actually played. Completion is the measure of
their union inside [0, duration]: seeking to the end adds nothing, watching a part twice
counts it once, and since a union only grows, progress never goes backwards.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

Section = tuple[float, float]


def clean(sections: Iterable[Sequence[float]], duration: float) -> list[Section]:
    """Valid sections clipped to [0, duration]; reversed, empty or non-finite ones dropped."""
    out: list[Section] = []
    limit = max(0.0, float(duration))
    for pair in sections:
        if len(pair) != 2:
            continue
        start, end = float(pair[0]), float(pair[1])
        if not (math.isfinite(start) and math.isfinite(end)):
            continue
        start, end = max(0.0, start), min(limit, end)
        if end > start:
            out.append((start, end))
    return out


def merge(
    existing: Iterable[Sequence[float]], new: Iterable[Sequence[float]], duration: float
) -> list[Section]:
    """The union of two lists of sections, sorted and non-overlapping, clipped to duration."""
    items = sorted(clean(existing, duration) + clean(new, duration))
    merged: list[Section] = []
    for start, end in items:
        if merged and start <= merged[-1][1]:
            last_start, last_end = merged[-1]
            merged[-1] = (last_start, max(last_end, end))
        else:
            merged.append((start, end))
    return [(round(s, 3), round(e, 3)) for s, e in merged]


def covered(sections: Iterable[Section]) -> float:
    """Seconds covered by already-merged sections."""
    return round(sum(end - start for start, end in sections), 3)


def share(sections: Iterable[Section], duration: float) -> float:
    """Covered share of the duration, 0.0–1.0."""
    if duration <= 0:
        return 0.0
    return min(1.0, covered(sections) / duration)
