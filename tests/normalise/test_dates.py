"""normalise_dates: formats, day/month order inference, two-digit years, impossible dates."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from custmdm.normalise import normalise_dates

TODAY = dt.date(2024, 6, 1)

VALID = [
    ("17.05.1990", "1990-05-17"),
    ("7.5.1990", "1990-05-07"),
    ("17/05/1990", "1990-05-17"),
    ("05/17/1990", "1990-05-17"),
    ("12/12/1990", "1990-12-12"),
    ("17-05-1990", "1990-05-17"),
    ("1990-05-17", "1990-05-17"),
    ("1990/05/17", "1990-05-17"),
    ("1990.05.17", "1990-05-17"),
    ("1990-05-17 00:00:00", "1990-05-17"),
    ("1990-05-17T13:45:00Z", "1990-05-17"),
    ("17.05.1990 12:00", "1990-05-17"),
    ("17.05.1990 г.", "1990-05-17"),
    ("19900517", "1990-05-17"),
    ("17051990", "1990-05-17"),
    (19900517, "1990-05-17"),
    (19560909.0, "1956-09-09"),
    (np.int64(19560909), "1956-09-09"),
    (dt.date(1990, 5, 17), "1990-05-17"),
    (dt.datetime(1990, 5, 17, 10, 30), "1990-05-17"),
    (pd.Timestamp("1990-05-17"), "1990-05-17"),
    (np.datetime64("1990-05-17"), "1990-05-17"),
    ("17 мая 1990", "1990-05-17"),
    ("17 мая 1990 г.", "1990-05-17"),
    ("17 май 1990", "1990-05-17"),
    ("May 17, 1990", "1990-05-17"),
    ("17 May 1990", "1990-05-17"),
    ("17-May-1990", "1990-05-17"),
    ("17.05.90", "1990-05-17"),
    ("05.03.47", "1947-03-05"),
    ("05.03.15", "2015-03-05"),
    ("29.02.2000", "2000-02-29"),
    ("02.01.1900", "1900-01-02"),
]


@pytest.mark.parametrize(("raw", "expected"), VALID)
def test_valid_formats(raw, expected):
    frame, issues = normalise_dates(pd.Series([raw], dtype=object), today=TODAY)
    assert frame.loc[0, "birth_date"] == expected
    assert issues.empty


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("31.02.1990", "impossible_date"),
        ("29.02.1990", "impossible_date"),
        ("13.13.1990", "impossible_date"),
        ("00.05.1990", "impossible_date"),
        ("1990-13-01", "impossible_date"),
        ("01.01.1899", "impossible_date"),
        ("01.01.2030", "impossible_date"),
        ("20300101", "impossible_date"),
        ("hello", "invalid_date"),
        ("17 мартобря 1990", "invalid_date"),
        ("1990", "invalid_date"),
        ("12.1990", "invalid_date"),
        ("N/A", "junk_value"),
        ("01.01.1900", "junk_value"),
        ("1900-01-01 00:00:00", "junk_value"),
        ("0", "junk_value"),
        ("-", "junk_value"),
    ],
)
def test_bad_dates_are_flagged(raw, reason):
    frame, issues = normalise_dates(pd.Series([raw], index=["r"]), today=TODAY)
    assert frame.loc["r", "birth_date"] is None
    assert issues.to_dict("records") == [{"row": "r", "field": "birth_date", "reason": reason}]


def test_ambiguous_order_follows_the_column():
    us_column = pd.Series(["05/17/1990", "12/25/1985", "03/04/1990"])
    frame, _ = normalise_dates(us_column, today=TODAY)
    assert frame["birth_date"].tolist() == ["1990-05-17", "1985-12-25", "1990-03-04"]

    eu_column = pd.Series(["17/05/1990", "25/12/1985", "03/04/1990"])
    frame, _ = normalise_dates(eu_column, today=TODAY)
    assert frame["birth_date"].tolist() == ["1990-05-17", "1985-12-25", "1990-04-03"]

    no_evidence = pd.Series(["03/04/1990", "04/04/1990", "03.04.1990"])
    frame, issues = normalise_dates(no_evidence, today=TODAY)
    assert frame["birth_date"].tolist() == ["1990-04-03", "1990-04-04", "1990-04-03"]
    # Day first by default, flagged; 04/04 and dotted dates are not ambiguous.
    assert issues.to_dict("records") == [
        {"row": 0, "field": "birth_date", "reason": "ambiguous_date"}
    ]


def test_dotted_dates_are_day_first_even_in_a_us_column():
    frame, _ = normalise_dates(pd.Series(["05/17/1990", "03.04.1990"]), today=TODAY)
    assert frame["birth_date"].tolist() == ["1990-05-17", "1990-04-03"]


def test_mixed_formats_in_one_column():
    raw = pd.Series(["17.05.1990", "1990-05-17", 19900517, "17 мая 1990", None, ""], dtype=object)
    frame, issues = normalise_dates(raw, today=TODAY)
    assert frame["birth_date"].tolist() == ["1990-05-17"] * 4 + [None, None]
    assert issues.empty


def test_date_format_is_tried_first():
    frame, _ = normalise_dates(pd.Series(["03/04/1990", "1990-05-17"]), date_format="%m/%d/%Y")
    assert frame["birth_date"].tolist() == ["1990-03-04", "1990-05-17"]


def test_field_renames_column_and_issues():
    frame, issues = normalise_dates(pd.Series(["bad"]), field="dob")
    assert list(frame.columns) == ["dob"]
    assert issues["field"].tolist() == ["dob"]


def test_future_is_relative_to_today():
    frame, issues = normalise_dates(pd.Series(["2024-06-02", "2024-06-01"]), today=TODAY)
    assert frame["birth_date"].tolist() == [None, "2024-06-01"]
    assert issues["reason"].tolist() == ["impossible_date"]
