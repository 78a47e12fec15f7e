"""The report's numbers on small hand-made tables."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custmdm.report import analysis


@pytest.fixture
def crosswalk() -> pd.DataFrame:
    rows = [
        ("billing", "b1", "C1"),
        ("webshop", "w1", "C1"),
        ("pos", "p1", "C1"),
        ("billing", "b2", "C2"),
        ("webshop", "w2", "C2"),
        ("billing", "b3", "C3"),
        ("pos", "p3", "C4"),
        ("pos", "p4", "C4"),
    ]
    return pd.DataFrame(rows, columns=["source", "record_id", "customer_id"])


def _pairs(rows):
    return pd.DataFrame(
        rows,
        columns=[
            "left_source",
            "left_record_id",
            "right_source",
            "right_record_id",
            "match_weight",
            "match_probability",
        ],
    )


def test_overlap_counts_customers_shared_by_each_pair_of_sources(crosswalk):
    ov = analysis.overlap(crosswalk)
    assert ov["sources"] == ["billing", "pos", "webshop"]
    # diagonal: customers each source knows; off-diagonal: shared customers
    assert ov["shared"] == [[3, 1, 2], [1, 2, 1], [2, 1, 2]]
    assert ov["only"] == {"billing": 1, "pos": 1, "webshop": 0}
    assert ov["systems"] == {1: 2, 2: 1, 3: 1}
    assert ov["customers"] == 4
    bw = next(r for r in ov["pairs"] if (r["source_a"], r["source_b"]) == ("billing", "webshop"))
    assert bw["shared"] == 2
    assert bw["share_of_smaller"] == 1.0


def test_cluster_table_density_and_weakest_link(crosswalk):
    pairs = _pairs(
        [
            ("billing", "b1", "webshop", "w1", 10.0, 0.999),
            ("pos", "p1", "webshop", "w1", 2.0, 0.8),
            ("billing", "b1", "pos", "p1", -3.0, 0.11),  # inside C1 but below threshold
            ("billing", "b2", "webshop", "w2", 7.0, 0.99),
            ("billing", "b3", "pos", "p3", -8.0, 0.004),  # across customers
        ]
    )
    table = analysis.cluster_table(crosswalk, pairs, 0.5).set_index("customer_id")
    assert table.loc["C1", "size"] == 3
    assert table.loc["C1", "sources"] == "billing|pos|webshop"
    assert table.loc["C1", "links"] == 2
    assert table.loc["C1", "density"] == pytest.approx(2 / 3)
    assert table.loc["C1", "min_weight"] == 2.0
    assert table.loc["C2", "density"] == 1.0
    assert table.loc["C3", "density"] == 1.0  # a single record is trivially cohesive
    assert table.loc["C4", "links"] == 0
    assert table.loc["C4", "density"] == 0.0
    loose = analysis.least_cohesive(table.reset_index(), min_size=2)
    assert loose["customer_id"].tolist()[:2] == ["C4", "C1"]
    assert analysis.largest(table.reset_index(), 1)["customer_id"].tolist() == ["C1"]


def test_borderline_pairs_are_the_nearest_on_each_side():
    pairs = _pairs(
        [
            ("a", str(k), "b", str(k), w, 1 / (1 + 2 ** (-w)))
            for k, w in enumerate([-9.0, -0.5, -2.0, 0.2, 3.0, 12.0])
        ]
    )
    border = analysis.borderline_pairs(pairs, 0.5, n=2)
    assert border["side"].tolist() == ["above", "above", "below", "below"]
    assert border["match_weight"].tolist() == [0.2, 3.0, -0.5, -2.0]
    assert analysis.borderline_pairs(pairs.iloc[:0], 0.5).empty


def test_threshold_weight_is_the_log2_odds():
    assert analysis.threshold_weight(0.5) == 0.0
    assert analysis.threshold_weight(0.8) == pytest.approx(2.0)


def test_waterfall_terms_add_up_to_the_match_weight():
    prior = 0.01
    model = {
        "prior_match_probability": prior,
        "comparisons": [
            {
                "comparison": {"name": "phone"},
                "levels": [{"label": "exact", "weight": 7.0}, {"label": "else", "weight": -3.0}],
            },
            {
                "comparison": {"name": "email"},
                "levels": [{"label": "exact", "weight": 8.0}, {"label": "else", "weight": -4.0}],
            },
        ],
    }
    pw = math.log2(prior / (1 - prior))
    row = {"level_phone": 0, "level_email": -1, "match_weight": pw + 7.0 + 0.5}
    terms = analysis.waterfall_terms(row, model)
    assert terms["comparison"].tolist() == ["prior", "phone", "email", "term frequency"]
    assert terms["level"].tolist() == ["", "exact", "null", ""]
    assert terms["weight"].sum() == pytest.approx(row["match_weight"])
    assert terms["weight"].iloc[-1] == pytest.approx(0.5)


def test_expected_vs_found():
    crosswalk = pd.DataFrame(
        {"source": ["a", "a", "b"], "record_id": ["1", "2", "3"], "customer_id": ["C", "C", "D"]}
    )
    pairs = _pairs([("a", "1", "a", "2", 5.0, 0.97), ("a", "2", "b", "3", -5.0, 0.03)])
    report = {
        "counts": {"records": 3, "linked_pairs": 1},
        "model": {"prior_match_probability": 0.5},
    }
    evf = analysis.expected_vs_found(pairs, crosswalk, report)
    assert evf == {
        "expected_all": 1.5,
        "expected_candidates": pytest.approx(1.0),
        "linked": 1.0,
        "implied": 1.0,
    }


def _reference_pair_customers(crosswalk, pairs):
    """The string-index lookup the coded one must agree with."""
    index = pd.Series(
        crosswalk["customer_id"].to_numpy(),
        index=pd.MultiIndex.from_arrays(
            [crosswalk["source"].astype(str), crosswalk["record_id"].astype(str)]
        ),
    )
    return [
        index.reindex(
            pd.MultiIndex.from_arrays(
                [pairs[f"{side}_source"].astype(str), pairs[f"{side}_record_id"].astype(str)]
            )
        ).to_numpy(dtype=object)
        for side in ("left", "right")
    ]


def _reference_borderline(pairs, threshold, n):
    tw = analysis.threshold_weight(threshold)
    frame = pairs.assign(distance=(pairs["match_weight"] - tw).abs())
    keys = ["distance", "left_source", "left_record_id", "right_source", "right_record_id"]
    above = frame[frame["match_probability"] >= threshold]
    below = frame[frame["match_probability"] < threshold]
    return pd.concat(
        [
            above.sort_values(keys, kind="stable").head(n).assign(side="above"),
            below.sort_values(keys, kind="stable").head(n).assign(side="below"),
        ],
        ignore_index=True,
    )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["billing", "pos", "webshop"]),
            st.integers(0, 6),
            st.sampled_from(["billing", "pos", "webshop", "gone"]),
            st.integers(0, 7),
            st.sampled_from([-4.0, -1.0, -0.5, 0.0, 0.5, 1.0, 4.0]),  # many ties
        ),
        max_size=40,
    ),
    st.integers(0, 5),
    st.booleans(),
)
def test_coded_lookups_agree_with_the_string_index(rows, n, categorical):
    crosswalk = pd.DataFrame(
        [(s, str(r), f"C{r % 3}{s[0]}") for s in ("billing", "pos", "webshop") for r in range(7)],
        columns=["source", "record_id", "customer_id"],
    )
    pairs = _pairs([(a, str(b), c, str(d), w, 1 / (1 + 2 ** (-w))) for a, b, c, d, w in rows])
    if categorical:  # as an in-memory result has them
        for col in ("left_source", "left_record_id", "right_source", "right_record_id"):
            pairs[col] = pd.Categorical(pairs[col])
    got = analysis._pair_customers(crosswalk, pairs)
    want = _reference_pair_customers(crosswalk, pairs)
    for g, w in zip(got, want, strict=True):
        assert pd.Series(g, dtype=object).equals(pd.Series(w, dtype=object))
    if len(pairs):  # no pairs: the early return tested above
        pd.testing.assert_frame_equal(
            analysis.borderline_pairs(pairs, 0.5, n), _reference_borderline(pairs, 0.5, n)
        )
