"""Stacking the sources' columns: coded hand-over gives what a plain concat would."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custmdm.prepare import CodedColumn, _stack_columns


def _reference(frames: list[pd.DataFrame], order: np.ndarray | None) -> dict[str, list]:
    """The plain rule: each column concatenated as pandas does (a source without it adds
    missing rows), missing values of object columns become None, rows reordered."""
    names: list[str] = []
    for frame in frames:
        names += [str(c) for c in frame.columns if str(c) not in names]
    out = {}
    for name in names:
        pieces = [
            pd.DataFrame({name: f[name].to_numpy()})
            if name in f
            else pd.DataFrame(index=pd.RangeIndex(len(f)))
            for f in frames
        ]
        values = pd.concat(pieces, ignore_index=True)[name].to_numpy()
        if values.dtype == object:
            values = values.copy()
            values[pd.isna(values)] = None
        out[name] = list(values if order is None else values[order])
    return out


def _same(a: list, b: list) -> bool:
    """Equal values of equal types, missing where the other is missing (NaN == NaN)."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if type(x) is not type(y):
            return False
        if isinstance(x, float) and np.isnan(x) and np.isnan(y):
            continue
        if x != y:
            return False
    return True


def _stack(frames: list[pd.DataFrame], order: np.ndarray | None) -> dict[str, np.ndarray]:
    parts = [{str(c): CodedColumn.of(f[c].to_numpy()) for c in f.columns} for f in frames]
    return _stack_columns(parts, [len(f) for f in frames], order)


TEXT = st.sampled_from(["иван", "ivan", "Ivan", "", "a b", "ё"])
CELL = st.one_of(
    st.none(), TEXT, st.integers(-2, 2), st.booleans(), st.just(float("nan")), st.floats(-1, 1)
)


@st.composite
def sources(draw: st.DrawFn) -> list[pd.DataFrame]:
    """Two to four sources; each holds some of the columns a, b, c with values of some kinds."""
    frames = []
    for _ in range(draw(st.integers(2, 4))):
        n = draw(st.integers(0, 6))
        columns = draw(st.sets(st.sampled_from("abc")))
        data = {}
        for name in sorted(columns):
            kind = draw(st.sampled_from(["text", "int", "mixed", "float", "none"]))
            cell = {
                "text": st.one_of(st.none(), TEXT),
                "int": st.one_of(st.none(), st.integers(-2, 2)),
                "mixed": CELL,
                "float": st.floats(-1, 1),
                "none": st.none(),
            }[kind]
            values = draw(st.lists(cell, min_size=n, max_size=n))
            data[name] = np.array(values, dtype=float if kind == "float" else object)
        frames.append(pd.DataFrame(data, index=pd.RangeIndex(n)))
    return frames


@settings(max_examples=300, deadline=None)
@given(frames=sources(), shuffle=st.randoms(use_true_random=False))
def test_stacking_coded_columns_gives_the_plain_concat(frames, shuffle) -> None:
    total = sum(len(f) for f in frames)
    order = np.arange(total)
    shuffle.shuffle(order)
    got = _stack(frames, order)
    want = _reference(frames, order)
    assert list(got) == list(want)
    for name, values in want.items():
        assert _same(list(got[name]), values), name


def test_equal_text_of_different_sources_is_one_object() -> None:
    first = pd.DataFrame({"city": np.array(["".join(["mos", "cow"]), None], dtype=object)})
    second = pd.DataFrame({"city": np.array([None, "".join(["mosc", "ow"])], dtype=object)})
    assert first["city"][0] is not second["city"][1]
    got = _stack([first, second], None)["city"]
    assert list(got) == ["moscow", None, None, "moscow"]
    assert got[0] is got[3]


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ([1, None], ["1", None]),  # int and text never merge
        ([True, None], [1, None]),  # nor a bool and an int that compare equal
        ([0.0, None], [-0.0, None]),  # floats keep their own objects
    ],
)
def test_values_of_other_kinds_are_never_merged(left, right) -> None:
    first = pd.DataFrame({"x": np.array(left, dtype=object)})
    second = pd.DataFrame({"x": np.array(right, dtype=object)})
    got = _stack([first, second], None)["x"]
    assert [type(v) for v in got] == [type(v) for v in left + right]
    assert got[0] is not got[2]


def test_a_column_absent_from_a_source_is_missing_there() -> None:
    first = pd.DataFrame({"x": np.array(["a", "b"], dtype=object)})
    second = pd.DataFrame({"y": np.array(["c"], dtype=object)})
    got = _stack([first, second], np.array([2, 0, 1]))
    assert list(got["x"]) == [None, "a", "b"]
    assert list(got["y"]) == ["c", None, None]
