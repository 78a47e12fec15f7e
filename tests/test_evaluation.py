"""custmdm.evaluation against a naive O(n²) pair-enumerating reference."""

from __future__ import annotations

import itertools
import time
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custmdm.evaluation import (
    ClusterMetrics,
    bcubed_metrics,
    breakdown_by_tag,
    evaluate_crosswalk,
    link_pairs_metrics,
    pairwise_metrics,
)

# --- naive references -------------------------------------------------------------------


def naive_pair_counts(true, pred, touch=None):
    """(TP, predicted pairs, true pairs) by enumerating pairs; ``touch`` restricts to pairs
    where at least one record is flagged."""
    tp = predicted = actual = 0
    for a, b in itertools.combinations(range(len(true)), 2):
        if touch is not None and not (touch[a] or touch[b]):
            continue
        same_true = true[a] == true[b]
        same_pred = pred[a] == pred[b]
        tp += same_true and same_pred
        predicted += same_pred
        actual += same_true
    return tp, predicted, actual


def naive_bcubed(true, pred):
    n = len(true)
    precision = recall = Fraction(0)
    for a in range(n):
        in_pred = [b for b in range(n) if pred[b] == pred[a]]
        in_true = [b for b in range(n) if true[b] == true[a]]
        both = [b for b in in_pred if true[b] == true[a]]
        precision += Fraction(len(both), len(in_pred))
        recall += Fraction(len(both), len(in_true))
    return float(precision / n), float(recall / n)


def ratio(num, den):
    return num / den if den else 1.0


# --- pairwise: table-driven --------------------------------------------------------------

PAIRWISE_CASES = [
    # true, pred, (tp, fp, fn), precision, recall
    ([1, 1, 1, 2], ["a", "a", "b", "b"], (1, 1, 2), 0.5, 1 / 3),
    ([1, 2, 3], [1, 2, 3], (0, 0, 0), 1.0, 1.0),  # all singletons: vacuously perfect
    ([1, 1, 2, 2], [1, 1, 2, 2], (2, 0, 0), 1.0, 1.0),
    ([1, 1, 2, 2], [5, 5, 5, 5], (2, 4, 0), 2 / 6, 1.0),  # everything merged
    ([1, 1, 1, 1], [1, 2, 3, 4], (0, 0, 6), 1.0, 0.0),  # nothing merged
    ([1, 2], [1, 1], (0, 1, 0), 0.0, 1.0),
    ([], [], (0, 0, 0), 1.0, 1.0),
    (["x", "x", "y"], [0, 0, 0], (1, 2, 0), 1 / 3, 1.0),
]


@pytest.mark.parametrize(("true", "pred", "counts", "precision", "recall"), PAIRWISE_CASES)
def test_pairwise_table(true, pred, counts, precision, recall):
    m = pairwise_metrics(true, pred)
    assert (m.true_positives, m.false_positives, m.false_negatives) == counts
    assert m.precision == pytest.approx(precision)
    assert m.recall == pytest.approx(recall)


def test_f1_is_zero_when_precision_and_recall_are_zero():
    m = pairwise_metrics([1, 1, 2, 2], [1, 2, 1, 2])
    assert (m.precision, m.recall, m.f1) == (0.0, 0.0, 0.0)


def test_labels_are_compared_by_value_not_by_string():
    # np.asarray([1, "1"]) would make both "1"; they are different labels.
    m = pairwise_metrics([1, 1], [1, "1"])
    assert m.true_positives == 0
    assert m.false_negatives == 1


def test_accepts_series_index_and_sparse_integers():
    true = pd.Series([10**12, 10**12, 7, 7])
    pred = pd.Index([3, 3, 3, 9])
    m = pairwise_metrics(true, pred)
    assert (m.true_positives, m.false_positives, m.false_negatives) == (1, 2, 1)


def test_length_mismatch_is_a_value_error():
    with pytest.raises(ValueError, match="same records"):
        pairwise_metrics([1, 2, 3], [1, 2])


def test_missing_label_is_a_value_error():
    with pytest.raises(ValueError, match="missing"):
        pairwise_metrics([1, None, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="missing"):
        bcubed_metrics([1, 2, 3], np.array([1.0, np.nan, 2.0]))


# --- property tests against the naive reference -----------------------------------------

labels = st.one_of(
    st.integers(min_value=0, max_value=6),
    st.integers(min_value=-3, max_value=10**15),
    st.sampled_from(["a", "b", "c", "Ё", ""]),
)
labelings = st.integers(min_value=0, max_value=25).flatmap(
    lambda n: st.tuples(
        st.lists(labels, min_size=n, max_size=n), st.lists(labels, min_size=n, max_size=n)
    )
)


@given(labelings)
@settings(max_examples=300, deadline=None)
def test_pairwise_equals_naive(pair):
    true, pred = pair
    tp, predicted, actual = naive_pair_counts(true, pred)
    m = pairwise_metrics(true, pred)
    assert (m.true_positives, m.false_positives, m.false_negatives) == (
        tp,
        predicted - tp,
        actual - tp,
    )
    assert m.precision == ratio(tp, predicted)
    assert m.recall == ratio(tp, actual)


@given(labelings)
@settings(max_examples=300, deadline=None)
def test_bcubed_equals_naive(pair):
    true, pred = pair
    m = bcubed_metrics(true, pred)
    if not true:
        assert (m.precision, m.recall, m.f1) == (1.0, 1.0, 1.0)
        return
    precision, recall = naive_bcubed(true, pred)
    assert m.precision == pytest.approx(precision, rel=1e-12)
    assert m.recall == pytest.approx(recall, rel=1e-12)
    assert m.true_positives is None
    assert 0.0 <= m.f1 <= 1.0


@given(labelings)
@settings(max_examples=100, deadline=None)
def test_swapping_truth_and_prediction_swaps_precision_and_recall(pair):
    true, pred = pair
    for metric in (pairwise_metrics, bcubed_metrics):
        a, b = metric(true, pred), metric(pred, true)
        assert a.precision == pytest.approx(b.recall)
        assert a.recall == pytest.approx(b.precision)


def test_bcubed_table():
    m = bcubed_metrics([1, 1, 2, 2], [1, 1, 1, 1])
    assert (m.precision, m.recall) == (0.5, 1.0)
    m = bcubed_metrics([1, 1, 1], [1, 2, 3])
    assert m.precision == 1.0
    assert m.recall == pytest.approx(1 / 3)


@pytest.mark.slow
def test_ten_million_records_take_about_a_second():
    rng = np.random.default_rng(0)
    n = 10_000_000
    true = rng.integers(0, n // 3, n)
    pred = true.copy()
    moved = rng.random(n) < 0.05
    pred[moved] = rng.integers(0, n // 2, int(moved.sum()))
    start = time.perf_counter()
    pairwise_metrics(true, pred)
    elapsed = time.perf_counter() - start
    # The target is < 1 s on an idle 2-core machine; leave room for a loaded CI runner.
    assert elapsed < 5.0


# --- link pairs --------------------------------------------------------------------------

LINK_CASES = [
    ([(0, 1), (2, 1), (3, 4)], [(1, 0), (1, 2), (5, 6)], (2, 1, 1)),
    ([(0, 1), (1, 0), (0, 1)], [(0, 1)], (1, 0, 0)),  # order and duplicates ignored
    ([], [(0, 1)], (0, 0, 1)),
    ([(0, 1)], [], (0, 1, 0)),
    (np.zeros((0, 2), dtype=int), np.zeros((0, 2), dtype=int), (0, 0, 0)),
]


@pytest.mark.parametrize(("pred", "true", "counts"), LINK_CASES)
def test_link_pairs_table(pred, true, counts):
    m = link_pairs_metrics(pred, true)
    assert (m.true_positives, m.false_positives, m.false_negatives) == counts


pair_lists = st.lists(
    st.tuples(st.integers(0, 12), st.integers(0, 12)).filter(lambda ab: ab[0] != ab[1]),
    max_size=40,
)


@given(pair_lists, pair_lists)
@settings(max_examples=200, deadline=None)
def test_link_pairs_equals_set_reference(pred, true):
    pred_set = {frozenset(p) for p in pred}
    true_set = {frozenset(p) for p in true}
    tp = len(pred_set & true_set)
    m = link_pairs_metrics(pred, true)
    assert (m.true_positives, m.false_positives, m.false_negatives) == (
        tp,
        len(pred_set) - tp,
        len(true_set) - tp,
    )


@pytest.mark.parametrize(
    ("pairs", "message"),
    [([(0, 0)], "itself"), ([(-1, 2)], "non-negative"), ([(0, 1, 2)], "shape")],
)
def test_link_pairs_rejects_bad_pairs(pairs, message):
    with pytest.raises(ValueError, match=message):
        link_pairs_metrics(pairs, [(0, 1)])


# --- crosswalk ---------------------------------------------------------------------------


def make_truth():
    return pd.DataFrame(
        {
            "source": ["crm", "crm", "web", "web", "pos"],
            "record_id": ["1", "2", "1", "2", "9"],
            "person_id": [100, 100, 100, 200, 300],
            "is_twin": [False, False, False, True, "true"],
        }
    )


def test_evaluate_crosswalk_joins_on_source_and_record_id():
    truth = make_truth()
    crosswalk = pd.DataFrame(
        {
            # shuffled, record_id as int, one extra record not in truth
            "source": ["web", "pos", "crm", "crm", "web", "extra"],
            "record_id": [2, 9, 2, 1, 1, 1],
            "customer_id": ["C2", "C2", "C1", "C1", "C1", "C9"],
        }
    )
    result = evaluate_crosswalk(crosswalk, truth)
    assert result["n_records"] == 5
    assert result["n_extra_crosswalk_records"] == 1
    expected = pairwise_metrics([100, 100, 100, 200, 300], ["C1", "C1", "C1", "C2", "C2"])
    assert result["pairwise"] == expected
    assert isinstance(result["bcubed"], ClusterMetrics)


def test_evaluate_crosswalk_missing_record_is_a_value_error():
    truth = make_truth()
    crosswalk = truth.iloc[:4].assign(customer_id=1)[["source", "record_id", "customer_id"]]
    with pytest.raises(ValueError, match=r"1 of 5 truth records are missing.*'pos', '9'"):
        evaluate_crosswalk(crosswalk, truth)


@pytest.mark.parametrize("side", ["truth", "crosswalk"])
def test_evaluate_crosswalk_duplicate_is_a_value_error(side):
    truth = make_truth()
    crosswalk = truth.assign(customer_id=1)[["source", "record_id", "customer_id"]]
    if side == "truth":
        truth = pd.concat([truth, truth.iloc[[0]]])
    else:
        crosswalk = pd.concat([crosswalk, crosswalk.iloc[[0]]])
    with pytest.raises(ValueError, match=f"{side} has 2 rows with a duplicated"):
        evaluate_crosswalk(crosswalk, truth)


def test_evaluate_crosswalk_missing_column_and_empty_customer():
    truth = make_truth()
    with pytest.raises(ValueError, match="customer_id"):
        evaluate_crosswalk(truth[["source", "record_id"]], truth)
    crosswalk = truth.assign(customer_id=[1, 1, None, 2, 3])
    with pytest.raises(ValueError, match="empty customer_id"):
        evaluate_crosswalk(crosswalk, truth)


# --- breakdown by tag --------------------------------------------------------------------


def test_breakdown_by_tag_table():
    truth = make_truth()
    crosswalk = truth.assign(customer_id=["C1", "C1", "C1", "C1", "C3"])
    table = breakdown_by_tag(crosswalk, truth, ["is_twin"])
    row = table.loc["is_twin"]
    # tagged: web/2 (person 200, merged into C1) and pos/9 (person 300, alone)
    assert row.n_tagged_records == 2
    assert (row.true_positives, row.false_positives, row.false_negatives) == (0, 3, 0)
    assert row.precision == 0.0
    assert row.recall == 1.0  # no true pair touches a twin


def test_breakdown_rejects_non_boolean_tag():
    truth = make_truth().assign(is_twin=["yes", "no", "no", "no", "no"])
    crosswalk = truth.assign(customer_id=1)
    with pytest.raises(ValueError, match="must be boolean"):
        breakdown_by_tag(crosswalk, truth, ["is_twin"])


@given(
    st.integers(min_value=0, max_value=20).flatmap(
        lambda n: st.tuples(
            st.lists(st.integers(0, 5), min_size=n, max_size=n),
            st.lists(st.integers(0, 5), min_size=n, max_size=n),
            st.lists(st.booleans(), min_size=n, max_size=n),
        )
    )
)
@settings(max_examples=200, deadline=None)
def test_breakdown_equals_naive(data):
    true, pred, tagged = data
    n = len(true)
    truth = pd.DataFrame(
        {"source": "s", "record_id": [str(i) for i in range(n)], "person_id": true, "tag": tagged},
        columns=["source", "record_id", "person_id", "tag"],
    )
    crosswalk = pd.DataFrame(
        {"source": "s", "record_id": list(range(n)), "customer_id": pred},
        columns=["source", "record_id", "customer_id"],
    )
    row = breakdown_by_tag(crosswalk, truth, ["tag"]).loc["tag"]
    tp, predicted, actual = naive_pair_counts(true, pred, touch=tagged)
    assert (row.true_positives, row.false_positives, row.false_negatives) == (
        tp,
        predicted - tp,
        actual - tp,
    )
    assert row.true_pairs == actual
    assert row.precision == ratio(tp, predicted)
    assert row.recall == ratio(tp, actual)
