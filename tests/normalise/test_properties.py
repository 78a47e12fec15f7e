"""Hypothesis properties: never raise on arbitrary input, idempotent on own output."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custmdm.normalise import (
    clean_text,
    issues,
    normalise_address,
    normalise_dates,
    normalise_emails,
    normalise_national_id,
    normalise_phones,
    parse_names,
)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Arbitrary text, including control characters, surrogate-free Unicode and realistic fragments.
raw_text = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8")),
    st.text(alphabet="\x00\u200b\u202e\ufeff \t\n-./,+()0123456789АБВабвёЁйxX@", max_size=30),
)
raw_value = st.one_of(
    raw_text,
    st.none(),
    st.integers(),
    st.floats(allow_nan=True),
    st.dates(),
    st.just(pd.NA),
)
columns = st.lists(raw_value, min_size=1, max_size=8)


def _series(values: list) -> pd.Series:
    return pd.Series(values, dtype=object)


def _check(frame: pd.DataFrame, found: pd.DataFrame, n: int) -> None:
    assert len(frame) == n
    assert all(v is None or isinstance(v, str) for v in frame.to_numpy().ravel())
    assert list(found.columns) == ["row", "field", "reason"]
    assert found["reason"].isin(issues.ALL_REASONS).all()


@SETTINGS
@given(columns)
def test_clean_text_never_raises_and_is_idempotent(values):
    frame, found = clean_text(_series(values), "x")
    _check(frame, found, len(values))
    again, found_again = clean_text(frame["value"], "x")
    assert again["value"].tolist() == frame["value"].tolist()
    assert found_again.empty


@SETTINGS
@given(columns)
def test_phones_never_raise_and_are_idempotent(values):
    frame, found = normalise_phones(_series(values), ("RU", "US"))
    _check(frame, found, len(values))
    again, found_again = normalise_phones(frame["phones"], ("RU", "US"))
    assert again["phones"].tolist() == frame["phones"].tolist()
    assert again["phone"].tolist() == frame["phone"].tolist()
    assert found_again.empty


phone_like = st.from_regex(r"\A(\+7|8)? ?\(?9\d{2}\)? ?\d{3}[- ]?\d{2}[- ]?\d{2}\Z")


@SETTINGS
@given(st.lists(phone_like, min_size=1, max_size=5))
def test_russian_mobile_formats_are_idempotent(values):
    frame, _ = normalise_phones(_series(values))
    again, _ = normalise_phones(frame["phone"])
    assert again["phone"].tolist() == frame["phone"].tolist()


@SETTINGS
@given(st.lists(st.one_of(raw_value, st.emails()), min_size=1, max_size=8), st.booleans())
def test_emails_never_raise_and_are_idempotent(values, provider_rules):
    frame, found = normalise_emails(_series(values), provider_rules=provider_rules)
    _check(frame, found, len(values))
    again, found_again = normalise_emails(frame["emails"], provider_rules=provider_rules)
    assert again["emails"].tolist() == frame["emails"].tolist()
    assert found_again.empty


@SETTINGS
@given(
    st.lists(
        st.one_of(raw_value, st.dates().map(lambda d: d.strftime("%d.%m.%Y"))),
        min_size=1,
        max_size=8,
    )
)
def test_dates_never_raise_and_are_idempotent(values):
    today = dt.date(2024, 6, 1)
    frame, found = normalise_dates(_series(values), today=today)
    _check(frame, found, len(values))
    again, found_again = normalise_dates(frame["birth_date"], today=today)
    assert again["birth_date"].tolist() == frame["birth_date"].tolist()
    assert found_again.empty


name_text = st.one_of(
    raw_text,
    st.lists(
        st.sampled_from(
            [
                "Иванов",
                "Иван",
                "Сергеевич",
                "И.",
                "С.",
                "Ivan",
                "Ivanov",
                "Smith",
                "John",
                ",",
                "Анна",
            ]
        ),
        max_size=4,
    ).map(" ".join),
)


@SETTINGS
@given(st.lists(name_text, min_size=1, max_size=6))
def test_full_names_never_raise_and_parts_are_idempotent(values):
    frame, found = parse_names(_series(values), None, None, None)
    _check(frame, found, len(values))
    again, _ = parse_names(None, frame["first_name"], frame["middle_name"], frame["last_name"])
    for col in frame.columns:
        assert again[col].tolist() == frame[col].tolist(), col


@SETTINGS
@given(st.lists(st.tuples(name_text, name_text, name_text), min_size=1, max_size=6))
def test_name_columns_never_raise_and_are_idempotent(rows):
    first, middle, last = (_series(list(col)) for col in zip(*rows, strict=True))
    frame, found = parse_names(None, first, middle, last)
    _check(frame, found, len(rows))
    again, _ = parse_names(None, frame["first_name"], frame["middle_name"], frame["last_name"])
    for col in frame.columns:
        assert again[col].tolist() == frame[col].tolist(), col


address_text = st.one_of(
    raw_text,
    st.lists(
        st.sampled_from(
            [
                "ул.",
                "Ленина",
                "д.",
                "5",
                "кв",
                "12",
                "101000",
                "Main",
                "St.",
                "Apt",
                "г.",
                "Москва",
                ",",
            ]
        ),
        max_size=8,
    ).map(" ".join),
)


@SETTINGS
@given(st.lists(address_text, min_size=1, max_size=6))
def test_addresses_never_raise_and_are_idempotent(values):
    frame, found = normalise_address(_series(values), None, None, None, None)
    _check(frame, found, len(values))
    again, _ = normalise_address(frame["address"], frame["postcode"], None, None, None)
    assert again["address"].tolist() == frame["address"].tolist()
    assert again["address_key"].tolist() == frame["address_key"].tolist()
    assert again["postcode"].tolist() == frame["postcode"].tolist()


@SETTINGS
@given(
    st.lists(
        st.tuples(address_text, address_text, address_text, address_text), min_size=1, max_size=4
    )
)
def test_address_components_never_raise(rows):
    cols = [_series(list(c)) for c in zip(*rows, strict=True)]
    frame, found = normalise_address(None, *cols)
    _check(frame, found, len(rows))


@SETTINGS
@given(columns)
def test_national_id_never_raises_and_is_idempotent(values):
    frame, found = normalise_national_id(_series(values))
    _check(frame, found, len(values))
    again, found_again = normalise_national_id(frame["national_id"])
    assert again["national_id"].tolist() == frame["national_id"].tolist()
    assert found_again.empty
