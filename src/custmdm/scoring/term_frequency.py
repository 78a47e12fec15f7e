"""Term-frequency adjustment: exact agreement on a common value counts less.

For a pair agreeing exactly on value *v* of a comparison with ``tf_adjust``,
the match weight moves by ``log2(u_exact / p_v)`` bits, where ``p_v`` is the
share of records carrying *v* and ``u_exact = Σ p_v²`` is the chance that two
random records agree on any value. Agreeing on "Smith" counts less than on
"Szczepański"; a phone shared by a whole shop counts little.

The tables are value counts, so every engine computes them the same way (a
``value_counts`` here, a ``groupBy().count()`` on Spark) and the adjustment is
one vectorised lookup per pair.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from custmdm.config import Comparison, ExactLevel

#: Largest shift a term-frequency adjustment may make, in bits, either way.
TF_ADJUSTMENT_LIMIT = 10.0


#: The full name as one value (first and last name keys, in either order).
FULL_NAME_COLUMN = "name_pair_key"
#: The comparisons whose joint exact agreement is adjusted by the full name's frequency.
FULL_NAME_PARTS = ("first_name", "last_name")


def tf_columns(comparisons: Sequence[Comparison], available: Sequence[str]) -> list[str]:
    """Every column whose value counts the adjustments need, in a fixed order."""
    cols = [c for comp in comparisons if (c := tf_column(comp)) is not None and c in available]
    if _full_name_parts(comparisons) is not None and FULL_NAME_COLUMN in available:
        cols.append(FULL_NAME_COLUMN)
    return list(dict.fromkeys(cols))


def _full_name_parts(comparisons: Sequence[Comparison]) -> tuple[int, int] | None:
    names = [comp.name for comp in comparisons]
    if all(p in names for p in FULL_NAME_PARTS):
        a, b = (names.index(p) for p in FULL_NAME_PARTS)
        if tf_column(comparisons[a]) is not None and tf_column(comparisons[b]) is not None:
            return a, b
    return None


def tf_column(comp: Comparison) -> str | None:
    """The column whose value frequencies adjust ``comp``'s exact level, if any."""
    if not comp.tf_adjust or not isinstance(comp.levels[0], ExactLevel):
        return None
    return comp.levels[0].column or comp.column


@dataclass
class TermFrequencies:
    """Value counts per tf column: ``counts[column]`` is a Series indexed by value."""

    counts: dict[str, pd.Series]
    #: Per column, (records with a value, u_exact) frozen when the model was fitted: with
    #: them, p_v = count_v / records and u_exact do not move when unrelated records are
    #: added later, so untouched customers keep their links (see docs/store.md).
    reference: dict[str, tuple[float, float]] = field(default_factory=dict)

    def snapshot(self) -> dict[str, tuple[float, float]]:
        """(records, u_exact) per column of the current counts, to freeze in a model."""
        out = {}
        for col, counts in self.counts.items():
            total = float(counts.sum())
            if total > 0:
                p = counts.to_numpy(dtype=float) / total
                out[col] = (total, float((p**2).sum()))
        return out

    def _total_and_u(self, column: str) -> tuple[float, float]:
        if column in self.reference:
            return self.reference[column]
        counts = self.counts[column]
        total = float(counts.sum())
        if total == 0:
            return 0.0, 1.0
        p = counts.to_numpy(dtype=float) / total
        return total, float((p**2).sum())

    @classmethod
    def from_table(cls, table: pd.DataFrame, comparisons: Sequence[Comparison]) -> TermFrequencies:
        return cls(
            {
                col: table[col].value_counts(dropna=True)
                for col in tf_columns(comparisons, list(table.columns))
            }
        )

    def adjustments(
        self,
        comparisons: Sequence[Comparison],
        levels: np.ndarray,
        left_values: Mapping[str, np.ndarray],
    ) -> np.ndarray:
        """Adjustment in bits per pair; ``left_values[col]`` holds each pair's left value.

        When first and last name both agree exactly, their two adjustments are replaced
        by one for the full name, ``log2(u_first · u_last / p_full_name)``: first and last
        names are not independent (script, gender, family), and a full name shared by
        several people is weaker evidence than its parts suggest.
        """
        adj = np.zeros(levels.shape[0])
        per_comp: dict[int, np.ndarray] = {}
        for c, comp in enumerate(comparisons):
            col = tf_column(comp)
            if col is None or col not in self.counts:
                continue
            counts = self.counts[col]
            total, u_exact = self._total_and_u(col)
            if total == 0:
                continue
            p = counts.to_numpy(dtype=float) / total
            hit = np.flatnonzero(levels[:, c] == 0)
            if hit.size == 0:
                continue
            pos = counts.index.get_indexer(pd.Index(left_values[col][hit]))
            ok = pos >= 0
            bits = np.zeros(hit.size)
            bits[ok] = np.log2(u_exact / p[pos[ok]])
            bits = np.clip(bits, -TF_ADJUSTMENT_LIMIT, TF_ADJUSTMENT_LIMIT)
            adj[hit] += bits
            full = np.zeros(levels.shape[0])
            full[hit] = bits
            per_comp[c] = full
        parts = _full_name_parts(comparisons)
        if (
            parts is not None
            and FULL_NAME_COLUMN in self.counts
            and FULL_NAME_COLUMN in left_values
        ):
            a, b = parts
            both = np.flatnonzero((levels[:, a] == 0) & (levels[:, b] == 0))
            counts = self.counts[FULL_NAME_COLUMN]
            if both.size and a in per_comp and b in per_comp and counts.sum() > 0:
                # (u of each part and the full name's total come from the reference if frozen)
                u_a = self._total_and_u(str(tf_column(comparisons[a])))[1]
                u_b = self._total_and_u(str(tf_column(comparisons[b])))[1]
                full_total = self._total_and_u(FULL_NAME_COLUMN)[0]
                p_full = counts.to_numpy(dtype=float) / max(full_total, 1.0)
                pos = counts.index.get_indexer(pd.Index(left_values[FULL_NAME_COLUMN][both]))
                ok = pos >= 0
                joint = np.zeros(both.size)
                joint[ok] = np.log2(u_a * u_b / p_full[pos[ok]])
                joint = np.clip(joint, -TF_ADJUSTMENT_LIMIT, TF_ADJUSTMENT_LIMIT)
                replace = both[ok]
                adj[replace] += joint[ok] - per_comp[a][replace] - per_comp[b][replace]
        return adj
