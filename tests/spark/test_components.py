"""Distributed connected components equal scipy's."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from custmdm.clustering.components import connected_components as scipy_components


def _spark_labels(spark: Any, n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    from custmdm.backends._spark_components import connected_components

    edges = spark.createDataFrame(
        pd.DataFrame({"src": left.astype(np.int64), "dst": right.astype(np.int64)}),
        schema="src long, dst long",
    )
    found = connected_components(edges).toPandas()
    labels = np.arange(n, dtype=np.int64)  # nodes without an edge are their own component
    labels[found["node"].to_numpy()] = found["component"].to_numpy()
    assert found["node"].is_unique
    return labels


@pytest.mark.parametrize(
    ("seed", "n", "m"),
    [(0, 300, 150), (1, 300, 290), (2, 2000, 1500), (3, 500, 2000)],
)
def test_random_graphs_match_scipy(spark: Any, seed: int, n: int, m: int) -> None:
    rng = np.random.default_rng(seed)
    left = rng.integers(0, n, m)
    right = rng.integers(0, n, m)  # self loops and repeated edges included on purpose
    expected = scipy_components(n, left, right)
    np.testing.assert_array_equal(_spark_labels(spark, n, left, right), expected)


def test_long_chain(spark: Any) -> None:
    """A 100 000-node path: minimum-label propagation would need 100 000 rounds."""
    n = 100_000
    nodes = np.arange(n)
    labels = _spark_labels(spark, n, nodes[:-1], nodes[1:])
    assert (labels == 0).all()


def test_chain_with_shuffled_ids_and_a_second_component(spark: Any) -> None:
    rng = np.random.default_rng(7)
    order = rng.permutation(20_000)
    left = np.r_[order[:9_999], order[10_000:-1]]
    right = np.r_[order[1:10_000], order[10_001:]]
    expected = scipy_components(20_000, left, right)
    np.testing.assert_array_equal(_spark_labels(spark, 20_000, left, right), expected)
