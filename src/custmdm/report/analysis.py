"""What the report shows, computed from the output tables alone.

Every function here takes the frames a resolution writes (crosswalk, pairs, model
and report dicts), so ``custmdm report DIR`` and ``custmdm resolve`` build the same
report: the first reads them from the folder, the second from memory.
"""

from __future__ import annotations

import math
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "borderline_pairs",
    "cluster_table",
    "expected_vs_found",
    "largest",
    "least_cohesive",
    "overlap",
    "pair_key",
    "threshold_weight",
    "waterfall_terms",
]


def threshold_weight(threshold: float) -> float:
    """The match weight (log2 odds) of a probability threshold.

    >>> threshold_weight(0.5)
    0.0
    """
    p = min(max(float(threshold), 1e-12), 1 - 1e-12)
    return math.log2(p / (1 - p))


def pair_key(source: str, record_id: str) -> str:
    """One string naming a record: ``source:record_id``."""
    return f"{source}:{record_id}"


def borderline_pairs(pairs: pd.DataFrame, threshold: float, n: int = 4) -> pd.DataFrame:
    """The ``n`` pairs just above and the ``n`` just below the threshold, nearest first.

    Adds ``side`` ("above" / "below") and ``distance`` (|weight − threshold weight|).
    """
    if pairs.empty:
        return pairs.assign(side=pd.Series(dtype=object), distance=pd.Series(dtype=float))
    tw = threshold_weight(threshold)
    distance = np.abs(pairs["match_weight"].to_numpy(dtype=float) - tw)
    above = pairs["match_probability"].to_numpy() >= threshold
    keys = ["distance", "left_source", "left_record_id", "right_source", "right_record_id"]
    parts = []
    for side, rows in (("above", np.flatnonzero(above)), ("below", np.flatnonzero(~above))):
        # only pairs as near as the n-th nearest can be among the n nearest: sort just those
        if rows.size > n:
            nth = np.partition(distance[rows], n - 1)[n - 1] if n > 0 else -np.inf
            rows = rows[distance[rows] <= nth]
        near = pairs.iloc[rows].assign(distance=distance[rows])
        parts.append(near.sort_values(keys, kind="stable").head(n).assign(side=side))
    return pd.concat(parts, ignore_index=True)


def _positions(values: pd.Series, index: pd.Index) -> np.ndarray:
    """Position in ``index`` of each value as text (-1 where absent or missing).

    Categoricals are looked up once per category, not once per row.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        per_category = index.get_indexer(values.cat.categories.astype(str))
        codes = values.cat.codes.to_numpy()
        return np.where(codes >= 0, per_category[codes], -1)
    return index.get_indexer(pd.Index(values.astype(str)))


def _pair_customers(crosswalk: pd.DataFrame, pairs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Customer id of each pair's left and right record (NaN for a record not in ``crosswalk``).

    Records are numbered by integer codes of (source, record id) rather than by a
    string index: at millions of pairs that is the difference between seconds and minutes.
    """
    sources = pd.Index(pd.unique(crosswalk["source"].astype(str)))
    record_ids = pd.Index(pd.unique(crosswalk["record_id"].astype(str)))
    width = max(len(record_ids), 1)

    def record_codes(source: pd.Series, record_id: pd.Series) -> np.ndarray:
        s, r = _positions(source, sources), _positions(record_id, record_ids)
        return np.where((s >= 0) & (r >= 0), s.astype(np.int64) * width + r, -1)

    records = pd.Index(record_codes(crosswalk["source"], crosswalk["record_id"]))
    customers = np.append(crosswalk["customer_id"].to_numpy(dtype=object), np.nan)
    out = []
    for side in ("left", "right"):
        codes = record_codes(pairs[f"{side}_source"], pairs[f"{side}_record_id"])
        position = records.get_indexer(codes)  # -1 (absent) takes the NaN at the end
        position[codes < 0] = -1
        out.append(customers[position])
    return out[0], out[1]


def _source_masks(crosswalk: pd.DataFrame) -> tuple[list[str], pd.Series]:
    """Sorted source names and, per customer, a bit mask of the sources that know it."""
    sources = sorted({str(s) for s in crosswalk["source"].unique()})
    code = pd.Series(np.arange(len(sources), dtype=np.int64), index=sources)
    bits = np.left_shift(1, code.reindex(crosswalk["source"].astype(str)).to_numpy())
    frame = pd.DataFrame({"customer_id": crosswalk["customer_id"].to_numpy(), "bit": bits})
    masks = frame.drop_duplicates().groupby("customer_id", sort=True)["bit"].sum()
    return sources, masks


def _mask_names(sources: list[str], mask: int) -> list[str]:
    return [s for k, s in enumerate(sources) if mask >> k & 1]


def cluster_table(crosswalk: pd.DataFrame, pairs: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """One row per customer: size, sources and how tightly its records are linked.

    ``density`` is the share of the cluster's record pairs that were linked directly
    (above the threshold); a long chain has a low density, a clique 1. ``min_weight``
    is the weakest direct link.
    """
    sources, masks = _source_masks(crosswalk)
    names = {int(m): "|".join(_mask_names(sources, int(m))) for m in masks.unique()}
    table = pd.DataFrame(
        {
            "customer_id": masks.index.to_numpy(),
            "size": crosswalk.groupby("customer_id", sort=True).size().to_numpy(),
            "sources": masks.map(names).to_numpy(),
        }
    )
    table["links"] = 0
    table["mean_weight"] = np.nan
    table["min_weight"] = np.nan
    if not pairs.empty:
        lc, rc = _pair_customers(crosswalk, pairs)
        inside = (lc == rc) & (pairs["match_probability"].to_numpy() >= threshold)
        linked = pd.DataFrame(
            {"customer_id": lc[inside], "weight": pairs["match_weight"].to_numpy()[inside]}
        )
        agg = linked.groupby("customer_id").agg(
            links=("weight", "size"), mean_weight=("weight", "mean"), min_weight=("weight", "min")
        )
        table = table.drop(columns=["links", "mean_weight", "min_weight"]).merge(
            agg, left_on="customer_id", right_index=True, how="left"
        )
        table["links"] = table["links"].fillna(0).astype(int)
    possible = table["size"] * (table["size"] - 1) / 2
    table["density"] = np.where(possible > 0, table["links"] / possible.where(possible > 0, 1), 1.0)
    return table


def least_cohesive(clusters: pd.DataFrame, n: int = 5, min_size: int = 3) -> pd.DataFrame:
    """Clusters of at least ``min_size`` records with the lowest density, then weakest link."""
    big = clusters[clusters["size"] >= min_size]
    return big.sort_values(
        ["density", "min_weight", "size", "customer_id"],
        ascending=[True, True, False, True],
        kind="stable",
    ).head(n)


def largest(clusters: pd.DataFrame, n: int = 5) -> pd.DataFrame:
    """The ``n`` largest clusters (ties by customer id)."""
    return clusters.sort_values(["size", "customer_id"], ascending=[False, True]).head(n)


def overlap(crosswalk: pd.DataFrame) -> dict[str, Any]:
    """Customers shared by each pair of sources, and customers known to one system only.

    Returns a dict with ``sources`` (sorted names), ``shared`` (square matrix as nested
    lists; the diagonal is the number of customers each source knows), ``only`` (customers
    each source alone knows), ``systems`` (number of customers per count of systems) and
    ``pairs`` (rows of source_a, source_b, shared, share of the smaller source).
    """
    sources, masks = _source_masks(crosswalk)
    shared = np.zeros((len(sources), len(sources)), dtype=np.int64)
    only = dict.fromkeys(sources, 0)
    systems: dict[int, int] = {}
    # few distinct combinations of sources, however many customers
    combos = masks.value_counts().sort_index()
    for mask, count in zip(combos.index.tolist(), combos.tolist(), strict=True):
        idx = [k for k in range(len(sources)) if mask >> k & 1]
        shared[np.ix_(idx, idx)] += int(count)
        systems[len(idx)] = systems.get(len(idx), 0) + int(count)
        if len(idx) == 1:
            only[sources[idx[0]]] += int(count)
    rows = []
    for a, b in combinations(range(len(sources)), 2):
        smaller = min(shared[a, a], shared[b, b])
        rows.append(
            {
                "source_a": sources[a],
                "source_b": sources[b],
                "shared": int(shared[a, b]),
                "share_of_smaller": float(shared[a, b] / smaller) if smaller else 0.0,
            }
        )
    return {
        "sources": sources,
        "shared": shared.tolist(),
        "only": only,
        "systems": dict(sorted(systems.items())),
        "pairs": rows,
        "customers": len(masks),
    }


def waterfall_terms(pair: pd.Series | dict[str, Any], model: dict[str, Any]) -> pd.DataFrame:
    """The weight waterfall of one row of ``pairs``: prior, one term per comparison, rest.

    The ``term frequency`` row is what the match weight holds beyond the prior and the
    level weights: the term-frequency adjustments of common or rare values.
    """
    prior_p = float(model["prior_match_probability"])
    prior = math.log2(prior_p / (1 - prior_p))
    rows = [{"comparison": "prior", "level": "", "weight": prior}]
    total = prior
    for comp in model["comparisons"]:
        name = comp["comparison"]["name"]
        level = int(pair.get(f"level_{name}", -1))
        if level < 0:
            rows.append({"comparison": name, "level": "null", "weight": 0.0})
            continue
        lv = comp["levels"][level]
        rows.append({"comparison": name, "level": lv["label"], "weight": float(lv["weight"])})
        total += float(lv["weight"])
    rest = float(pair["match_weight"]) - total
    if abs(rest) > 1e-9:
        rows.append({"comparison": "term frequency", "level": "", "weight": rest})
    return pd.DataFrame(rows)


def expected_vs_found(
    pairs: pd.DataFrame, crosswalk: pd.DataFrame, report: dict[str, Any]
) -> dict[str, float]:
    """How many matching pairs the model expects and how many the resolution found.

    ``expected_all``: prior × all record pairs (what EM believes exists in the data);
    ``expected_candidates``: Σ match probability over candidate pairs (what blocking caught);
    ``linked``: candidate pairs above the threshold; ``implied``: record pairs inside the
    resulting clusters (links plus what transitivity adds).
    """
    n = int(report["counts"]["records"])
    prior = float(report["model"]["prior_match_probability"])
    sizes = crosswalk.groupby("customer_id").size().to_numpy()
    return {
        "expected_all": prior * n * (n - 1) / 2,
        "expected_candidates": float(pairs["match_probability"].sum()) if len(pairs) else 0.0,
        "linked": float(report["counts"]["linked_pairs"]),
        "implied": float((sizes * (sizes - 1) // 2).sum()),
    }
