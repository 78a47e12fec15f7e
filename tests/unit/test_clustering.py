"""Clustering equals networkx connected components; the pivot guard bounds chains."""

from __future__ import annotations

import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from custmdm.clustering.components import cluster, connected_components, join_exclusive


def partition(labels: np.ndarray) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for node, lab in enumerate(labels.tolist()):
        groups.setdefault(lab, set()).add(node)
    return {frozenset(g) for g in groups.values()}


@settings(max_examples=100, deadline=None)
@given(
    st.integers(1, 40).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=60),
        )
    )
)
def test_components_equal_networkx(case: tuple[int, list[tuple[int, int]]]) -> None:
    n, edges = case
    edges = [(a, b) for a, b in edges if a != b]
    left = np.array([min(a, b) for a, b in edges], dtype=np.int64)
    right = np.array([max(a, b) for a, b in edges], dtype=np.int64)
    labels = connected_components(n, left, right)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    assert partition(labels) == {frozenset(c) for c in nx.connected_components(g)}
    # labels are the smallest member of each cluster: independent of edge order
    for group in partition(labels):
        assert all(labels[m] == min(group) for m in group)


def test_chain_of_near_duplicates_is_split() -> None:
    n = 10_000
    left = np.arange(n - 1)
    right = left + 1
    labels, report = cluster(n, left, right, np.full(n - 1, 5.0), max_cluster_size=50)
    sizes = np.bincount(labels)
    assert sizes.max() <= 3
    assert report.split == [(n, int((sizes > 0).sum()))]
    # every cluster is held together by direct edges to one record
    assert (sizes > 0).sum() < n


def test_small_components_are_untouched() -> None:
    labels, report = cluster(
        5, np.array([0, 1, 3]), np.array([1, 2, 4]), np.ones(3), max_cluster_size=50
    )
    assert labels.tolist() == [0, 0, 0, 3, 3]
    assert report.split == []


# -- clusters that are each other's only plausible partner --------------------------------


def joined(
    labels: list[int],
    pairs: list[tuple[int, int, float, bool]],
    *,
    low: float = 0.1,
    max_size: int = 50,
) -> list[int]:
    left = np.array([p[0] for p in pairs], dtype=np.int64)
    right = np.array([p[1] for p in pairs], dtype=np.int64)
    prob = np.array([p[2] for p in pairs], dtype=float)
    conflict = np.array([p[3] for p in pairs], dtype=bool)
    out, _ = join_exclusive(
        np.array(labels, dtype=np.int64),
        left,
        right,
        prob,
        conflict,
        low=low,
        max_cluster_size=max_size,
    )
    return out.tolist()


def test_only_plausible_partners_join() -> None:
    # clusters {0, 1} and {2}: one doubtful pair between them, nothing against it
    assert joined([0, 0, 2], [(0, 1, 0.99, False), (1, 2, 0.3, False)]) == [0, 0, 0]


def test_a_strong_disagreement_between_the_clusters_keeps_them_apart() -> None:
    pairs = [(0, 1, 0.99, False), (1, 2, 0.3, False), (0, 2, 0.01, True)]
    assert joined([0, 0, 2], pairs) == [0, 0, 2]


def test_a_cluster_with_two_plausible_partners_joins_neither() -> None:
    # {1} could go with {0} or with {2}: ambiguous, so nothing joins
    assert joined([0, 1, 2], [(0, 1, 0.4, False), (1, 2, 0.3, False)]) == [0, 1, 2]


def test_below_the_setting_or_above_the_size_limit_nothing_joins() -> None:
    assert joined([0, 1], [(0, 1, 0.05, False)]) == [0, 1]
    assert joined([0, 0, 2], [(1, 2, 0.5, False)], max_size=2) == [0, 0, 2]


@settings(max_examples=100, deadline=None)
@given(
    st.integers(2, 30).flatmap(
        lambda n: st.tuples(
            st.lists(st.integers(0, n - 1), min_size=n, max_size=n),
            st.lists(
                st.tuples(
                    st.integers(0, n - 1),
                    st.integers(0, n - 1),
                    st.floats(0, 1),
                    st.booleans(),
                ),
                max_size=40,
            ),
            st.randoms(use_true_random=False),
        )
    )
)
def test_joins_are_pairs_of_clusters_whatever_the_pair_order(case) -> None:
    raw, pairs, rnd = case
    # canonical labels: each cluster is labelled by its smallest member
    first: dict[int, int] = {}
    labels = [first.setdefault(v, k) for k, v in enumerate(raw)]
    out = joined(labels, pairs, max_size=6)
    shuffled = list(pairs)
    rnd.shuffle(shuffled)
    assert joined(labels, shuffled, max_size=6) == out
    before, after = partition(np.array(labels)), partition(np.array(out))
    for group in after:
        parts = [g for g in before if g <= group]
        assert sum(len(g) for g in parts) == len(group), "old clusters are never cut"
        assert len(parts) <= 2, "a cluster joins at most one other"
        assert len(parts) == 1 or len(group) <= 6
        assert out[min(group)] == min(group), "labels stay canonical"


def test_joins_do_not_depend_on_the_chunk_size(monkeypatch) -> None:
    import custmdm.clustering.components as components

    rng = np.random.default_rng(5)
    n = 400
    labels = np.arange(n)
    labels[1::2] -= 1  # clusters of two: {0, 1}, {2, 3}, ...
    left = rng.integers(0, n, 300)
    right = rng.integers(0, n, 300)
    prob = rng.random(300) ** 4
    conflict = rng.random(300) < 0.2
    whole = join_exclusive(labels, left, right, prob, conflict, low=0.1, max_cluster_size=50)
    monkeypatch.setattr(components, "EXCLUSIVE_CHUNK_PAIRS", 7)
    chunked = join_exclusive(labels, left, right, prob, conflict, low=0.1, max_cluster_size=50)
    assert whole[1] > 0
    assert chunked[1] == whole[1]
    assert np.array_equal(chunked[0], whole[0])
