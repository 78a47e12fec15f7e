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

StringKernel = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass
class EncodedColumn:
    """A prepared column as distinct values plus one code per record (-1 = missing)."""

    codes: np.ndarray  # int64, per record
    uniques: np.ndarray  # object array of str

    @classmethod
    def from_values(cls, values: pd.Series | np.ndarray) -> EncodedColumn:
        codes, uniques = pd.factorize(pd.Series(values, copy=False), use_na_sentinel=True)
        return cls(np.asarray(codes, dtype=np.int64), np.asarray(uniques, dtype=object))

    def counts(self) -> np.ndarray:
        valid = self.codes[self.codes >= 0]
        return np.bincount(valid, minlength=len(self.uniques))


def _on_distinct(
    kernel: StringKernel, col: EncodedColumn, lc: np.ndarray, rc: np.ndarray
) -> np.ndarray:
    """Run a kernel once per distinct (left, right) value pair and spread the result."""
    # symmetric kernels: order each pair so (a, b) and (b, a) share one evaluation
    lo = np.minimum(lc, rc)
    hi = np.maximum(lc, rc)
    n = max(len(col.uniques), 1)
    key = lo * n + hi
    uniq, inverse = np.unique(key, return_inverse=True)
    ul = col.uniques[uniq // n]
    ur = col.uniques[uniq % n]
    return np.asarray(kernel(ul, ur), dtype=bool)[inverse]


def _jaro_winkler(threshold: float) -> StringKernel:
    def kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        sim = process.cpdist(list(a), list(b), scorer=JaroWinkler.normalized_similarity, workers=-1)
        return np.asarray(sim) >= threshold - 1e-12

    return kernel


def _token_set(threshold: float) -> StringKernel:
    def kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        sim = process.cpdist(list(a), list(b), scorer=fuzz.token_set_ratio, workers=-1)
        return np.asarray(sim) / 100.0 >= threshold - 1e-12

    return kernel


def _levenshtein(max_distance: int, transpositions: bool) -> StringKernel:
    scorer = DamerauLevenshtein.distance if transpositions else Levenshtein.distance

    def kernel(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        dist = process.cpdist(list(a), list(b), scorer=scorer, workers=-1, dtype=np.int32)
        return np.asarray(dist) <= max_distance

    return kernel


def _initial(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.zeros(len(a), dtype=bool)
    for k, (x, y) in enumerate(zip(a, b, strict=True)):
        if (len(x) == 1 or len(y) == 1) and x[:1] == y[:1]:
            out[k] = True
    return out


def _date_typo(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """ISO dates one digit apart, or with day and month swapped."""
    dist = process.cpdist(list(a), list(b), scorer=Levenshtein.distance, workers=-1, dtype=np.int32)
    out = np.asarray(dist) <= 1
    for k, (x, y) in enumerate(zip(a, b, strict=True)):
        if not out[k] and len(x) == 10 and len(y) == 10 and x[:4] == y[:4]:
            out[k] = x[5:7] == y[8:10] and x[8:10] == y[5:7]
    return out


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
        for k, level in enumerate(comp.levels):
            if undecided.size == 0:
                break
            col = self.columns[level.column] if level.column else base
            cl, cr = col.codes[left[undecided]], col.codes[right[undecided]]
            present = (cl >= 0) & (cr >= 0)
            hit = np.zeros(undecided.size, dtype=bool)
            if isinstance(level, ExactLevel):
                hit = present & (cl == cr)
            elif present.any():
                kernel = _kernel_for(level)
                idx = np.flatnonzero(present)
                hit[idx] = _on_distinct(kernel, col, cl[idx], cr[idx])
            result[undecided[hit]] = k
            undecided = undecided[~hit]
        return result


def _kernel_for(level: object) -> StringKernel:
    if isinstance(level, JaroWinklerLevel):
        return _jaro_winkler(level.threshold)
    if isinstance(level, TokenSetLevel):
        return _token_set(level.threshold)
    if isinstance(level, LevenshteinLevel):
        return _levenshtein(level.max_distance, level.transpositions)
    if isinstance(level, InitialLevel):
        return _initial
    if isinstance(level, DateTypoLevel):
        return _date_typo
    if isinstance(level, SharedValueLevel):
        return _shared_value
    if isinstance(level, NicknameLevel):
        return _nickname
    msg = f"no kernel for level kind {getattr(level, 'kind', type(level).__name__)!r}"
    raise TypeError(msg)
