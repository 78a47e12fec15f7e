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


def clusters_at(
    n_nodes: int,
    left: np.ndarray,
    right: np.ndarray,
    prob: np.ndarray,
    weight: np.ndarray,
    threshold: float,
    max_cluster_size: int,
) -> np.ndarray:
    """Cluster labels of the pairs at or above ``threshold``, as the final clustering does."""
    edge = prob >= threshold
    labels, _ = cluster(
        n_nodes, left[edge], right[edge], weight[edge], max_cluster_size=max_cluster_size
    )
    return labels


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
    labels = clusters_at(n_nodes, left, right, prob, weight, threshold, max_cluster_size)
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


# -- calibration with labelled pairs ---------------------------------------------------


@dataclass(frozen=True)
class LabelledPoint:
    """Pairwise precision, recall and F1 on the labelled pairs when clustering at ``threshold``."""

    threshold: float
    precision: float
    recall: float
    f1: float


def labelled_quality(
    n_nodes: int,
    left: np.ndarray,
    right: np.ndarray,
    prob: np.ndarray,
    weight: np.ndarray,
    labelled: tuple[np.ndarray, np.ndarray, np.ndarray],
    threshold: float,
    *,
    max_cluster_size: int,
) -> LabelledPoint:
    """How the clusters at ``threshold`` judge the labelled pairs ``(a, b, is_match)``.

    A labelled pair counts as linked when its two records end in one cluster, the way the
    crosswalk links them (a match that no candidate pair reaches counts as missed).
    """
    a, b, is_match = labelled
    labels = clusters_at(n_nodes, left, right, prob, weight, threshold, max_cluster_size)
    linked = labels[a] == labels[b]
    tp = int((linked & is_match).sum())
    precision = tp / int(linked.sum()) if linked.any() else 1.0
    recall = tp / int(is_match.sum()) if is_match.any() else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
    return LabelledPoint(threshold, precision, recall, f1)


#: Pull of the recalibration towards the model's own weights (a ridge penalty): with a
#: handful of labels, the fit moves the weights only as far as the labels clearly show.
RECALIBRATION_PRIOR = 1.0


def recalibrate_weights(weights: np.ndarray, is_match: np.ndarray) -> tuple[float, float]:
    """``(scale, shift)`` so that ``scale * w + shift`` (bits) fits the labels best.

    Logistic regression of the answers on the model's match weights (Platt scaling), with a
    ridge penalty towards ``(1, 0)``: the model's calibration. Labels picked for being
    borderline do not bias it, since the fit is conditional on the weight.
    """
    x = np.asarray(weights, dtype=float) * np.log(2.0)
    y = np.asarray(is_match, dtype=float)
    prior = np.array([1.0, 0.0])  # scale, shift (the shift in nats while fitting)

    def loss(theta: np.ndarray) -> float:
        z = theta[0] * x + theta[1]
        # -log-likelihood of the answers, written to stay finite for large |z|
        nll = np.logaddexp(0.0, z).sum() - (y * z).sum()
        return float(nll + 0.5 * RECALIBRATION_PRIOR * ((theta - prior) ** 2).sum())

    theta = prior.copy()
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(theta[0] * x + theta[1], -40, 40)))
        grad = np.array([((p - y) * x).sum(), (p - y).sum()]) + RECALIBRATION_PRIOR * (
            theta - prior
        )
        v = p * (1 - p)
        hess = np.array(
            [[(v * x * x).sum(), (v * x).sum()], [(v * x).sum(), v.sum()]]
        ) + RECALIBRATION_PRIOR * np.eye(2)
        step = np.linalg.solve(hess, grad)
        # damped Newton: halve the step until the penalised loss goes down
        current = loss(theta)
        while loss(theta - step) > current and np.abs(step).max() > 1e-12:
            step = step / 2
        theta = theta - step
        if np.abs(step).max() < 1e-9:
            break
    return float(theta[0]), float(theta[1] / np.log(2.0))


def calibrate_threshold(
    n_nodes: int,
    left: np.ndarray,
    right: np.ndarray,
    prob: np.ndarray,
    weight: np.ndarray,
    labelled: tuple[np.ndarray, np.ndarray, np.ndarray],
    labelled_weight: np.ndarray,
    *,
    max_cluster_size: int,
    candidates: Sequence[float] = CANDIDATE_THRESHOLDS,
) -> tuple[float, tuple[float, float]]:
    """The threshold with the best expected F1 after recalibrating the weights on labels.

    The labelled pairs' weights (``labelled_weight``; a pair that is no candidate has none and
    is left out of the fit) give :func:`recalibrate_weights`; the expected-F1 choice of
    :func:`choose_threshold` then runs on the recalibrated probabilities, and the chosen cut
    is returned on the model's own probability scale. With a scale of zero or less the
    labels contradict the model and the threshold is not moved (``nan`` is returned).
    """
    known = ~np.isnan(labelled_weight)
    scale, shift = recalibrate_weights(labelled_weight[known], labelled[2][known])
    if scale <= 0:
        return float("nan"), (scale, shift)
    adjusted = scale * weight + shift
    chosen, _ = choose_threshold(
        n_nodes,
        left,
        right,
        1.0 / (1.0 + np.exp2(-adjusted)),
        adjusted,
        max_cluster_size=max_cluster_size,
        candidates=candidates,
    )
    # the same cut on the model's scale: adjusted weight >= logit2(chosen)
    cut = (np.log2(chosen / (1 - chosen)) - shift) / scale
    return float(1.0 / (1.0 + 2.0 ** (-cut))), (scale, shift)
