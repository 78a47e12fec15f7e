"""Spark blocking gives the local engine's candidate pairs, size limits and budgets included."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from custmdm.blocking.rules import Blocker
from custmdm.config import BlockingRule


def test_capped_rule_gives_the_local_pairs(spark: Any) -> None:
    from custmdm.backends.spark import _POS, _candidate_pairs, _rule_keys

    rng = np.random.default_rng(5)
    n = 400
    table = pd.DataFrame(
        {
            # a few large name blocks (over the cap) and many small ones
            "name": rng.choice([f"n{i}" for i in range(60)], n, p=_skewed(60)),
            "phone": [f"p{v}" if v < 150 else None for v in rng.integers(0, 300, n)],
            "half": rng.choice(["x", "y"], n),
        }
    )
    rules = [
        BlockingRule(on=["phone"]),
        BlockingRule(on=["name"], max_block_size=12),
        # the budget admits blocks up to some size below the largest, on both engines
        BlockingRule(on=["name", "half"], max_pairs_per_record=0.5),
    ]
    sizes = table["name"].value_counts()
    assert (sizes > 12).any() and (sizes <= 12).any()
    half_sizes = table.groupby(["name", "half"]).size()
    assert (half_sizes * (half_sizes - 1) // 2).sum() > 0.5 * n  # the budget binds

    left, right = Blocker(table, rules, max_pairs_per_rule=10**9).all_pairs()
    local = set(zip(left.tolist(), right.tolist(), strict=True))

    frame = spark.createDataFrame(table.assign(**{_POS: np.arange(n, dtype=np.int64)}))
    pairs = _candidate_pairs(_rule_keys(frame, rules, {}), len(rules)).toPandas()
    remote = set(zip(pairs["left"].tolist(), pairs["right"].tolist(), strict=True))
    assert remote == local
    assert len(pairs) == len(remote)  # each pair once


def _skewed(k: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, k + 1)
    return weights / weights.sum()
