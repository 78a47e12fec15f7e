"""The shared driver's shortcuts give exactly what the plain computation gives.

``is_junk`` rules most values out by their first character, ``assemble_results`` builds its
columns in bulk, and ``apply_distinct_multi`` takes a single given column directly and finds
each combination's first row without sorting. Each is compared here with a plain reference
written the straightforward way, on a table of values and on Hypothesis examples.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custmdm.normalise import _common, translit

SETTINGS = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- is_junk --------------------------------------------------------------------------------


def _junk_reference(text: str) -> bool:
    if _common._JUNK_PATTERN_RE.match(text):
        return True
    squeezed = text.casefold().replace(" ", "").replace(".", "")
    return squeezed in _common.JUNK_TOKENS or text.casefold() in _common.JUNK_TOKENS


JUNK_TABLE = [
    *sorted(_common.JUNK_TOKENS),
    *(t.upper() for t in sorted(_common.JUNK_TOKENS)),
    *(t.title() for t in sorted(_common.JUNK_TOKENS)),
    " n/a",
    ".na",
    "N.A.",
    "n a",
    "Не указано",
    "НЕТ",
    "Нет",
    "Test",
    "TBD",
    "xx",
    "XX",
    "xX",
    "ХХ",
    "хх",
    "x",
    "х",
    "0",
    "00",
    "???",
    "_",
    "__",
    "--",
    "—",
    "ß",
    "İ",
    "ﬁ",
    "Ｎ/Ａ",
    "Иван",
    "Мария",
    "Наталья",
    "Ольга",
    "Павел",
    "Тимур",
    "Ekaterina",
    "Nikolay",
    "Tom",
    "1",
    "9a",
    "г москва ул ленина д 5",
    "ул ленина",
]


@pytest.mark.parametrize("text", JUNK_TABLE)
def test_is_junk_table(text: str) -> None:
    assert _common.is_junk(text) is _junk_reference(text)


JUNK_ALPHABET = "abentumxXNUEBMT0?._- /\\АБВнеотпНЕОТПхХ" + "ßİﬁ\u00a0\u2003ｎ"


@SETTINGS
@given(
    st.one_of(
        st.text(alphabet=JUNK_ALPHABET, min_size=1, max_size=14),
        st.text(min_size=1, max_size=12),
        st.sampled_from(sorted(_common.JUNK_TOKENS)).map(str.upper),
    )
)
def test_is_junk_matches_reference(text: str) -> None:
    assert _common.is_junk(text) is _junk_reference(text)


def test_no_junk_start_characters_each_checked() -> None:
    # every character of the shortcut set, alone and followed by any token or pattern tail
    tails = ["", "a", "x", "0", "/a", *sorted(_common.JUNK_TOKENS)]
    for ch in sorted(_common._NO_JUNK_START):
        for tail in tails:
            assert not _junk_reference(ch + tail), repr(ch + tail)


# --- assemble_results / apply_distinct_multi ---------------------------------------------------


def _assemble_reference(
    index: pd.Index,
    codes: np.ndarray,
    results: list[tuple[tuple[Any, ...], Any]],
    columns: list[str],
    na_values: tuple[Any, ...] | None = None,
    na_reasons: Any = (),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Row by row: each row's values and its issues in order."""
    out: dict[str, list[Any]] = {c: [] for c in columns}
    rows, fields, reasons = [], [], []
    for label, code in zip(index, codes, strict=True):
        if code < 0:
            vals = (None,) * len(columns) if na_values is None else na_values
            rs = na_reasons
        else:
            vals, rs = results[code]
        for c, v in zip(columns, vals, strict=True):
            out[c].append(v)
        for f, r in rs:
            rows.append(label)
            fields.append(f)
            reasons.append(r)
    frame = pd.DataFrame(
        {c: pd.Series(v, index=index, dtype=object) for c, v in out.items()}, index=index
    )
    issues = pd.DataFrame(
        {
            "row": pd.Series(rows, dtype=object),
            "field": pd.Series(fields, dtype=object),
            "reason": pd.Series(reasons, dtype=object),
        }
    )
    return frame, issues


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    assert len(a) == len(b)
    if len(a):
        pd.testing.assert_frame_equal(
            a.reset_index(drop=True), b.reset_index(drop=True), check_exact=True
        )
    for c in a.columns:
        assert [type(v) for v in a[c]] == [type(v) for v in b[c]], c


VALUES = st.one_of(
    st.none(),
    st.sampled_from(["иван", "Петров", "", " ", "N/A", "x", "ул ленина 5"]),
    st.text(max_size=6),
    st.integers(-3, 3),
    st.floats(allow_nan=True, allow_infinity=False, width=32),
    st.tuples(st.integers(0, 2), st.integers(0, 2)),
)
REASONS = st.lists(
    st.tuples(st.sampled_from(["a", "b"]), st.sampled_from(["junk_value", "too_long"])),
    max_size=3,
).map(tuple)


@SETTINGS
@given(st.data())
def test_assemble_results_matches_row_by_row(data: st.DataObject) -> None:
    width = data.draw(st.integers(1, 4))
    n_unique = data.draw(st.integers(0, 6))
    results = [
        (tuple(data.draw(VALUES) for _ in range(width)), data.draw(REASONS))
        for _ in range(n_unique)
    ]
    n = data.draw(st.integers(0, 12))
    codes = np.asarray([data.draw(st.integers(-1, n_unique - 1)) for _ in range(n)], dtype=np.int64)
    index = pd.Index([f"r{i}" for i in range(n)])
    columns = [f"c{j}" for j in range(width)]
    na_values = data.draw(st.none() | st.tuples(*[VALUES] * width))
    na_reasons = data.draw(REASONS)
    got = _common.assemble_results(index, codes, results, columns, na_values, na_reasons)
    want = _assemble_reference(index, codes, results, columns, na_values, na_reasons)
    _same(got[0], want[0])
    assert list(got[0].index) == list(index)
    _same(got[1], want[1])


def test_assemble_results_rejects_wrong_width() -> None:
    with pytest.raises(ValueError):
        _common.assemble_results(
            pd.RangeIndex(1), np.zeros(1, dtype=np.int64), [(("a",), ())], ["x", "y"]
        )


def _echo(*args: Any) -> tuple[tuple[Any, ...], Any]:
    """Each argument back (missing as None), with an issue when the first one is missing."""
    reasons = (("f", "junk_value"),) if args[0] is None else ()
    return tuple(args), reasons


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _multi_reference(
    raws: list[pd.Series | None], columns: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``_echo`` of each row's values, called per row."""
    present = [r for r in raws if r is not None]
    index = present[0].index
    results, codes = [], []
    for i in range(len(index)):
        args = tuple(None if r is None or _is_missing(r.iloc[i]) else r.iloc[i] for r in raws)
        codes.append(len(results))
        results.append(_echo(*args))
    return _assemble_reference(index, np.asarray(codes, dtype=np.int64), results, columns)


COLUMN_VALUES = st.one_of(st.none(), st.sampled_from(["a", "b", "c", "Иван", "", "N/A"]))


@SETTINGS
@given(st.data())
def test_apply_distinct_multi_matches_per_row(data: st.DataObject) -> None:
    n = data.draw(st.integers(0, 15))
    width = data.draw(st.integers(1, 4))
    given_cols = data.draw(st.lists(st.booleans(), min_size=width, max_size=width).filter(any))
    index = pd.Index(data.draw(st.permutations(list(range(100, 100 + n)))))
    raws: list[pd.Series | None] = [
        pd.Series([data.draw(COLUMN_VALUES) for _ in range(n)], index=index, dtype=object)
        if g
        else None
        for g in given_cols
    ]
    columns = [f"c{j}" for j in range(width)]
    calls: list[tuple[Any, ...]] = []

    def counted(*args: Any) -> tuple[tuple[Any, ...], Any]:
        calls.append(args)
        return _echo(*args)

    got = _common.apply_distinct_multi(raws, counted, columns)
    want = _multi_reference(raws, columns)
    _same(got[0], want[0])
    assert list(got[0].index) == list(index)
    _same(got[1], want[1])
    # once per distinct combination, no more
    assert len(calls) == len(set(calls))
    assert set(calls) == {tuple(None if r is None else r.iloc[i] for r in raws) for i in range(n)}


def test_apply_distinct_multi_missing_values_and_nan() -> None:
    index = pd.Index([5, 3, 9, 1])
    full = pd.Series(["Иван", None, float("nan"), "Иван"], index=index, dtype=object)
    frame, issues = _common.apply_distinct_multi([None, full, None], _echo, ["a", "b", "c"])
    assert frame["b"].tolist() == ["Иван", None, None, "Иван"]
    assert frame["a"].tolist() == [None] * 4
    assert issues["row"].tolist() == [5, 3, 9, 1]


def test_apply_distinct_multi_index_checks() -> None:
    a = pd.Series(["x"], index=[0])
    b = pd.Series(["y"], index=[1])
    with pytest.raises(ValueError):
        _common.apply_distinct_multi([a, b], _echo, ["p", "q"])
    with pytest.raises(ValueError):
        _common.apply_distinct_multi([None, None], _echo, ["p", "q"])


# --- translit token rewrite ---------------------------------------------------------------


def _rewrite_reference(token: str) -> str:
    out = token
    for pattern, repl in translit._RULES:
        out = pattern.sub(repl, out)
    return out


REWRITE_TABLE = [
    "",
    "shchukin",
    "schukin",
    "shhukin",
    "jackson",
    "thomas",
    "sophia",
    "khabibullin",
    "aleksei",
    "alexey",
    "tsvetkova",
    "tcvetkova",
    "czvetkova",
    "victor",
    "eric",
    "wladimir",
    "yevgeniy",
    "jevgenij",
    "yolkin",
    "iuliia",
    "ananiev",
    "fiodor",
    "ckh",
    "hh",
    "zh",
    "ch",
    "cks",
    "tth",
    "c",
    "ck",
    "yoyo",
    "jej",
]


@pytest.mark.parametrize("token", REWRITE_TABLE)
def test_translit_rewrite_table(token: str) -> None:
    assert translit._rewrite(token) == _rewrite_reference(token)


@SETTINGS
@given(st.text(alphabet="abcehijkopstwyzx0", max_size=12) | st.text(max_size=6))
def test_translit_rewrite_matches_rules(token: str) -> None:
    assert translit._rewrite(token) == _rewrite_reference(token)
