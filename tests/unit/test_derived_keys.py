"""Derived matching keys: computed per distinct value, equal to the row-by-row rule."""

from __future__ import annotations

from typing import Any

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from custmdm.prepare import add_derived_keys


def _row_keys(row: dict[str, Any]) -> dict[str, Any]:
    """The derived keys of one record, written out plainly."""
    out: dict[str, Any] = {}
    for part in ("first", "middle", "last"):
        key, name = row[f"{part}_key"], row[f"{part}_name"]
        initial_only = (
            key is not None and name is not None and len(name.replace(".", "").strip()) == 1
        )
        letter = key[0] if key else None
        out[f"{part}_full_key"] = key if key and not initial_only else None
        out[f"{part}_letter"] = letter
        out[f"{part}_initial"] = (letter + "." if letter else None) if initial_only else letter
        if part == "first":
            out["first_full_name"] = None if initial_only else name
        if part == "last":
            out["last_stem"] = None if initial_only else row["last_stem"]
    first, last = out["first_full_key"], out["last_full_key"]
    out["name_pair_key"] = " ".join(sorted([first, last])) if first and last else None
    phone = row["phone"]
    ten = phone is not None and len(phone) == 12 and phone[:2] in ("+1", "+7")
    out["phone_key"] = phone[2:] if ten else phone
    out["birth_year"] = row["birth_date"][:4] if row["birth_date"] else None
    return out


def _table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(rows[0]), dtype=object)


ROWS = [
    # a full name
    {
        "first_key": "ivan",
        "first_name": "иван",
        "middle_key": "sergeevich",
        "middle_name": "сергеевич",
        "last_key": "ivanov",
        "last_name": "иванов",
        "last_stem": "ivanov",
        "phone": "+79161234567",
        "birth_date": "1980-05-01",
    },
    # "Иван И.": the surname is an initial only
    {
        "first_key": "ivan",
        "first_name": "иван",
        "middle_key": None,
        "middle_name": None,
        "last_key": "i",
        "last_name": "и.",
        "last_stem": "i",
        "phone": "+12125550100",
        "birth_date": None,
    },
    # first and last name sort the other way; a phone outside +1/+7
    {
        "first_key": "zoe",
        "first_name": "zoe",
        "middle_key": None,
        "middle_name": None,
        "last_key": "adams",
        "last_name": "adams",
        "last_stem": "adams",
        "phone": "+442079460958",
        "birth_date": "1990-12-31",
    },
    # nothing at all
    dict.fromkeys(
        [
            "first_key",
            "first_name",
            "middle_key",
            "middle_name",
            "last_key",
            "last_name",
            "last_stem",
            "phone",
            "birth_date",
        ]
    ),
]


def test_derived_keys_of_typical_records() -> None:
    out = add_derived_keys(_table(ROWS))
    assert out["last_full_key"].tolist() == ["ivanov", None, "adams", None]
    assert out["last_initial"].tolist() == ["i", "i.", "a", None]
    assert out["name_pair_key"].tolist() == ["ivan ivanov", None, "adams zoe", None]
    assert out["phone_key"].tolist() == ["9161234567", "2125550100", "+442079460958", None]
    assert out["birth_year"].tolist() == ["1980", None, "1990", None]
    assert out["first_phonetic"].tolist()[:3] == ["I150", "I150", "Z000"]


_token = st.sampled_from(["ivan", "i", "anna", "a", "zoe", "ivanov", "adams"])
_name = st.one_of(st.none(), st.sampled_from(["иван", "и.", "i", "anna", " a. ", "zoe"]))
_row = st.fixed_dictionaries(
    {
        "first_key": st.one_of(st.none(), _token),
        "first_name": _name,
        "middle_key": st.one_of(st.none(), _token),
        "middle_name": _name,
        "last_key": st.one_of(st.none(), _token),
        "last_name": _name,
        "last_stem": st.one_of(st.none(), _token),
        "phone": st.one_of(
            st.none(), st.sampled_from(["+79161234567", "+19161234567", "+4420794609", "+7916"])
        ),
        "birth_date": st.one_of(st.none(), st.sampled_from(["1980-05-01", "2001-01-02"])),
    }
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_row, min_size=1, max_size=12))
def test_derived_keys_equal_the_row_by_row_rule(rows: list[dict[str, Any]]) -> None:
    out = add_derived_keys(_table(rows))
    for i, row in enumerate(rows):
        for column, expected in _row_keys(row).items():
            got = out[column].iloc[i]
            assert (None if pd.isna(got) else got) == expected, (i, column)
    # equal name pairs are one object (a compact column), though built row by row
    pairs = [v for v in out["name_pair_key"] if v is not None]
    assert len({id(v) for v in pairs}) == len(set(pairs))


def test_keys_derived_per_source_by_the_workers_are_the_stacked_tables_keys(monkeypatch) -> None:
    """Each normalisation worker derives its source's keys; the stacked table must be what
    deriving them once from the stacked table gives: the same values in the same columns."""
    from custmdm import prepare as prep
    from custmdm.config import load_config
    from custmdm.datasets.synthetic import demo_dir

    monkeypatch.setattr(prep, "PARALLEL_MIN_INPUT", 0)  # two worker processes even here
    config = load_config(demo_dir() / "config.yaml").model_copy(update={"workers": 2})
    table = prep.prepare(config).table
    normalised: set[str] = set()
    for source in config.sources:
        normalised |= set(prep._prepare_source(config, source, None)[0].columns)
    assert {"first_full_key", "name_pair_key", "phone_key"}.isdisjoint(normalised)
    again = add_derived_keys(table[[c for c in table.columns if c in normalised]].copy())
    pd.testing.assert_frame_equal(again, table)
