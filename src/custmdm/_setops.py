"""Small sets of integer codes per row, and set tests over many row pairs at once.

Kernels that ask "do these two values share a member?" (multi-valued phones, nickname
groups) would otherwise build a Python ``set`` per pair. Here each row's set is built once,
as a slice of one member array (compressed rows), and the test for a whole array of pairs
is a handful of numpy operations.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RowSets:
    """A set of non-negative integer codes per row: row ``r`` holds
    ``members[starts[r]:starts[r + 1]]`` (distinct, in any order)."""

    starts: np.ndarray  # int64, one more than there are rows
    members: np.ndarray  # int64

    @classmethod
    def of(cls, sets: Iterable[Iterable[int]]) -> RowSets:
        """Rows from an iterable of member iterables (duplicates within a row are dropped)."""
        rows = [sorted(set(s)) for s in sets]
        sizes = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
        starts = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(sizes, out=starts[1:])
        members = np.fromiter((m for r in rows for m in r), dtype=np.int64, count=int(starts[-1]))
        return cls(starts, members)

    @property
    def width(self) -> int:
        """One more than the largest member (at least 1)."""
        return int(self.members.max()) + 1 if self.members.size else 1

    def keys(self, width: int) -> np.ndarray:
        """Sorted ``row * width + member`` of every membership."""
        rows = np.repeat(np.arange(len(self.starts) - 1, dtype=np.int64), np.diff(self.starts))
        return np.sort(rows * width + self.members)

    def explode(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(pair, member)`` for every member of the set of each of ``rows``."""
        rows = np.asarray(rows, dtype=np.int64)
        sizes = self.starts[rows + 1] - self.starts[rows]
        pair = np.repeat(np.arange(rows.size, dtype=np.int64), sizes)
        first = np.cumsum(sizes) - sizes  # where each pair's members start in the output
        offset = np.arange(pair.size, dtype=np.int64) - first[pair]
        return pair, self.members[self.starts[rows][pair] + offset]


def contains(keys: np.ndarray, width: int, rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Whether ``values[k]`` is a member of the set of ``rows[k]``; ``keys`` from
    :meth:`RowSets.keys` with the same ``width``. Negative values belong to no set."""
    rows = np.asarray(rows, dtype=np.int64)
    values = np.asarray(values, dtype=np.int64)
    ok = (values >= 0) & (values < width)
    out = np.zeros(rows.size, dtype=bool)
    out[ok] = _in_sorted(rows[ok] * width + values[ok], keys)
    return out


def any_shared(
    left_sets: RowSets, left: np.ndarray, keys: np.ndarray, width: int, right: np.ndarray
) -> np.ndarray:
    """Whether the set of ``left[k]`` (in ``left_sets``) and the set of ``right[k]`` (whose
    memberships are ``keys`` with ``width``) share a member, for every ``k``."""
    pair, member = left_sets.explode(left)
    hit = contains(keys, width, np.asarray(right, dtype=np.int64)[pair], member)
    out = np.zeros(len(left), dtype=bool)
    out[pair[hit]] = True
    return out


def _in_sorted(values: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    if sorted_keys.size == 0:
        return np.zeros(values.size, dtype=bool)
    pos = np.minimum(np.searchsorted(sorted_keys, values), sorted_keys.size - 1)
    return np.asarray(sorted_keys[pos] == values)
