"""Nothing is lost: every messy value is kept raw, flagged, and the run goes on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import custmdm
from custmdm.config import parse_config
from custmdm.exceptions import SchemaError

MESSY = [
    "",
    "N/A",
    "null",
    "-",
    "   ",
    np.nan,
    None,
    pd.NA,
    12345,
    3.5,
    "Иван\x00ов",
    "Ива\u200bнов",
    "\u202eвонавИ",
    "Иван 😀 Иванов",
    "x" * 1_000_000,
]


def messy_table() -> pd.DataFrame:
    n = len(MESSY)
    rows = {
        "id": [f"M{k}" for k in range(n)],
        "full_name": MESSY,
        "phone": MESSY[:-1] + ["abc"],
        "email": MESSY[:-1] + ["not-an-email"],
        "birth_date": MESSY[:-1] + ["31.02.1990"],
        "address": MESSY,
        "postcode": MESSY,
        "national_id": MESSY,
    }
    return pd.DataFrame(rows, dtype=object)


CONFIG = {
    "sources": [
        {
            "name": "messy",
            "id": "id",
            "fields": {
                k: k
                for k in (
                    "full_name",
                    "phone",
                    "email",
                    "birth_date",
                    "address",
                    "postcode",
                    "national_id",
                )
            },
        },
        {"name": "clean", "id": "id", "fields": {"full_name": "full_name", "phone": "phone"}},
    ]
}


@pytest.fixture(scope="module")
def result() -> custmdm.ResolutionResult:
    clean = pd.DataFrame(
        {
            "id": ["C1", "C2"],
            "full_name": ["Иванов Иван", "Петров Пётр"],
            "phone": ["+79161234567", "+79031234567"],
        }
    )
    return custmdm.resolve(parse_config(CONFIG), {"messy": messy_table(), "clean": clean})


def test_input_rows_equal_crosswalk_rows(result: custmdm.ResolutionResult) -> None:
    assert len(result.crosswalk) == len(MESSY) + 2
    assert set(result.crosswalk["record_id"]) == {f"M{k}" for k in range(len(MESSY))} | {"C1", "C2"}


def test_flags_name_field_and_reason(result: custmdm.ResolutionResult) -> None:
    q = result.quality
    flags = set(zip(q["record_id"], q["field"], q["reason"], strict=True))
    assert ("M1", "full_name", "junk_value") in flags  # "N/A"
    assert ("M14", "phone", "invalid_phone") in flags or (
        "M14",
        "phone",
        "junk_phone",
    ) in flags  # "abc"
    assert ("M14", "email", "invalid_email") in flags
    assert ("M14", "birth_date", "impossible_date") in flags
    assert ("M10", "full_name", "control_characters") in flags  # NUL byte
    assert ("M11", "full_name", "control_characters") in flags  # zero-width space
    assert ("M14", "full_name", "too_long") in flags  # 1 MB string
    assert list(q.columns) == ["source", "record_id", "field", "reason"]


def test_duplicate_ids_policy() -> None:
    table = pd.DataFrame(
        {
            "id": ["A", "A", "B"],
            "full_name": ["Иванов Иван", "Иванов Иван", "Петров Пётр"],
            "updated": ["2020-01-01", "2021-01-01", "2020-01-01"],
        }
    )
    config = {"sources": [{"name": "s", "id": "id", "fields": {"full_name": "full_name"}}]}
    with pytest.raises(SchemaError, match="record s:A"):
        custmdm.resolve(parse_config(config), {"s": table})
    config["sources"][0] |= {"duplicate_ids": "last_wins", "updated_at": "updated"}
    result = custmdm.resolve(parse_config(config), {"s": table})
    assert sorted(result.crosswalk["record_id"]) == ["A", "B"]
    assert ("s", "A", "record_id", "duplicate_id_superseded") in set(
        result.quality.itertuples(index=False, name=None)
    )
