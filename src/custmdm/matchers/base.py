"""Comparison levels as vectorised kernels over aligned arrays of pairs.

Every level kind is a kernel ``(left, right) -> bool ndarray`` over whole
columns; a comparison assigns each pair the index of the first level that
holds, ``-1`` (null) when either side is missing and ``len(levels)`` (else)
when none holds. Fuzzy kernels run once per *distinct* pair of values
(``rapidfuzz.process.cpdist`` with ``workers=-1``), never in a Python loop
per pair.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler, Levenshtein

from custmdm.config import (
    Comparison,
    DateTypoLevel,
    ExactLevel,
    InitialLevel,
    JaroWinklerLevel,
    LevenshteinLevel,
    NicknameLevel,
    SharedValueLevel,
    TokenSetLevel,
)

NULL_LEVEL = -1


@dataclass(eq=False)
class EncodedColumn:
    """A prepared column as distinct values plus one code per record (-1 = missing)."""

    codes: np.ndarray  # int32 (int64 beyond 2**31 distinct values), per record
    uniques: np.ndarray  # object array of str

    @classmethod
    def from_values(cls, values: pd.Series | np.ndarray) -> EncodedColumn:
        codes, uniques = pd.factorize(pd.Series(values, copy=False), use_na_sentinel=True)
        # int32 codes halve the memory of every encoded column (kernels widen where needed)
        code_type = np.int32 if len(uniques) < np.iinfo(np.int32).max else np.int64
        return cls(np.asarray(codes, dtype=code_type), np.asarray(uniques, dtype=object))

    @cached_property
    def lengths(self) -> np.ndarray:
        """Length of each distinct value."""
        return np.fromiter((len(u) for u in self.uniques), dtype=np.int64, count=len(self.uniques))

    @cached_property
    def first_chars(self) -> np.ndarray:
        """Code point of each distinct value's first character (-1 when empty)."""
        return np.fromiter(
            (ord(u[0]) if u else -1 for u in self.uniques), dtype=np.int64, count=len(self.uniques)
        )

    @cached_property
    def is_initial(self) -> np.ndarray:
        """Whether each distinct value is only an initial ("i." or a single letter)."""
        return np.fromiter(
            (len(u) == 1 or (len(u) == 2 and u.endswith(".")) for u in self.uniques),
            dtype=bool,
            count=len(self.uniques),
        )

    @cached_property
    def is_multi(self) -> np.ndarray:
        """Whether each distinct value holds several '|'-joined values."""
        return np.fromiter(("|" in u for u in self.uniques), dtype=bool, count=len(self.uniques))

    @cached_property
    def iso_date_parts(self) -> np.ndarray:
        """(year, month, day) per distinct ISO date value; -1 rows where not an ISO date."""
        out = np.full((len(self.uniques), 3), -1, dtype=np.int64)
        for k, u in enumerate(self.uniques):
            if (
                len(u) == 10
                and u[4] == "-"
                and u[7] == "-"
                and u[:4].isdigit()
                and u[5:7].isdigit()
                and u[8:].isdigit()
            ):
                out[k] = (int(u[:4]), int(u[5:7]), int(u[8:]))
        return out

    def counts(self) -> np.ndarray:
        valid = self.codes[self.codes >= 0]
        return np.bincount(valid, minlength=len(self.uniques))


def _on_distinct(
    kernel: Callable[[np.ndarray, np.ndarray], np.ndarray],
    col: EncodedColumn,
    lc: np.ndarray,
    rc: np.ndarray,
) -> np.ndarray:
    """Run a kernel once per distinct (left, right) value pair and spread the result."""
    # symmetric kernels: order each pair so (a, b) and (b, a) share one evaluation
    lo = np.minimum(lc, rc).astype(np.int64, copy=False)
    hi = np.maximum(lc, rc).astype(np.int64, copy=False)
    n = max(len(col.uniques), 1)
    key = lo * n + hi
    # hash-based factorize: O(n), unlike the sort inside np.unique
    inverse, uniq = pd.factorize(key)
    ul = col.uniques[uniq // n]
    ur = col.uniques[uniq % n]
    return np.asarray(kernel(ul, ur))[inverse]


#: Similarity or distance measures behind the fuzzy levels, computed in C++ by rapidfuzz.
_MEASURES: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "jaro_winkler": lambda a, b: process.cpdist(
        list(a), list(b), scorer=JaroWinkler.normalized_similarity, workers=-1
    ),
    "token_set": lambda a, b: (
        process.cpdist(list(a), list(b), scorer=fuzz.token_set_ratio, workers=-1) / 100.0
    ),
    "levenshtein": lambda a, b: process.cpdist(
        list(a), list(b), scorer=Levenshtein.distance, workers=-1, dtype=np.int32
    ),
    "damerau": lambda a, b: process.cpdist(
        list(a), list(b), scorer=DamerauLevenshtein.distance, workers=-1, dtype=np.int32
    ),
}


def _measure_and_test(level: object) -> tuple[str, Callable[[np.ndarray], np.ndarray]]:
    """The measure a fuzzy level needs and how the level tests it."""
    if isinstance(level, JaroWinklerLevel):
        t = level.threshold
        return "jaro_winkler", lambda v: v >= t - 1e-12
    if isinstance(level, TokenSetLevel):
        t = level.threshold
        return "token_set", lambda v: v >= t - 1e-12
    if isinstance(level, LevenshteinLevel):
        d = level.max_distance
        return ("damerau" if level.transpositions else "levenshtein"), lambda v: v <= d
    msg = f"no measure for level kind {getattr(level, 'kind', type(level).__name__)!r}"
    raise TypeError(msg)


def _initial(col: EncodedColumn, lc: np.ndarray, rc: np.ndarray) -> np.ndarray:
    """One side is only an initial and it is the other's first letter.

    Values are a letter, with a trailing "." when the record holds only the initial
    (the ``*_initial`` columns of the prepared table); a plain single-letter value
    also counts as an initial.
    """
    initial = col.is_initial
    either = initial[lc] | initial[rc]
    return either & (col.first_chars[lc] == col.first_chars[rc])


def _date_typo(col: EncodedColumn, lc: np.ndarray, rc: np.ndarray) -> np.ndarray:
    """ISO dates one digit apart, or with day and month swapped."""
    one_edit = _on_distinct(_MEASURES["levenshtein"], col, lc, rc) <= 1
    pl, pr = col.iso_date_parts[lc], col.iso_date_parts[rc]
    swapped = (
        (pl[:, 0] >= 0) & (pl[:, 0] == pr[:, 0]) & (pl[:, 1] == pr[:, 2]) & (pl[:, 2] == pr[:, 1])
    )
    return one_edit | swapped


def _shared_value(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.zeros(len(a), dtype=bool)
    for k, (x, y) in enumerate(zip(a, b, strict=True)):
        out[k] = not set(x.split("|")).isdisjoint(y.split("|"))
    return out


def _nickname(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    from custmdm.normalise.nicknames import nickname_match

    return np.asarray(nickname_match(a, b), dtype=bool)


class LevelEvaluator:
    """Computes comparison levels for pairs of rows of a prepared table."""

    def __init__(self, table: pd.DataFrame, comparisons: Sequence[Comparison]) -> None:
        self.comparisons = list(comparisons)
        needed = set()
        for comp in self.comparisons:
            needed.add(comp.column)
            for level in comp.levels:
                if level.column:
                    needed.add(level.column)
        unknown = sorted(needed - set(table.columns))
        if unknown:
            from custmdm.exceptions import ConfigError

            msg = f"comparisons use unknown column(s) {unknown}"
            raise ConfigError(msg)
        self.columns = {
            name: EncodedColumn.from_values(table[name].to_numpy()) for name in sorted(needed)
        }

    def levels(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """Level per pair and comparison, shape (n_pairs, n_comparisons), int8."""
        out = np.empty((left.size, len(self.comparisons)), dtype=np.int8)
        for c, comp in enumerate(self.comparisons):
            out[:, c] = self._comparison_levels(comp, left, right)
        return out

    def _comparison_levels(
        self, comp: Comparison, left: np.ndarray, right: np.ndarray
    ) -> np.ndarray:
        base = self.columns[comp.column]
        lc, rc = base.codes[left], base.codes[right]
        result = np.full(left.size, len(comp.levels), dtype=np.int8)
        null = (lc < 0) | (rc < 0)
        result[null] = NULL_LEVEL
        undecided = np.flatnonzero(~null)
        # levels of one measure on one column (JW >= 0.92, then >= 0.8) share one computation
        cache: dict[tuple[str, str], np.ndarray] = {}
        for k, level in enumerate(comp.levels):
            if undecided.size == 0:
                break
            colname = level.column or comp.column
            col = self.columns[colname]
            cl, cr = col.codes[left[undecided]], col.codes[right[undecided]]
            present = (cl >= 0) & (cr >= 0)
            hit = np.zeros(undecided.size, dtype=bool)
            if isinstance(level, ExactLevel):
                hit = present & (cl == cr)
            elif present.any():
                idx = np.flatnonzero(present)
                if isinstance(level, InitialLevel):
                    hit[idx] = _initial(col, cl[idx], cr[idx])
                elif isinstance(level, DateTypoLevel):
                    hit[idx] = _date_typo(col, cl[idx], cr[idx])
                elif isinstance(level, SharedValueLevel):
                    # single values share one only if equal; only multi-valued pairs need sets
                    multi = idx[col.is_multi[cl[idx]] | col.is_multi[cr[idx]]]
                    hit[idx] = cl[idx] == cr[idx]
                    if multi.size:
                        hit[multi] = _on_distinct(_shared_value, col, cl[multi], cr[multi])
                elif isinstance(level, NicknameLevel):
                    hit[idx] = _on_distinct(_nickname, col, cl[idx], cr[idx])
                else:
                    name, test = _measure_and_test(level)
                    values = cache.setdefault((name, colname), np.full(left.size, np.nan))
                    rows = undecided[idx]
                    todo = rows[np.isnan(values[rows])]
                    if todo.size:
                        values[todo] = _on_distinct(
                            _MEASURES[name], col, col.codes[left[todo]], col.codes[right[todo]]
                        )
                    hit[idx] = test(values[rows])
            result[undecided[hit]] = k
            undecided = undecided[~hit]
        return result


def pair_levels(
    left: pd.DataFrame, right: pd.DataFrame, comparisons: Sequence[Comparison]
) -> np.ndarray:
    """Levels of aligned pair rows: pair *k* is ``left.iloc[k]`` against ``right.iloc[k]``.

    For engines that ship pairs with their records' values (the Spark engine, one Arrow
    batch at a time): the two sides are stacked into one small table and passed through
    :class:`LevelEvaluator`, so the levels are exactly those of the full table. Both frames
    need every column the comparisons read.
    """
    n = len(left)
    if len(right) != n:
        msg = f"pair_levels needs aligned sides; got {n} left and {len(right)} right rows"
        raise ValueError(msg)
    stacked = pd.concat(
        [left.reset_index(drop=True), right.reset_index(drop=True)], ignore_index=True
    )
    positions = np.arange(n, dtype=np.int64)
    return LevelEvaluator(stacked, comparisons).levels(positions, positions + n)
