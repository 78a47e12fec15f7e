"""Quality of a resolution against known truth: pairwise, B-cubed and pair-set metrics.

Every metric here is computed from a contingency table of (true label, predicted label)
counts, never by enumerating record pairs, so ten million records take about a second.

Definitions (``n_ij`` = records with true label ``i`` and predicted label ``j``,
``n_i.`` and ``n_.j`` its row and column sums, ``C(n, 2) = n (n - 1) / 2``):

* pairwise true positives ``TP = Σ C(n_ij, 2)`` (pairs together in truth and in prediction),
  predicted pairs ``Σ C(n_.j, 2)``, true pairs ``Σ C(n_i., 2)``;
  ``FP = predicted - TP``, ``FN = true - TP``.
* B-cubed precision ``(1/N) Σ n_ij² / n_.j`` and recall ``(1/N) Σ n_ij² / n_i.``: the mean,
  over records, of the share of its predicted (true) cluster that truly (predictedly) belongs
  with it. Every record counts once, so big clusters do not dominate as they do pairwise.

A ratio with an empty denominator is vacuously perfect: with no predicted pairs the
precision is 1.0 (no pair was wrongly predicted), with no true pairs the recall is 1.0.
F1 is 0.0 when precision and recall are both 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from custmdm.exceptions import SchemaError

__all__ = [
    "ClusterMetrics",
    "bcubed_metrics",
    "breakdown_by_tag",
    "evaluate_crosswalk",
    "link_pairs_metrics",
    "pairwise_metrics",
]

_KEY = ["source", "record_id"]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ClusterMetrics:
    """Precision, recall and F1 of a predicted clustering or pair set.

    Attributes
    ----------
    precision, recall, f1 : float
        In [0, 1]. See the module docstring for the empty-denominator convention.
    true_positives, false_positives, false_negatives : int or None
        Pair counts for pairwise and pair-set metrics; ``None`` for B-cubed, which is an
        average over records rather than a count.
    """

    precision: float
    recall: float
    f1: float
    true_positives: int | None = None
    false_positives: int | None = None
    false_negatives: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the metrics as a plain, JSON-serialisable dict."""
        return asdict(self)


def _f1(precision: float, recall: float) -> float:
    if precision + recall == 0.0:
        return 0.0
    return 2.0 * precision * recall / (precision + recall)


def _from_counts(tp: int, predicted: int, actual: int) -> ClusterMetrics:
    precision = tp / predicted if predicted else 1.0
    recall = tp / actual if actual else 1.0
    return ClusterMetrics(
        precision=precision,
        recall=recall,
        f1=_f1(precision, recall),
        true_positives=int(tp),
        false_positives=int(predicted - tp),
        false_negatives=int(actual - tp),
    )


def _codes(labels: Any, name: str) -> IntArray:
    """Non-negative integer codes for any array-like of hashable labels; equal label, equal code.

    Codes need not be dense: counts are taken with ``np.bincount`` and empty bins add nothing.
    """
    if isinstance(labels, pd.Series | pd.Index | np.ndarray):
        values = labels
    else:
        # Not np.asarray: it would turn [1, "1"] into two equal strings.
        values = pd.Series(list(labels))
    if getattr(values, "ndim", 1) != 1:
        msg = f"{name} must be one-dimensional (one label per record). Got shape {values.shape}."
        raise SchemaError(msg)
    array = values.to_numpy() if isinstance(values, pd.Series | pd.Index) else values
    if array.dtype.kind in "iu" and array.size:
        # Fast path: small non-negative integers are codes already (hashing costs ~0.7 s/10M).
        low, high = int(array.min()), int(array.max())
        if low >= 0 and high <= 4 * array.size + 1024:
            return array.astype(np.int64, copy=False)
    codes, _ = pd.factorize(values, use_na_sentinel=True)
    if (codes < 0).any():
        n_missing = int((codes < 0).sum())
        msg = (
            f"{name} must label every record, but {n_missing} label(s) are missing (None/NaN). "
            "Give every record a cluster label (a singleton gets a label of its own)."
        )
        raise SchemaError(msg)
    return codes.astype(np.int64, copy=False)


def _aligned_codes(true_labels: Any, pred_labels: Any) -> tuple[IntArray, IntArray]:
    t = _codes(true_labels, "true_labels")
    p = _codes(pred_labels, "pred_labels")
    if t.shape[0] != p.shape[0]:
        msg = (
            "true_labels and pred_labels must label the same records in the same order. "
            f"Got {t.shape[0]} true and {p.shape[0]} predicted labels."
        )
        raise SchemaError(msg)
    return t, p


def _cells(t: IntArray, p: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Non-empty contingency cells: (count n_ij, true code i, predicted code j) per cell."""
    if t.shape[0] == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    width = int(p.max()) + 1
    # Sort one int64 key per (true, pred) record and count runs: faster than hashing it.
    keys = t * width + p
    keys.sort()
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    counts = np.diff(np.append(starts, keys.shape[0])).astype(np.int64)
    first = keys[starts]
    return counts, first // width, first % width


def _contingency(t: IntArray, p: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Return (cell counts n_ij, row sums n_i., column sums n_.j); empty cells may be zeros."""
    n_ij, _, _ = _cells(t, p)
    return n_ij, np.bincount(t).astype(np.int64), np.bincount(p).astype(np.int64)


def _pairs(counts: IntArray) -> int:
    return int((counts * (counts - 1) // 2).sum())


def pairwise_metrics(true_labels: Any, pred_labels: Any) -> ClusterMetrics:
    """Pairwise precision, recall and F1 of a predicted clustering.

    A pair of records is positive when both records share a cluster. True positives are
    pairs together both in truth and in the prediction.

    Parameters
    ----------
    true_labels, pred_labels : array-like of hashable
        One cluster label per record, aligned (element ``k`` of both is the same record).
        Labels may be ints, strings or any hashable; only equality matters.

    Returns
    -------
    ClusterMetrics
        With pair counts in ``true_positives``, ``false_positives``, ``false_negatives``.

    Raises
    ------
    SchemaError
        (a ``ValueError``) when the lengths differ or a label is missing.

    Examples
    --------
    >>> m = pairwise_metrics([1, 1, 1, 2], ["a", "a", "b", "b"])
    >>> m.true_positives, m.false_positives, m.false_negatives
    (1, 1, 2)
    >>> round(m.precision, 3), round(m.recall, 3)
    (0.5, 0.333)
    """
    n_ij, n_i, n_j = _contingency(*_aligned_codes(true_labels, pred_labels))
    return _from_counts(_pairs(n_ij), _pairs(n_j), _pairs(n_i))


def bcubed_metrics(true_labels: Any, pred_labels: Any) -> ClusterMetrics:
    """B-cubed precision, recall and F1 of a predicted clustering.

    For each record, precision is the share of its predicted cluster that shares its true
    cluster, recall the share of its true cluster that shares its predicted cluster; both are
    averaged over records. The pair-count fields of the result are ``None``.

    Parameters
    ----------
    true_labels, pred_labels : array-like of hashable
        One cluster label per record, aligned.

    Examples
    --------
    >>> m = bcubed_metrics([1, 1, 2, 2], [1, 1, 1, 1])
    >>> m.precision, m.recall
    (0.5, 1.0)
    """
    t, p = _aligned_codes(true_labels, pred_labels)
    n = t.shape[0]
    if n == 0:
        return ClusterMetrics(precision=1.0, recall=1.0, f1=1.0)
    counts, cell_true, cell_pred = _cells(t, p)
    n_ij = counts.astype(np.float64)
    n_i = np.bincount(t).astype(np.float64)
    n_j = np.bincount(p).astype(np.float64)
    precision = float((n_ij**2 / n_j[cell_pred]).sum() / n)
    recall = float((n_ij**2 / n_i[cell_true]).sum() / n)
    return ClusterMetrics(precision=precision, recall=recall, f1=_f1(precision, recall))


def _normalise_pairs(pairs: Any, name: str) -> npt.NDArray[np.int64]:
    arr = np.asarray(pairs, dtype=np.int64)
    if arr.size == 0:
        return np.zeros((0, 2), dtype=np.int64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        msg = f"{name} must be an array of shape (n, 2) of record indices. Got shape {arr.shape}."
        raise SchemaError(msg)
    if (arr < 0).any():
        msg = f"{name} must hold non-negative record indices. Got a minimum of {int(arr.min())}."
        raise SchemaError(msg)
    if (arr[:, 0] == arr[:, 1]).any():
        msg = f"{name} pairs a record with itself at {int((arr[:, 0] == arr[:, 1]).sum())} row(s)."
        raise SchemaError(msg)
    return np.sort(arr, axis=1)


def link_pairs_metrics(pred_pairs: Any, true_pairs: Any) -> ClusterMetrics:
    """Precision, recall and F1 of a set of candidate or predicted pairs.

    Pairs are unordered: ``(3, 1)`` and ``(1, 3)`` are the same pair, and duplicates count
    once. Useful for blocking, where ``recall`` is the share of true matches that survive
    blocking and ``precision`` the share of candidates that are true matches.

    Parameters
    ----------
    pred_pairs, true_pairs : array-like of shape (n, 2)
        Non-negative integer record indices; no record paired with itself.

    Examples
    --------
    >>> m = link_pairs_metrics([(0, 1), (2, 1), (3, 4)], [(1, 0), (1, 2), (5, 6)])
    >>> m.true_positives, m.false_positives, m.false_negatives
    (2, 1, 1)
    """
    pred = _normalise_pairs(pred_pairs, "pred_pairs")
    true = _normalise_pairs(true_pairs, "true_pairs")
    width = int(max(pred.max(initial=0), true.max(initial=0))) + 1
    if width > 3_037_000_499:  # width² must fit in int64
        msg = f"Record indices must be below 3,037,000,499 to encode pairs. Got {width - 1}."
        raise SchemaError(msg)
    pred_keys = np.unique(pred[:, 0] * width + pred[:, 1])
    true_keys = np.unique(true[:, 0] * width + true[:, 1])
    tp = int(np.intersect1d(pred_keys, true_keys, assume_unique=True).shape[0])
    return _from_counts(tp, int(pred_keys.shape[0]), int(true_keys.shape[0]))


def _require_columns(frame: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        msg = (
            f"{name} lacks column(s) {missing}; it needs {list(columns)}. "
            f"Got columns {list(frame.columns)}."
        )
        raise SchemaError(msg)


def _duplicate_keys(frame: pd.DataFrame, name: str) -> None:
    dup = frame.duplicated(_KEY, keep=False)
    if dup.any():
        examples = frame.loc[dup, _KEY].drop_duplicates().head(5).to_records(index=False).tolist()
        msg = (
            f"{name} has {int(dup.sum())} rows with a duplicated (source, record_id), "
            f"e.g. {examples}. Each record must appear once."
        )
        raise SchemaError(msg)


def _align(crosswalk: pd.DataFrame, truth: pd.DataFrame, extra: Iterable[str] = ()) -> pd.DataFrame:
    """Join crosswalk to truth on (source, record_id); one row per truth record."""
    _require_columns(crosswalk, [*_KEY, "customer_id"], "crosswalk")
    extra = list(extra)
    _require_columns(truth, [*_KEY, "person_id", *extra], "truth")
    # Keys compare as strings: one side read from CSV as int and the other as str must match.
    cw = crosswalk[[*_KEY, "customer_id"]].astype({"source": str, "record_id": str})
    tr = truth[[*_KEY, "person_id", *extra]].astype({"source": str, "record_id": str})
    _duplicate_keys(tr, "truth")
    _duplicate_keys(cw, "crosswalk")
    merged = tr.merge(cw, on=_KEY, how="left", validate="one_to_one", indicator=True)
    missing = merged["_merge"] == "left_only"
    if missing.any():
        examples = merged.loc[missing, _KEY].head(5).to_records(index=False).tolist()
        msg = (
            f"{int(missing.sum())} of {len(tr)} truth records are missing from the crosswalk, "
            f"e.g. {examples}. The crosswalk must cover every input record."
        )
        raise SchemaError(msg)
    if merged["customer_id"].isna().any():
        n_null = int(merged["customer_id"].isna().sum())
        msg = f"The crosswalk has {n_null} record(s) with an empty customer_id."
        raise SchemaError(msg)
    return merged.drop(columns="_merge")


def evaluate_crosswalk(crosswalk: pd.DataFrame, truth: pd.DataFrame) -> dict[str, Any]:
    """Score a crosswalk (``source, record_id, customer_id``) against truth.

    Parameters
    ----------
    crosswalk : DataFrame
        Columns ``source``, ``record_id``, ``customer_id``; one row per source record.
    truth : DataFrame
        Columns ``source``, ``record_id``, ``person_id``; one row per source record.
        ``source`` and ``record_id`` are compared as strings on both sides.

    Returns
    -------
    dict
        ``{"n_records": int, "n_extra_crosswalk_records": int,
        "pairwise": ClusterMetrics, "bcubed": ClusterMetrics}``. Crosswalk rows without a
        truth row are ignored and counted in ``n_extra_crosswalk_records``.

    Raises
    ------
    SchemaError
        (a ``ValueError``) when a column is missing, a key is duplicated on either side, a
        truth record is missing from the crosswalk or a customer_id is empty.

    Examples
    --------
    >>> truth = pd.DataFrame({"source": ["a", "a", "b"], "record_id": ["1", "2", "1"],
    ...                       "person_id": [7, 7, 8]})
    >>> cw = pd.DataFrame({"source": ["a", "a", "b"], "record_id": [1, 2, 1],
    ...                    "customer_id": ["c1", "c1", "c1"]})
    >>> result = evaluate_crosswalk(cw, truth)
    >>> result["pairwise"].precision, result["pairwise"].recall
    (0.3333333333333333, 1.0)
    """
    merged = _align(crosswalk, truth)
    return {
        "n_records": len(merged),
        "n_extra_crosswalk_records": len(crosswalk) - len(merged),
        "pairwise": pairwise_metrics(merged["person_id"], merged["customer_id"]),
        "bcubed": bcubed_metrics(merged["person_id"], merged["customer_id"]),
    }


def _as_bool(column: pd.Series, name: str) -> npt.NDArray[np.bool_]:
    if column.dtype == bool:
        return column.to_numpy()
    mapping = {"true": True, "false": False, "1": True, "0": False, "": False, "nan": False}
    text = column.astype(str).str.strip().str.lower()
    unknown = ~text.isin(list(mapping))
    if unknown.any():
        examples = sorted(set(text[unknown].head(5)))
        msg = f"Tag column '{name}' must be boolean (true/false, 1/0). Got values {examples}."
        raise SchemaError(msg)
    return text.map(mapping).to_numpy(dtype=bool)


def breakdown_by_tag(
    crosswalk: pd.DataFrame, truth: pd.DataFrame, tags: Sequence[str]
) -> pd.DataFrame:
    """Pairwise metrics restricted to pairs that touch a tagged record, one row per tag.

    For a boolean tag column of ``truth`` (``is_twin``, ``is_family``…), a pair counts —
    as TP, FP or FN exactly as in :func:`pairwise_metrics` — when **at least one** of its
    two records carries the tag. The counts are exact and need no pair enumeration: the
    pairs touching a tagged record are all pairs minus the pairs among untagged records,
    and the latter are the pairwise counts of the untagged subset.

    Parameters
    ----------
    crosswalk, truth : DataFrame
        As for :func:`evaluate_crosswalk`; ``truth`` also has every column in ``tags``,
        holding booleans (or ``true``/``false``/``1``/``0`` text, empty meaning false).
    tags : sequence of str
        Tag column names.

    Returns
    -------
    DataFrame
        Indexed by tag, columns ``n_tagged_records, true_pairs, precision, recall, f1,
        true_positives, false_positives, false_negatives``.

    Examples
    --------
    >>> truth = pd.DataFrame({"source": "s", "record_id": ["1", "2", "3", "4"],
    ...                       "person_id": [1, 1, 2, 3], "is_twin": [False, False, True, True]})
    >>> cw = truth.assign(customer_id=[1, 1, 2, 2])[["source", "record_id", "customer_id"]]
    >>> row = breakdown_by_tag(cw, truth, ["is_twin"]).loc["is_twin"]
    >>> int(row.true_positives), int(row.false_positives), float(row.precision)
    (0, 1, 0.0)
    """
    merged = _align(crosswalk, truth, extra=tags)
    t, p = _aligned_codes(merged["person_id"], merged["customer_id"])
    n_ij, n_i, n_j = _contingency(t, p)
    all_tp, all_pred, all_true = _pairs(n_ij), _pairs(n_j), _pairs(n_i)
    rows = []
    for tag in tags:
        tagged = _as_bool(merged[tag], tag)
        u_ij, u_i, u_j = _contingency(t[~tagged], p[~tagged])
        tp = all_tp - _pairs(u_ij)
        predicted = all_pred - _pairs(u_j)
        actual = all_true - _pairs(u_i)
        m = _from_counts(tp, predicted, actual)
        rows.append(
            {"tag": tag, "n_tagged_records": int(tagged.sum()), "true_pairs": actual, **asdict(m)}
        )
    columns = [
        "tag",
        "n_tagged_records",
        "true_pairs",
        "precision",
        "recall",
        "f1",
        "true_positives",
        "false_positives",
        "false_negatives",
    ]
    return pd.DataFrame(rows, columns=columns).set_index("tag")
