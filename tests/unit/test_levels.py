"""Comparison levels: table-driven cases and properties (symmetric, bounded, self is top)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from custmdm.config import parse_config
from custmdm.matchers.base import NULL_LEVEL, LevelEvaluator
from custmdm.matchers.library import default_comparisons
from custmdm.prepare import prepare

FIELDS = {
    "full_name": "name",
    "birth_date": "dob",
    "phone": "phone",
    "email": "email",
    "address": "address",
}


def prepared(rows: list[dict[str, object]]) -> pd.DataFrame:
    table = pd.DataFrame([{"id": f"r{k}", **row} for k, row in enumerate(rows)], dtype=object)
    for col in FIELDS.values():
        if col not in table:
            table[col] = None
    config = parse_config(
        {"sources": [{"name": "s", "id": "id", "date_format": "%d.%m.%Y", "fields": FIELDS}]}
    )
    return prepare(config, {"s": table}).table


def level_of(comparison: str, left: dict[str, object], right: dict[str, object]) -> str:
    table = prepared([left, right])
    comps = [c for c in default_comparisons(set(FIELDS)) if c.name == comparison]
    (comp,) = comps
    lv = int(LevelEvaluator(table, comps).levels(np.array([0]), np.array([1]))[0, 0])
    return "null" if lv == NULL_LEVEL else comp.level_labels()[lv]


CASES = [
    ("first_name", {"name": "Иванов Иван"}, {"name": "Ivanov Ivan"}, "exact(first_full_key)"),
    ("first_name", {"name": "Иванов Иван"}, {"name": "Иван Иванов"}, "exact(first_full_key)"),
    ("first_name", {"name": "Иванов Ваня"}, {"name": "Иванов Иван"}, "nickname(first_full_name)"),
    ("first_name", {"name": "Иванов Иван"}, {"name": "Иванов И."}, "initial(first_initial)"),
    ("first_name", {"name": "Иванов Иван"}, {"name": "Петров Олег"}, "else"),
    ("first_name", {"name": "Иванов Иван"}, {"name": None}, "null"),
    ("last_name", {"name": "Щукин Юрий"}, {"name": "Shchukin Yuri"}, "exact(last_full_key)"),
    ("last_name", {"name": "Иванов Иван"}, {"name": "Иванова Анна"}, "exact(last_stem)"),
    (
        "last_name",
        {"name": "Johnson Mark"},
        {"name": "Jonhson Mark"},
        "jaro_winkler>=0.92(last_full_key)",
    ),
    ("birth_date", {"dob": "12.03.1985"}, {"dob": "12.03.1985"}, "exact"),
    ("birth_date", {"dob": "12.03.1985"}, {"dob": "03.12.1985"}, "date_typo"),
    ("birth_date", {"dob": "12.03.1985"}, {"dob": "13.03.1985"}, "date_typo"),
    ("birth_date", {"dob": "12.03.1985"}, {"dob": "01.07.1985"}, "exact(birth_year)"),
    ("birth_date", {"dob": "12.03.1985"}, {"dob": "01.07.1990"}, "else"),
    ("phone", {"phone": "+7 (916) 123-45-67"}, {"phone": "89161234567"}, "exact(phone_key)"),
    # bare ten digits read as Russian still meet the same digits written as a US number
    ("phone", {"phone": "+1 904 985 1939"}, {"phone": "9049851939"}, "exact(phone_key)"),
    (
        "phone",
        {"phone": "+7 916 123-45-67, +7 903 111-22-33"},
        {"phone": "9031112233"},
        "shared_value",
    ),
    (
        "phone",
        {"phone": "+7 916 123-45-67"},
        {"phone": "+7 916 123-45-68"},
        "levenshtein<=1(phone)",
    ),
    ("phone", {"phone": "+7 916 123-45-67"}, {"phone": "0000000000"}, "null"),
    ("email", {"email": "Ivan@Mail.ru"}, {"email": "ivan@mail.ru"}, "exact(email)"),
    ("email", {"email": "ivan@mail.ru"}, {"email": "oleg@mail.ru"}, "else"),
]


@pytest.mark.parametrize(("comparison", "left", "right", "expected"), CASES)
def test_level_table(
    comparison: str, left: dict[str, object], right: dict[str, object], expected: str
) -> None:
    assert level_of(comparison, left, right) == expected


names = st.sampled_from(
    [
        "Иванов Иван",
        "Ivanov Ivan",
        "Иванова Анна",
        "Петров Пётр",
        "Иван И.",
        "Ваня",
        "John Smith",
        "Smith J.",
        "",
        None,
    ]
)
dobs = st.sampled_from(["12.03.1985", "03.12.1985", "13.03.1985", "01.01.1990", "", None])
phones = st.sampled_from(["+79161234567", "89161234568", "+79031112233, +79161234567", "123", None])
emails = st.sampled_from(["ivan@mail.ru", "IVAN@mail.ru", "x@y.org", "bad", None])
record = st.fixed_dictionaries({"name": names, "dob": dobs, "phone": phones, "email": emails})


@settings(max_examples=40, deadline=None)
@given(st.lists(record, min_size=2, max_size=6))
def test_levels_symmetric_bounded_and_self_is_top(rows: list[dict[str, object]]) -> None:
    table = prepared(rows)
    comps = default_comparisons({"full_name", "birth_date", "phone", "email"})
    comps = [c for c in comps if c.column in table.columns]
    evaluator = LevelEvaluator(table, comps)
    n = len(table)
    a, b = np.triu_indices(n, k=1)
    forward = evaluator.levels(a, b)
    backward = evaluator.levels(b, a)
    assert (forward == backward).all(), "comparisons must be symmetric"
    for c, comp in enumerate(comps):
        assert forward[:, c].min() >= NULL_LEVEL and forward[:, c].max() <= len(comp.levels)
    idx = np.arange(n)
    self_levels = evaluator.levels(idx, idx)
    for c, comp in enumerate(comps):
        present = self_levels[:, c] != NULL_LEVEL
        top = self_levels[present, c] == 0
        # a record holding only an initial can do no better than the initial level
        labels = comp.level_labels()
        initial = np.array(
            [labels[lv].startswith("initial") for lv in self_levels[present, c]], dtype=bool
        )
        assert (top | initial).all(), "a value against itself is the top level"
