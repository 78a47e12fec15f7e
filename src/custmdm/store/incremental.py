"""The pure parts of incremental resolution: steward constraints and stable ids.

Nothing here touches the database: the store loads its state, these functions
decide, and the store writes the outcome in one transaction.

Stable ids
----------
After a batch the store knows, for every record, its old customer id (none for a
new record) and its new cluster. :func:`assign_ids` gives clusters ids:

1. every (old id, new cluster) pair that share records is a claim; claims are
   taken greedily, best first: most shared records, then the older customer
   (smaller ``created_batch``), then the smaller id, then the cluster whose first
   record (by source, record_id) sorts first. Each old id goes to at most one
   cluster and each cluster takes at most one old id;
2. a cluster left without an id gets ``customer_id_for(first record)`` (the id a
   batch resolve would give it), or, if that id was ever issued before, the same
   hash salted with a counter until it is fresh;
3. an old id left without a cluster was *merged*: it redirects to the id of the
   cluster holding most of its records (ties: the first such cluster). An old id
   none of whose records remain (all forgotten) is *retired*.

So a customer whose records did not change keeps its id (its only claim is its
own cluster, uncontested), and in a merge the customer bringing the most records
survives.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from custmdm.clustering.components import canonical_labels


def enforce_cannot_links(
    labels: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    weight: np.ndarray,
    cannot: Sequence[tuple[int, int]],
) -> np.ndarray:
    """Split the clusters that hold both ends of a cannot-link.

    Only clusters with a violated constraint change. Their edges are re-joined
    strongest first (Kruskal order, ties by (left, right)), skipping any edge that
    would put two records of a cannot-link pair in one cluster. Labels come back
    canonical (a cluster's label is its smallest row).
    """
    if not cannot:
        return labels
    bad = sorted({int(labels[a]) for a, b in cannot if labels[a] == labels[b]})
    if not bad:
        return labels
    labels = labels.copy()
    for comp in bad:
        members = np.flatnonzero(labels == comp)
        member_set = set(members.tolist())
        sel = np.flatnonzero(np.isin(left, members) & np.isin(right, members))
        order = sel[np.lexsort((right[sel], left[sel], -weight[sel]))]
        parent = {m: m for m in member_set}
        group: dict[int, set[int]] = {m: {m} for m in member_set}
        forbid: dict[int, set[int]] = {m: set() for m in member_set}
        for a, b in cannot:
            if a in member_set and b in member_set:
                forbid[a].add(b)
                forbid[b].add(a)

        for e in order.tolist():
            ra, rb = _find(parent, int(left[e])), _find(parent, int(right[e]))
            if ra == rb or forbid[ra] & group[rb]:
                continue
            parent[rb] = ra
            group[ra] |= group.pop(rb)
            forbid[ra] |= forbid.pop(rb)
        for m in member_set:
            labels[m] = _find(parent, m)
    return canonical_labels(labels)


def _find(parent: dict[int, int], x: int) -> int:
    while parent[x] != x:
        parent[x] = parent[parent[x]]
        x = parent[x]
    return x


@dataclass
class IdAssignment:
    """The outcome of :func:`assign_ids`."""

    #: id per cluster label
    cluster_id: dict[int, str]
    #: clusters that got an id not held before (label -> id)
    created: dict[int, str] = field(default_factory=dict)
    #: old id -> the id that absorbed it
    merged: dict[str, str] = field(default_factory=dict)
    #: old ids with no record left
    retired: list[str] = field(default_factory=list)
    #: new id -> the old id most of its records came from (split off)
    split_from: dict[str, str] = field(default_factory=dict)


def assign_ids(
    labels: np.ndarray,
    old_ids: Sequence[str | None],
    old_created: dict[str, int],
    previous_ids: Iterable[str],
    new_id: Callable[[int, int], str],
    *,
    preferred: dict[int, str] | None = None,
) -> IdAssignment:
    """Stable customer ids for the clusters ``labels`` (see the module docstring).

    ``old_ids[row]`` is the row's current customer id or None; ``old_created`` maps
    every old id to its creation batch; ``previous_ids`` are all ids ever issued;
    ``new_id(row, attempt)`` makes a fresh id from the cluster's first row;
    ``preferred`` maps a cluster's first row to an id to restore if it is free.
    """
    claims: dict[tuple[str, int], int] = {}
    rows_of_old: dict[str, list[int]] = {}
    for row, (lab, old) in enumerate(zip(labels.tolist(), old_ids, strict=True)):
        if old is None:
            continue
        claims[(old, lab)] = claims.get((old, lab), 0) + 1
        rows_of_old.setdefault(old, []).append(row)
    ranked = sorted(
        claims.items(), key=lambda kv: (-kv[1], old_created.get(kv[0][0], 0), kv[0][0], kv[0][1])
    )
    cluster_id: dict[int, str] = {}
    taken: set[str] = set()
    for (old, lab), _n in ranked:
        if old in taken or lab in cluster_id:
            continue
        cluster_id[lab] = old
        taken.add(old)
    out = IdAssignment(cluster_id)
    issued = set(previous_ids) | taken
    for lab in sorted(set(labels.tolist())):
        if lab in cluster_id:
            continue
        want = (preferred or {}).get(lab)
        if want is not None and want not in taken and want not in cluster_id.values():
            cid = want
        else:
            attempt = 0
            cid = new_id(lab, attempt)
            while cid in issued:
                attempt += 1
                cid = new_id(lab, attempt)
        issued.add(cid)
        cluster_id[lab] = cid
        out.created[lab] = cid
    for old, rows in rows_of_old.items():
        if old in taken:
            continue
        labs, counts = np.unique(labels[rows], return_counts=True)
        target = int(labs[np.argmax(counts)])
        out.merged[old] = cluster_id[target]
    for lab, cid in out.created.items():
        members = np.flatnonzero(labels == lab)
        olds = [old_ids[m] for m in members.tolist() if old_ids[m] is not None]
        if olds:
            values, counts = np.unique(np.array(olds, dtype=object), return_counts=True)
            out.split_from[cid] = str(values[int(np.argmax(counts))])
    return out
