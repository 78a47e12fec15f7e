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
from dataclasses import dataclass

import numpy as np
import pandas as pd

from custmdm.config import Comparison, ExactLevel

#: Largest shift a term-frequency adjustment may make, in bits, either way.
TF_ADJUSTMENT_LIMIT = 10.0


def tf_column(comp: Comparison) -> str | None:
    """The column whose value frequencies adjust ``comp``'s exact level, if any."""
    if not comp.tf_adjust or not isinstance(comp.levels[0], ExactLevel):
        return None
    return comp.levels[0].column or comp.column


@dataclass
class TermFrequencies:
    """Value counts per tf column: ``counts[column]`` is a Series indexed by value."""

    counts: dict[str, pd.Series]

    @classmethod
    def from_table(cls, table: pd.DataFrame, comparisons: Sequence[Comparison]) -> TermFrequencies:
        out: dict[str, pd.Series] = {}
        for comp in comparisons:
            col = tf_column(comp)
            if col is not None and col in table and col not in out:
                out[col] = table[col].value_counts(dropna=True)
        return cls(out)

    def adjustments(
        self,
        comparisons: Sequence[Comparison],
        levels: np.ndarray,
        left_values: Mapping[str, np.ndarray],
    ) -> np.ndarray:
        """Adjustment in bits per pair; ``left_values[col]`` holds each pair's left value."""
        adj = np.zeros(levels.shape[0])
        for c, comp in enumerate(comparisons):
            col = tf_column(comp)
            if col is None or col not in self.counts:
                continue
            counts = self.counts[col]
            total = float(counts.sum())
            if total == 0:
                continue
            p = counts.to_numpy(dtype=float) / total
            u_exact = float((p**2).sum())
            hit = np.flatnonzero(levels[:, c] == 0)
            if hit.size == 0:
                continue
            pos = counts.index.get_indexer(pd.Index(left_values[col][hit]))
            ok = pos >= 0
            bits = np.zeros(hit.size)
            bits[ok] = np.log2(u_exact / p[pos[ok]])
            adj[hit] += np.clip(bits, -TF_ADJUSTMENT_LIMIT, TF_ADJUSTMENT_LIMIT)
        return adj
