"""Choosing the link threshold without labels: the one with the best expected F1.

For each candidate threshold t the pairs with probability >= t are clustered
(with the same guard as the final clustering). Under the model, the expected
number of true pairs inside clusters is the sum of the probabilities of the
candidate pairs that end up inside one cluster; every other pair inside a
cluster (one that only chaining put there) counts as expected false. So

* expected precision = Σ p(inside) / (pairs inside clusters),
* expected recall    = Σ p(inside) / Σ p(all candidates),

and the threshold with the highest expected F1 wins (ties: the lower one). This
accounts for what a plain 0.5 cut ignores: transitive closure turns a few
doubtful links into many wrong pairs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from custmdm.clustering.components import cluster

CANDIDATE_THRESHOLDS: tuple[float, ...] = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99)


@dataclass(frozen=True)
class ThresholdPoint:
    threshold: float
    expected_precision: float
    expected_recall: float
    expected_f1: float


def expected_quality(
    n_nodes: int,
    left: np.ndarray,
    right: np.ndarray,
    prob: np.ndarray,
    weight: np.ndarray,
    threshold: float,
    *,
    max_cluster_size: int,
) -> ThresholdPoint:
    """Expected pairwise precision, recall and F1 of clustering at ``threshold``."""
    edge = prob >= threshold
    labels, _ = cluster(
        n_nodes, left[edge], right[edge], weight[edge], max_cluster_size=max_cluster_size
    )
    inside = labels[left] == labels[right]
    expected_tp = float(prob[inside].sum())
    sizes = np.bincount(labels, minlength=n_nodes).astype(np.int64)
    pairs_inside = int((sizes * (sizes - 1) // 2).sum())
    expected_true = float(prob.sum())
    precision = expected_tp / pairs_inside if pairs_inside else 1.0
    recall = expected_tp / expected_true if expected_true > 0 else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return ThresholdPoint(threshold, precision, recall, f1)


def choose_threshold(
    n_nodes: int,
    left: np.ndarray,
    right: np.ndarray,
    prob: np.ndarray,
    weight: np.ndarray,
    *,
    max_cluster_size: int,
    candidates: Sequence[float] = CANDIDATE_THRESHOLDS,
) -> tuple[float, list[ThresholdPoint]]:
    """The candidate threshold with the highest expected F1, and the whole curve."""
    curve = [
        expected_quality(n_nodes, left, right, prob, weight, t, max_cluster_size=max_cluster_size)
        for t in candidates
    ]
    best = max(curve, key=lambda pt: (round(pt.expected_f1, 12), -pt.threshold))
    return best.threshold, curve
