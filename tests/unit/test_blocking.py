"""Blocking: pair counts before pairs, each pair once, generic values, runaway rules."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custmdm.blocking.rules import (
    Blocker,
    _pairs_within_blocks,
    block_size_limit,
    combine_codes,
    generic_values,
)
from custmdm.config import BlockingRule
from custmdm.exceptions import BlockingError


def naive_pairs(table: pd.DataFrame, rules: list[BlockingRule]) -> set[tuple[int, int]]:
    out = set()
    for i, j in itertools.combinations(range(len(table)), 2):
        for rule in rules:
            vals_i = [table[k].iat[i] for k in rule.on]
            vals_j = [table[k].iat[j] for k in rule.on]
            if all(v is not None for v in vals_i) and vals_i == vals_j:
                out.add((i, j))
    return out


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ([0, 0, 1, 1, 1, -1], {(0, 1), (2, 3), (2, 4), (3, 4)}),
        ([-1, -1, -1], set()),
        ([3, 1, 3, 1], {(0, 2), (1, 3)}),
        ([0], set()),
    ],
)
def test_pairs_within_blocks_table(codes: list[int], expected: set[tuple[int, int]]) -> None:
    found = set()
    for left, right in _pairs_within_blocks(np.array(codes, dtype=np.int64), chunk_pairs=2):
        assert (left < right).all()
        found |= set(zip(left.tolist(), right.tolist(), strict=True))
    assert found == expected


values = st.one_of(st.none(), st.sampled_from(["a", "b", "c"]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(values, values), min_size=0, max_size=25), st.integers(1, 7))
def test_union_of_rules_yields_each_pair_once(
    rows: list[tuple[str | None, str | None]], chunk: int
) -> None:
    table = pd.DataFrame(rows, columns=["x", "y"], dtype=object)
    if table.empty:
        table = pd.DataFrame({"x": pd.Series([], dtype=object), "y": pd.Series([], dtype=object)})
    rules = [BlockingRule(on=["x"]), BlockingRule(on=["y"]), BlockingRule(on=["x", "y"])]
    blocker = Blocker(table, rules, max_pairs_per_rule=10**9)
    got = [
        p
        for left, right in blocker.iter_pairs(chunk_pairs=chunk)
        for p in zip(left.tolist(), right.tolist(), strict=True)
    ]
    assert len(got) == len(set(got)), "a pair was produced twice"
    assert set(got) == naive_pairs(table, rules)


def test_pair_count_is_known_before_pairs_are_built() -> None:
    table = pd.DataFrame({"postcode": ["101000"] * 100 + [None] * 5})
    blocker = Blocker(table, [BlockingRule(on=["postcode"])], max_pairs_per_rule=10**9)
    (stats,) = blocker.stats()
    assert stats.pairs == 100 * 99 // 2
    assert stats.largest_blocks[0][1] == 100


def test_runaway_rule_stops_with_rule_name_and_masked_values() -> None:
    table = pd.DataFrame({"postcode": ["101000"] * 2000})
    blocker = Blocker(table, [BlockingRule(on=["postcode"])], max_pairs_per_rule=1000)
    with pytest.raises(BlockingError) as err:
        blocker.check()
    text = str(err.value)
    assert "'postcode'" in text and "1,999,000" in text and "2,000 records" in text
    assert "101000" not in text


def test_generic_identifier_values_never_form_a_block() -> None:
    phones = ["+74950000000"] * 30 + ["+79160000001", "+79160000001", None]
    table = pd.DataFrame({"phone": phones})
    codes, found = generic_values(table, ["phone"], max_share=25)
    assert [g.records for g in found] == [30]
    assert "+7495" not in found[0].masked_value
    blocker = Blocker(table, [BlockingRule(on=["phone"])], max_pairs_per_rule=10**9, generic=codes)
    left, right = blocker.all_pairs()
    assert list(zip(left.tolist(), right.tolist(), strict=True)) == [(30, 31)]


def test_combine_codes_missing_if_any_key_missing() -> None:
    a = np.array([0, 0, 1, -1])
    b = np.array([2, 2, -1, 0])
    out = combine_codes([a, b])
    assert out[0] == out[1] and out[0] >= 0
    assert out[2] == -1 and out[3] == -1


def test_block_over_max_block_size_builds_no_pairs_under_that_rule() -> None:
    # four records share one name (a block of 4), two share another (a block of 2)
    table = pd.DataFrame(
        {
            "name": ["a", "a", "a", "a", "b", "b"],
            "phone": ["p1", "p1", None, None, "p2", None],
        }
    )
    capped = BlockingRule(on=["name"], max_block_size=3)
    pairs = Blocker(table, [capped], max_pairs_per_rule=10**6).all_pairs()
    assert set(zip(pairs[0].tolist(), pairs[1].tolist(), strict=True)) == {(4, 5)}
    assert [s.pairs for s in Blocker(table, [capped], max_pairs_per_rule=10**6).stats()] == [1]
    # the capped block's records still meet through another rule
    both = Blocker(table, [BlockingRule(on=["phone"]), capped], max_pairs_per_rule=10**6)
    left, right = both.all_pairs()
    assert set(zip(left.tolist(), right.tolist(), strict=True)) == {(0, 1), (4, 5)}


def test_pair_budget_admits_blocks_smallest_first() -> None:
    # blocks of 2, 3 and 5 records: 1, 3 and 10 pairs; 10 records in all
    names = ["a"] * 2 + ["b"] * 3 + ["c"] * 5
    table = pd.DataFrame({"name": names})

    def pairs_under(budget: float) -> set[tuple[int, int]]:
        rule = BlockingRule(on=["name"], max_pairs_per_record=budget)
        left, right = Blocker(table, [rule], max_pairs_per_rule=10**6).all_pairs()
        return set(zip(left.tolist(), right.tolist(), strict=True))

    assert len(pairs_under(1.4)) == 14  # 14 pairs fit 1.4 per record: every block
    assert pairs_under(0.4) == {(0, 1), (2, 3), (2, 4), (3, 4)}  # 4 pairs: blocks of 2 and 3
    assert pairs_under(0.39) == {(0, 1)}
    assert pairs_under(0.05) == set()


def test_block_size_limit_takes_the_tighter_of_size_and_budget() -> None:
    blocks_of_size = np.zeros(51, dtype=np.int64)
    blocks_of_size[[2, 10, 50]] = [100, 10, 1]  # 100 + 450 + 1,225 pairs
    both = BlockingRule(on=["k"], max_block_size=20, max_pairs_per_record=100.0)
    assert block_size_limit(both, blocks_of_size, records=1_000) == 20  # budget admits all
    assert block_size_limit(both, blocks_of_size, records=5) == 9  # 500 pairs: blocks of 2
    size_only = BlockingRule(on=["k"], max_block_size=20)
    assert block_size_limit(size_only, blocks_of_size, records=5) == 20
    budget_only = BlockingRule(on=["k"], max_pairs_per_record=1.0)
    assert block_size_limit(budget_only, blocks_of_size, records=10_000) is None
    assert block_size_limit(budget_only, blocks_of_size, records=600) == 49


def test_max_block_size_is_validated() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        BlockingRule(on=["name"], max_block_size=1)


def test_a_rule_on_phone_is_masked_where_phone_key_is_generic() -> None:
    # a shop's counter phone on 30 records, spelled as +7 and as the bare ten digits' key
    table = pd.DataFrame(
        {
            "phone": ["+74950000000"] * 30 + ["+79161234567", "+79161234567"],
            "phone_key": ["4950000000"] * 30 + ["9161234567", "9161234567"],
        }
    )
    codes, found = generic_values(table, ["phone_key"], max_share=25)
    assert [g.key for g in found] == ["phone"]  # reported by the field users know
    left, right = Blocker(
        table, [BlockingRule(on=["phone"])], max_pairs_per_rule=10**9, generic=codes
    ).all_pairs()
    assert set(zip(left.tolist(), right.tolist(), strict=True)) == {(30, 31)}
