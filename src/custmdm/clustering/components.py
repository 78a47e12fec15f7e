"""Clusters: connected components of the match graph, with a guard against over-merging.

Bulk components come from :func:`scipy.sparse.csgraph.connected_components`.
A component larger than ``max_cluster_size`` is not trusted: one weak chain
(a shared family phone, a run of near-duplicates) may have glued many people
together. It is re-clustered by the *pivot rule* (see :func:`pivot_split`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components as _scipy_components


def connected_components(n_nodes: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Component label per node; labels are the smallest node index of each component."""
    if n_nodes == 0:
        return np.zeros(0, dtype=np.int64)
    graph = coo_matrix(
        (np.ones(left.size, dtype=np.int8), (left.astype(np.int64), right.astype(np.int64))),
        shape=(n_nodes, n_nodes),
    ).tocsr()
    _, labels = _scipy_components(graph, directed=False)
    return canonical_labels(labels)


def canonical_labels(labels: np.ndarray) -> np.ndarray:
    """Relabel so that each cluster's label is its smallest member index (order-independent)."""
    labels = np.asarray(labels, dtype=np.int64)
    if labels.size == 0:
        return labels
    n_lab = int(labels.max()) + 1
    first = np.full(n_lab, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(labels.size, dtype=np.int64))
    return first[labels]


@dataclass
class SplitReport:
    """Components that the guard split, by size before and the number of pieces after."""

    split: list[tuple[int, int]] = field(default_factory=list)


def pivot_split(
    members: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    weight: np.ndarray,
    max_size: int,
) -> np.ndarray:
    """Split one over-large component by the pivot rule; returns a label per member.

    The rule: take the record with the highest total edge weight that is not yet
    assigned (ties by lowest index) as a pivot; its cluster is the pivot plus the
    unassigned records joined to it by a direct edge, strongest edges first, up to
    ``max_size`` records. Repeat until every record is assigned. A record must
    match the pivot itself, so no chain of near-duplicates can carry a cluster far
    from where it started, and no piece is larger than ``max_size``.
    """
    local = {int(node): k for k, node in enumerate(members)}
    n = members.size
    li = np.fromiter((local[int(x)] for x in left), dtype=np.int64, count=left.size)
    ri = np.fromiter((local[int(x)] for x in right), dtype=np.int64, count=right.size)
    strength = np.zeros(n)
    np.add.at(strength, li, weight)
    np.add.at(strength, ri, weight)
    neighbours: list[list[int]] = [[] for _ in range(n)]
    # strongest edges first (ties by node order), so a capped pivot keeps its best matches
    for e in np.lexsort((ri, li, -weight)).tolist():
        a, b = int(li[e]), int(ri[e])
        neighbours[a].append(b)
        neighbours[b].append(a)
    order = np.lexsort((np.arange(n), -strength))
    label = np.full(n, -1, dtype=np.int64)
    for pivot in order.tolist():
        if label[pivot] >= 0:
            continue
        label[pivot] = pivot
        size = 1
        for nb in neighbours[pivot]:
            if size >= max_size:
                break
            if label[nb] < 0:
                label[nb] = pivot
                size += 1
    return members[label]


def cluster(
    n_nodes: int,
    left: np.ndarray,
    right: np.ndarray,
    weight: np.ndarray,
    *,
    max_cluster_size: int,
) -> tuple[np.ndarray, SplitReport]:
    """Connected components of the given edges, with over-large components pivot-split."""
    labels = connected_components(n_nodes, left, right)
    report = SplitReport()
    sizes = np.bincount(labels, minlength=n_nodes)
    big = np.flatnonzero(sizes > max_cluster_size)
    if big.size:
        edge_label = labels[left]
        for comp in big.tolist():
            members = np.flatnonzero(labels == comp)
            sel = edge_label == comp
            sub = pivot_split(members, left[sel], right[sel], weight[sel], max_cluster_size)
            labels[members] = sub
            report.split.append((int(members.size), int(np.unique(sub).size)))
        labels = canonical_labels(labels)
    return labels, report


def exclusive_partners(
    x: np.ndarray,
    y: np.ndarray,
    conflict: np.ndarray,
    best: np.ndarray,
    size_x: np.ndarray,
    size_y: np.ndarray,
    *,
    low: float,
    max_cluster_size: int,
) -> np.ndarray:
    """Which cluster pairs to join: a mask over the distinct cluster pairs ``(x, y)``.

    Each row is one pair of clusters (``x < y``) with the candidate pairs between them
    summarised: ``conflict`` if any of them disagrees on a strong identifier, ``best``
    their highest match probability. A pair of clusters is *plausible* when it has no
    conflict and ``best >= low``; it is joined when neither cluster has another plausible
    partner and the two together stay within ``max_cluster_size``. Joins are therefore a
    matching: no cluster joins two others, so nothing chains.
    """
    plausible = ~conflict & (best >= low)
    labels = np.concatenate([x[plausible], y[plausible]])
    uniq, counts = np.unique(labels, return_counts=True)
    once = np.isin(x, uniq[counts == 1]) & np.isin(y, uniq[counts == 1])
    return plausible & once & (size_x + size_y <= max_cluster_size)


#: Candidate pairs looked at a time by :func:`join_exclusive` (bounds its memory).
EXCLUSIVE_CHUNK_PAIRS = 4_000_000


def _cluster_pair_keys(
    labels: np.ndarray, left: np.ndarray, right: np.ndarray, keep: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``x * n + y`` (``x < y``) of the clusters of the kept pairs that cross clusters.

    Also returns which of the kept pairs cross clusters.
    """
    a = labels[left[keep]].astype(np.int64)
    b = labels[right[keep]].astype(np.int64)
    between = a != b
    return np.minimum(a, b)[between] * labels.size + np.maximum(a, b)[between], between


def join_exclusive(
    labels: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    prob: np.ndarray,
    conflict: np.ndarray,
    *,
    low: float,
    max_cluster_size: int,
) -> tuple[np.ndarray, int]:
    """Join clusters that are each other's only plausible partner (see :func:`exclusive_partners`).

    ``left, right, prob, conflict`` describe every candidate pair, linked or not; ``labels``
    are canonical (smallest member index). Returns the new canonical labels and the number
    of joins. Pairs are read in chunks: the cluster pairs with a pair of at least ``low``
    first, then the conflicts among those cluster pairs only.
    """
    n = labels.size
    keys: list[np.ndarray] = []
    probs: list[np.ndarray] = []
    for start in range(0, left.size, EXCLUSIVE_CHUNK_PAIRS):
        part = slice(start, start + EXCLUSIVE_CHUNK_PAIRS)
        likely = prob[part] >= low
        key, between = _cluster_pair_keys(labels, left[part], right[part], likely)
        keys.append(key)
        probs.append(prob[part][likely][between])
    if not keys or not sum(k.size for k in keys):
        return labels, 0
    uniq, inverse = np.unique(np.concatenate(keys), return_inverse=True)
    best = np.zeros(uniq.size)
    np.maximum.at(best, inverse, np.concatenate(probs))
    del keys, probs, inverse
    conflicted = np.zeros(uniq.size, dtype=bool)
    for start in range(0, left.size, EXCLUSIVE_CHUNK_PAIRS):
        part = slice(start, start + EXCLUSIVE_CHUNK_PAIRS)
        key, _ = _cluster_pair_keys(labels, left[part], right[part], conflict[part])
        conflicted |= np.isin(uniq, key)
    ux, uy = uniq // n, uniq % n
    sizes = np.bincount(labels, minlength=n)
    join = exclusive_partners(
        ux, uy, conflicted, best, sizes[ux], sizes[uy], low=low, max_cluster_size=max_cluster_size
    )
    if not join.any():
        return labels, 0
    target = np.arange(n, dtype=np.int64)
    target[uy[join]] = ux[join]
    return target[labels], int(join.sum())
