"""Large runs keep candidate pairs and matching keys in temporary files; nothing a user sees
changes."""

from __future__ import annotations

import gc
import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custmdm import csvfile, pipeline
from custmdm.csvfile import as_text, write_csv
from custmdm.pipeline import Resolver, SpilledPairs


def test_spilled_pairs_read_back_and_write_as_in_memory(
    company_2k_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "PAIRS_ROW_GROUP", 997)  # several row groups
    kept = Resolver(company_2k_dir).run()
    monkeypatch.setattr(pipeline, "SPILL_PAIRS", 0)
    spilled = Resolver(company_2k_dir).run()
    assert isinstance(spilled._pairs, SpilledPairs)
    spill_file = spilled._pairs.path
    assert spill_file.exists()

    # written before anyone asks for the pairs: the spill file is copied
    kept.write(tmp_path / "kept", html_report=False)
    spilled.write(tmp_path / "spilled", html_report=False)
    assert isinstance(spilled._pairs, SpilledPairs)
    for name in ("pairs.parquet", "crosswalk.csv", "golden.csv", "lineage.csv"):
        assert (tmp_path / "kept" / name).read_bytes() == (tmp_path / "spilled" / name).read_bytes()

    # asked for: the same frame, dtypes included (categorical sides), and the file goes
    assert len(kept.pairs) > 1_000
    pd.testing.assert_frame_equal(spilled.pairs, kept.pairs)
    assert isinstance(spilled._pairs, pd.DataFrame)
    gc.collect()
    assert not spill_file.exists()


def test_spill_of_no_pairs(tmp_path: Path) -> None:
    empty = pd.DataFrame(
        {
            "left_record_id": pd.Categorical([], categories=["a", "b"]),
            "match_weight": pd.Series([], dtype=float),
        }
    )
    back = SpilledPairs(empty).load()
    pd.testing.assert_frame_equal(back, empty)


def test_write_csv_writes_categoricals_as_their_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csvfile, "CSV_CHUNK_ROWS", 2)  # pieces of two rows
    text = pd.DataFrame(
        {
            "customer_id": ["C2", "C1", None, "C2", "Cé"],
            "value": ["a,b", 'say "x"', None, "1", "ж"],
            "n": [1, 2, 3, 4, 5],
        }
    )
    coded = text.assign(customer_id=pd.Categorical(text["customer_id"]))
    write_csv(coded, tmp_path / "coded.csv")
    text.to_csv(tmp_path / "text.csv", index=False)
    assert (tmp_path / "coded.csv").read_bytes() == (tmp_path / "text.csv").read_bytes()
    write_csv(coded.iloc[:0], tmp_path / "empty.csv")
    assert (tmp_path / "empty.csv").read_text() == "customer_id,value,n\n"


def test_spilled_matching_keys_change_no_output_and_come_back_when_asked_for(
    company_2k_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = Resolver(company_2k_dir).run()
    monkeypatch.setattr(pipeline, "SPILL_BATCH_ROWS", 499)  # several row groups
    monkeypatch.setattr(pipeline, "SPILL_RECORDS", 0)
    spilled = Resolver(company_2k_dir).run()
    store = spilled._spilled_columns
    assert store is not None
    assert {"full_key", "name_pair_key", "phone_key"} <= set(store.columns)
    assert not {"source", "record_id", "first_name", "phone"} & set(store.columns)
    assert not set(store.columns) & set(spilled._prepared.table.columns)  # not in memory

    # the report's profile reads only what is in memory: nothing comes back for it
    kept.write(tmp_path / "kept")
    spilled.write(tmp_path / "spilled")
    assert spilled._spilled_columns is store
    for name in ("pairs.parquet", "crosswalk.csv", "golden.csv", "lineage.csv"):
        assert (tmp_path / "kept" / name).read_bytes() == (tmp_path / "spilled" / name).read_bytes()
    reports = [json.loads((tmp_path / d / "report.json").read_text()) for d in ("kept", "spilled")]
    for key in ("sources", "review_records", "counts", "model"):
        assert reports[0][key] == reports[1][key], key

    # asked for: some columns (read back, not restored), then the whole table
    wanted = ["record_id", "full_key", "phone", "no_such_column"]
    pd.testing.assert_frame_equal(
        spilled.records(wanted), kept.prepared.table[["record_id", "full_key", "phone"]]
    )
    assert spilled._spilled_columns is store
    pd.testing.assert_frame_equal(spilled.prepared.table, kept.prepared.table)
    assert spilled._spilled_columns is None
    column = spilled.prepared.table["full_key"].to_numpy()
    assert len({id(v) for v in column}) == len(set(column))  # equal strings share an object

    pairs = kept.pairs.sort_values("match_weight", ascending=False)
    for row in (pairs.iloc[0], pairs.iloc[len(pairs) // 2]):
        left = (str(row["left_source"]), str(row["left_record_id"]))
        right = (str(row["right_source"]), str(row["right_record_id"]))
        assert spilled.explain(left, right) == kept.explain(left, right)
    spill_file = store.path
    del store
    gc.collect()
    assert not spill_file.exists()


_TEXT = st.one_of(
    st.none(),
    st.text(alphabet=st.sampled_from(list("ab ,\"\r\n\t\x0b\x0cжЁ;|'x")), max_size=6),  # "" too
)


def _column(kind: str, n: int) -> st.SearchStrategy[pd.Series]:
    """A column of ``n`` values of one kind, as the output tables hold them."""
    if kind in ("text", "categorical", "string"):
        dtype = {"text": object, "categorical": "category", "string": "string"}[kind]
        return st.lists(_TEXT, min_size=n, max_size=n).map(lambda v: pd.Series(v, dtype=dtype))
    if kind == "int":
        values = st.lists(st.integers(-5, 10**12), min_size=n, max_size=n)
        return values.map(lambda v: pd.Series(v, dtype=np.int64))
    if kind == "nullable int":
        values = st.lists(st.none() | st.integers(-5, 10**6), min_size=n, max_size=n)
        return values.map(lambda v: pd.Series(v, dtype="Int64"))
    if kind == "float":
        values = st.lists(st.none() | st.floats(allow_infinity=False), min_size=n, max_size=n)
        return values.map(lambda v: pd.Series(v, dtype=float))
    if kind == "bool":
        return st.lists(st.booleans(), min_size=n, max_size=n).map(pd.Series)
    # objects of mixed kinds: to_csv writes the piece
    mixed = st.none() | st.integers(0, 9) | st.text("ab,", max_size=2) | st.booleans()
    return st.lists(mixed, min_size=n, max_size=n).map(lambda v: pd.Series(v, dtype=object))


_KINDS = ["text", "categorical", "string", "int", "nullable int", "float", "bool", "mixed"]


@st.composite
def _frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(0, 12))
    kinds = draw(st.lists(st.sampled_from(_KINDS), min_size=1, max_size=3))
    names = ["name", 'odd, "header"', ""]
    return pd.DataFrame({names[i]: draw(_column(k, n)) for i, k in enumerate(kinds)})


@settings(max_examples=300, deadline=None)
@given(_frames(), st.integers(1, 5))
def test_write_csv_writes_what_to_csv_writes(frame: pd.DataFrame, chunk: int) -> None:
    expected = as_text(frame).to_csv(index=False)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "out.csv"
        old = csvfile.CSV_CHUNK_ROWS
        csvfile.CSV_CHUNK_ROWS = chunk
        try:
            write_csv(frame, path)
        finally:
            csvfile.CSV_CHUNK_ROWS = old
        assert path.read_bytes() == expected.encode("utf-8")
