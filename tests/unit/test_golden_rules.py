"""Golden records and lineage of the vectorised merge equal the survivorship rules written
out plainly, one cluster at a time."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custmdm.merge import golden

NAMES = [None, "", " ", "ann", "ann marie", "mc  donald", "o'neil", "jean-luc", "x"]
TEXT = [None, "", "a", "b", "ab", "abc"]
PHONES = [None, "", "1", "2", "1|2", "2|1", "1||3", "3|"]
UPDATED = [None, "2020-01-01", "2021-06-30", "2021-06-30T10:00:00"]
EXTRA = [None, "x", "yy"]
FLOATS = [math.nan, 1.0, 2.5]


def _title(value: object) -> str:
    if not isinstance(value, str):
        return ""
    return " ".join(w[:1].upper() + w[1:] for w in value.split(" "))


def _name(*parts: object) -> str | None:
    """A shown name: the title-cased parts joined, whitespace collapsed (None when empty)."""
    return " ".join(" ".join(_title(p) for p in parts).split()) or None


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _survivor(rows: list[dict[str, Any]], rules: tuple[str, ...], cols: list[str]) -> Any:
    """The surviving row among a cluster's rows for one attribute group, plainly."""
    candidates = [r for r in rows if any(_present(r[c]) for c in cols)]
    if not candidates:
        return None

    def freq(r: dict[str, Any]) -> int:
        def key(x: dict[str, Any]) -> object:
            return x[cols[0]] if _present(x[cols[0]]) else "\x00"

        return sum(key(x) == key(r) for x in candidates)

    keys = {
        "trust": lambda r: r["trust"],
        "most_recent": lambda r: r["updated_at"] or "",
        "most_frequent": freq,
        "most_complete": lambda r: (
            sum(_present(r[c]) for c in cols),
            sum(len(str(r[c])) for c in cols if _present(r[c])),
        ),
    }
    # stable sorts from the last key to the first: every rule descending, then the row
    ordered = sorted(candidates, key=lambda r: r["_row"])
    for rule in reversed(rules):
        ordered = sorted(ordered, key=keys[rule], reverse=True)
    return ordered[0]


def _reference(
    table: pd.DataFrame, extras: pd.DataFrame, labels: np.ndarray
) -> tuple[list[dict[str, Any]], list[tuple[str, ...]]]:
    records = table.to_dict("records")
    for i, r in enumerate(records):
        r["_row"] = i
        r.update({f"extra:{c}": v for c, v in extras.iloc[i].items()})
        r["_full_name_display"] = _name(r["first_name"], r["middle_name"], r["last_name"])
        for part in ("first_name", "middle_name", "last_name"):
            r[f"_{part}_display"] = _name(r[part])
        for part in ("address", "street", "city"):
            raw = r[f"raw_{part}"]
            r[f"_{part}_display"] = raw if raw is not None else r[part]
    rows_out, lineage = [], []
    for label in sorted(set(labels.tolist())):
        rows = [records[i] for i in np.flatnonzero(labels == label)]
        cid = golden.customer_id_for(records[label]["source"], records[label]["record_id"])
        out: dict[str, Any] = {
            "customer_id": cid,
            "n_records": len(rows),
            "sources": "|".join(sorted({r["source"] for r in rows})),
        }
        groups = [(rules, attrs, False) for rules, attrs in golden.GROUPS.values()]
        groups.append(((), [("phones", "phones"), ("emails", "emails")], False))
        taken = {"cluster", *out, *(a for _, attrs, _ in groups for a, _ in attrs)}
        for c in extras.columns:
            name = f"extra_{c}" if c in taken else c
            groups.append((golden.DEFAULT_RULES, [(name, f"extra:{c}")], True))
        for rules, attrs, as_text in groups:
            if not rules:  # every distinct piece, with the first row carrying it
                for attr, col in attrs:
                    firsts: dict[str, dict[str, Any]] = {}
                    for r in rows:
                        for piece in (r[col] or "").split("|"):
                            if piece and piece not in firsts:
                                firsts[piece] = r
                    out[attr] = "|".join(sorted(firsts)) or None
                    for piece, r in firsts.items():
                        lineage.append((cid, attr, piece, r["source"], r["record_id"]))
                continue
            chosen = _survivor(rows, rules, [c for _, c in attrs])
            for attr, col in attrs:
                value = chosen[col] if chosen is not None else None
                out[attr] = value if _present(value) else None
                if _present(value):
                    text = str(value) if as_text else value
                    lineage.append((cid, attr, text, chosen["source"], chosen["record_id"]))
        rows_out.append(out)
    rows_out.sort(key=lambda r: r["customer_id"])
    return rows_out, sorted(lineage)


@st.composite
def tables(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    n = draw(st.integers(1, 16))

    def col(values: list[Any]) -> list[Any]:
        return draw(st.lists(st.sampled_from(values), min_size=n, max_size=n))

    sources = sorted(col(["crm", "pos", "web"]))
    table = pd.DataFrame(
        {
            "source": sources,
            "record_id": [f"r{i:03d}" for i in range(n)],
            "first_name": col(NAMES),
            "middle_name": col(NAMES),
            "last_name": col(NAMES),
            "birth_date": col(TEXT),
            "phone": col(TEXT),
            "phones": col(PHONES),
            "email": col(TEXT),
            "emails": col(PHONES),
            "address": col(TEXT),
            "raw_address": col(TEXT),
            "postcode": col(TEXT),
            "city": col(TEXT),
            "raw_city": col(TEXT),
            "street": col(TEXT),
            "raw_street": col(TEXT),
            "house_number": col(TEXT),
            "national_id": col(TEXT),
            "updated_at": col(UPDATED),
        },
        dtype=object,
    )
    table["trust"] = np.array(col([1, 2, 3]), dtype=np.int64)
    extras = pd.DataFrame({"segment": col(EXTRA), "city": col(EXTRA)}, dtype=object)
    extras["score"] = np.array(col(FLOATS), dtype=np.float64)
    cluster = np.array(col(list(range(max(n // 2, 1)))))
    first = pd.Series(np.arange(n)).groupby(cluster).transform("min").to_numpy()
    return table, extras, first


@settings(max_examples=60, deadline=None)
@given(tables(), st.sampled_from([50_000, 4]))
def test_golden_and_lineage_follow_the_rules(
    data: tuple[pd.DataFrame, pd.DataFrame, np.ndarray], chunk_records: int
) -> None:
    table, extras, labels = data
    saved = golden.MERGE_CHUNK_RECORDS
    golden.MERGE_CHUNK_RECORDS = chunk_records
    try:
        result = golden.build_golden(table, extras, labels)
    finally:
        golden.MERGE_CHUNK_RECORDS = saved
    expected_golden, expected_lineage = _reference(table, extras, labels)
    got = result.golden.to_dict("records")
    assert [list(r) for r in got] == [list(r) for r in expected_golden]  # columns, in order
    assert got == expected_golden
    lineage = [
        tuple(str(v) for v in row)
        for row in result.lineage[list(golden.LINEAGE_COLUMNS)].itertuples(index=False)
    ]
    assert lineage == expected_lineage  # sorted, as the lineage file is


@pytest.mark.parametrize(
    ("parts", "shown"),
    [
        (("ann", None, "smith"), "Ann Smith"),
        (("ann marie", "", "o'neil"), "Ann Marie O'neil"),
        ((" mc  donald ", None, None), "Mc Donald"),
        ((None, None, None), None),
        (("", " ", None), None),
        (("x", "y", "z"), "X Y Z"),
    ],
)
def test_display_names(parts: tuple[str | None, ...], shown: str | None) -> None:
    table = pd.DataFrame([parts], columns=["first_name", "middle_name", "last_name"], dtype=object)
    display = golden.display_columns(table)
    assert display["_full_name_display"].tolist() == [shown]
    for name, part in zip(("first", "middle", "last"), parts, strict=True):
        assert display[f"_{name}_name_display"].tolist() == [_name(part)]


@pytest.mark.parametrize(
    ("cells", "clusters", "expected"),
    [
        (
            ["1|2", "2", None, "3||1"],
            [0, 0, 1, 1],
            [(0, "1", 0), (0, "2", 0), (1, "1", 3), (1, "3", 3)],
        ),
        (["", "|", None], [0, 1, 1], []),
        (["b", "a|b"], [0, 0], [(0, "a", 1), (0, "b", 0)]),
    ],
)
def test_split_values(
    cells: list[str | None], clusters: list[int], expected: list[tuple[int, str, int]]
) -> None:
    got = golden._split_values(np.array(cells, dtype=object), np.array(clusters))
    assert list(zip(*(a.tolist() for a in got), strict=True)) == expected
