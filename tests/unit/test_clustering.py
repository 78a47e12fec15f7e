"""Clustering equals networkx connected components; the pivot guard bounds chains."""

from __future__ import annotations

import networkx as nx
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from custmdm.clustering.components import cluster, connected_components


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
