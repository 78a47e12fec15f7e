"""Contract smoke tests: every normaliser returns (frame, issues) of the documented shape."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import custmdm.normalise as nz

NASTY = pd.Series(
    [
        None,
        np.nan,
        pd.NA,
        "",
        "   ",
        "N/A",
        "null",
        "-",
        "\x00Иван\u200b",
        "\u202eabc",
        "😀",
        19560909.0,
        42,
        dt.date(1990, 5, 17),
        pd.Timestamp("1990-05-17"),
        "x" * 1_000_000,
        "Иванов Иван Сергеевич",
    ],
    index=[f"r{i}" for i in range(17)],
    dtype=object,
)


def _check(frame: pd.DataFrame, issues: pd.DataFrame, columns: list[str]) -> None:
    assert list(frame.columns) == columns
    assert frame.index.equals(NASTY.index)
    for col in columns:
        assert frame[col].dtype == object
        assert all(v is None or isinstance(v, str) for v in frame[col])
    assert list(issues.columns) == ["row", "field", "reason"]
    assert set(issues["row"]).issubset(set(NASTY.index))
    assert issues["reason"].isin(nz.issues.ALL_REASONS).all()


@pytest.mark.parametrize(
    ("func", "columns"),
    [
        (lambda s: nz.clean_text(s, "extra"), ["value"]),
        (lambda s: nz.parse_names(s, None, None, None), list(nz.names.NAME_COLUMNS)),
        (lambda s: nz.parse_names(None, s, s, s), list(nz.names.NAME_COLUMNS)),
        (lambda s: nz.normalise_phones(s), ["phone", "phones"]),
        (lambda s: nz.normalise_phones(s, ("RU", "US")), ["phone", "phones"]),
        (lambda s: nz.normalise_emails(s), ["email", "emails"]),
        (lambda s: nz.normalise_emails(s, provider_rules=True), ["email", "emails"]),
        (lambda s: nz.normalise_dates(s), ["birth_date"]),
        (lambda s: nz.normalise_dates(s, field="dob"), ["dob"]),
        (
            lambda s: nz.normalise_address(s, None, None, None, None),
            list(nz.addresses.ADDRESS_COLUMNS),
        ),
        (lambda s: nz.normalise_address(None, s, s, s, s), list(nz.addresses.ADDRESS_COLUMNS)),
        (nz.normalise_national_id, ["national_id"]),
    ],
)
def test_contract_shape_on_nasty_values(func, columns):
    frame, issues = func(NASTY)
    _check(frame, issues, columns)


def test_junk_and_controls_flagged_not_missing():
    frame, issues = nz.clean_text(NASTY, "extra")
    reasons = issues.groupby("row")["reason"].apply(set).to_dict()
    assert "r0" not in reasons and "r3" not in reasons and "r4" not in reasons
    assert reasons["r5"] == {"junk_value"}
    assert reasons["r8"] == {"control_characters"}
    assert frame.loc["r8", "value"] == "Иван"
    assert reasons["r15"] == {"too_long"}
    assert frame.loc["r11", "value"] == "19560909"


def test_issue_messages_never_contain_values():
    _, issues = nz.normalise_phones(pd.Series(["+7 999 bad", "12"]))
    assert set(issues["reason"]) <= nz.issues.ALL_REASONS


def test_public_api_is_exact():
    assert set(nz.__all__) == {
        "canonical_given_names",
        "clean_text",
        "fold",
        "fold_series",
        "issues",
        "nickname_match",
        "normalise_address",
        "normalise_dates",
        "normalise_emails",
        "normalise_national_id",
        "normalise_phones",
        "parse_names",
        "translit_key",
        "translit_key_series",
    }


ALL = [
    lambda s: nz.clean_text(s, "x"),
    nz.normalise_phones,
    nz.normalise_emails,
    nz.normalise_dates,
    lambda s: nz.parse_names(s),
    lambda s: nz.normalise_address(s),
    nz.normalise_national_id,
]
ODD_SERIES = [
    pd.Series([], dtype=object),
    pd.Series(["Иван", None, pd.NA], dtype="string"),
    pd.Series(["8 916 123 45 67", None], dtype="category"),
    pd.Series([1.0, np.nan]),
    pd.Series(["a", "b"], index=pd.MultiIndex.from_tuples([(1, "x"), (2, "y")])),
    pd.Series([["unhashable"], {"a": 1}], dtype=object),
]


@pytest.mark.parametrize("func", ALL)
@pytest.mark.parametrize(
    "series", ODD_SERIES, ids=["empty", "string", "category", "float", "multiindex", "unhashable"]
)
def test_odd_dtypes_and_indexes(func, series):
    frame, issues = func(series)
    assert frame.index.equals(series.index)
    assert all(v is None or isinstance(v, str) for v in frame.to_numpy().ravel())
    assert list(issues.columns) == ["row", "field", "reason"]
