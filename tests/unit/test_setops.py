"""Set tests over many row pairs against plain Python sets."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from custmdm._setops import RowSets, any_shared, contains

SETS = st.lists(st.lists(st.integers(0, 12), max_size=5), min_size=1, max_size=12)


@settings(max_examples=300, deadline=None)
@given(left=SETS, right=SETS, data=st.data())
def test_any_shared_and_contains_are_the_set_rules(left, right, data) -> None:
    n_pairs = data.draw(st.integers(0, 30))
    a = np.array(
        data.draw(st.lists(st.integers(0, len(left) - 1), min_size=n_pairs, max_size=n_pairs)),
        dtype=np.int64,
    )
    b = np.array(
        data.draw(st.lists(st.integers(0, len(right) - 1), min_size=n_pairs, max_size=n_pairs)),
        dtype=np.int64,
    )
    values = np.array(
        data.draw(st.lists(st.integers(-2, 14), min_size=n_pairs, max_size=n_pairs)), dtype=np.int64
    )
    lsets, rsets = RowSets.of(left), RowSets.of(right)
    width = max(lsets.width, rsets.width)
    keys = rsets.keys(width)
    shared = any_shared(lsets, a, keys, width, b)
    assert shared.tolist() == [
        not set(left[i]).isdisjoint(right[j]) for i, j in zip(a, b, strict=True)
    ]
    member = contains(keys, width, b, values)
    assert member.tolist() == [int(v) in set(right[j]) for j, v in zip(b, values, strict=True)]


def test_explode_lists_each_rows_members_in_pair_order() -> None:
    sets = RowSets.of([[3, 1], [], [2]])
    pair, member = sets.explode(np.array([2, 0, 1, 0]))
    assert pair.tolist() == [0, 1, 1, 3, 3]
    assert member.tolist() == [2, 1, 3, 1, 3]
