"""normalise_address and normalise_national_id."""

from __future__ import annotations

import pandas as pd
import pytest

from custmdm.normalise import normalise_address, normalise_national_id
from custmdm.normalise.addresses import address_tokens


@pytest.mark.parametrize(
    ("raw", "address", "postcode"),
    [
        ("101000, г. Москва, ул. Ленина, д. 5, кв. 12", "г москва ул ленина д 5 кв 12", "101000"),
        ("г Москва, улица Ленина, дом 5, квартира 12", "г москва ул ленина д 5 кв 12", None),
        ("Moscow, ul. Lenina, d. 5, kv. 12", "москва ул lenina д 5 кв 12", None),
        ("Невский проспект, 28", "невский пр-т 28", None),
        ("Невский пр-т, д.28", "невский пр-т д 28", None),
        ("Кутузовский просп., 2/1, стр. 1", "кутузовский пр-т 2/1 стр 1", None),
        ("пер. Сивцев Вражек, 7", "пер сивцев вражек 7", None),
        ("Ёлочная ул., 3", "елочная ул 3", None),
        ("350 Fifth Avenue, New York, NY 10118", "350 fifth avenue new york ny", "10118"),
        ("350 5th Ave., New York, NY 10118-0110", "350 5th avenue new york ny", "10118-0110"),
        ("12 Main St., Apt 4", "12 main street кв 4", None),
        ("1600 Pennsylvania Avenue NW, Washington, DC 20500", None, "20500"),
        ("10 Downing Street", "10 downing street", None),
        ("г. Москва, ул. Лeнина, д. 5 к. 2", "г москва ул ленина д 5 корп 2", None),
    ],
)
def test_one_line_addresses(raw, address, postcode):
    frame, issues = normalise_address(pd.Series([raw]), None, None, None, None)
    if address is not None:
        assert frame.loc[0, "address"] == address
    assert frame.loc[0, "postcode"] == postcode
    assert postcode is None or postcode not in frame.loc[0, "address"]
    assert issues.empty


@pytest.mark.parametrize(
    "group",
    [
        [
            "101000, г. Москва, ул. Ленина, д. 5, кв. 12",
            "Moscow, ul. Lenina, d. 5, kv. 12",
            "Москва, Ленина ул., 5, кв 12",
            "ул Ленина 5 кв 12 Москва",
        ],
        [
            "Россия, 190000, Санкт-Петербург, Невский пр-т, д.28",
            "Санкт-Петербург, Невский проспект 28",
            "Nevsky prospekt 28, Saint Petersburg",
            "СПб, Невский пр-кт, 28",
        ],
        ["350 Fifth Avenue, New York, NY 10118", "350 Fifth Ave, New York NY"],
        ["г. Химки, ул. Молодёжная, д. 7, кв. 109", "Химки, Молодежная, 7, кв 109"],
        ["1450 College Avenue, Apt 39, Dallas, TX 75201", "1450 College Ave Apt 39 Dallas"],
    ],
    ids=["moscow", "spb", "nyc", "street-type-dropped", "us-state"],
)
def test_address_key_meets_across_scripts_and_orders(group):
    frame, _ = normalise_address(pd.Series(group))
    assert frame["address_key"].nunique() == 1, frame["address_key"].tolist()


def test_flat_and_house_numbers_cannot_swap_in_the_key():
    frame, _ = normalise_address(pd.Series(["ул Ленина д 5 кв 12", "ул Ленина д 12 кв 5"]))
    assert frame.loc[0, "address_key"] != frame.loc[1, "address_key"]


def test_components_compose_an_address_with_the_same_key():
    frame, _ = normalise_address(
        pd.Series(["101000, г. Москва, ул. Ленина, д. 5, кв. 12", None], dtype=object),
        pd.Series([None, " 101000 "], dtype=object),
        pd.Series([None, "г. Москва"], dtype=object),
        pd.Series([None, "улица Ленина"], dtype=object),
        pd.Series([None, "д. 5, кв. 12"], dtype=object),
    )
    assert frame.loc[1, "city"] == "москва"
    assert frame.loc[1, "street"] == "ул ленина"
    assert frame.loc[1, "house_number"] == "5 кв 12"
    assert frame.loc[1, "postcode"] == "101000"
    assert frame.loc[0, "address_key"] == frame.loc[1, "address_key"]


@pytest.mark.parametrize(("raw", "expected"), [("12 А", "12а"), ("д. 12а", "12а"), ("дом 7", "7")])
def test_house_numbers(raw, expected):
    frame, _ = normalise_address(None, None, None, None, pd.Series([raw]))
    assert frame.loc[0, "house_number"] == expected


def test_abbreviation_table_is_idempotent():
    for token in ["ул", "д", "кв", "пр-т", "б-р", "р-н", "street", "avenue", "road"]:
        assert address_tokens(token) == [token]


def test_missing_and_junk():
    frame, issues = normalise_address(pd.Series([None, "", "N/A"], dtype=object))
    assert all(v is None for v in frame.to_numpy().ravel())
    assert issues.to_dict("records") == [{"row": 2, "field": "address", "reason": "junk_value"}]


@pytest.mark.parametrize(
    ("raw", "expected", "reason"),
    [
        ("45 06 123456", "4506123456", None),
        ("123-45-6789", "123456789", None),
        ("ab 1234567", "AB1234567", None),
        (7707083893, "7707083893", None),
        ("000000", None, "junk_value"),
        ("111111", None, "invalid_national_id"),
        ("12", None, "invalid_national_id"),
        ("---", None, "junk_value"),
        ("N/A", None, "junk_value"),
        (None, None, None),
    ],
)
def test_national_id(raw, expected, reason):
    frame, issues = normalise_national_id(pd.Series([raw], dtype=object))
    assert frame.loc[0, "national_id"] == expected
    assert issues["reason"].tolist() == ([reason] if reason else [])


def test_building_key_ignores_the_flat():
    frame, _ = normalise_address(
        pd.Series(
            ["г Химки, ул Молодежная, д 7, кв 109", "г Химки, Молодежная ул, д 7", None],
            dtype=object,
        ),
        None,
        pd.Series([None, None, "Химки"], dtype=object),
        pd.Series([None, None, "Молодежная"], dtype=object),
        pd.Series([None, None, "7"], dtype=object),
    )
    assert frame["building_key"].nunique() == 1
    assert frame.loc[0, "address_key"] != frame.loc[1, "address_key"]
    assert frame.loc[1, "address_key"] == frame.loc[2, "address_key"]


def test_latin_components_compose_without_russian_markers():
    frame, _ = normalise_address(
        None,
        pd.Series(["89101"]),
        pd.Series(["Las Vegas"]),
        pd.Series(["Jefferson Pl"]),
        pd.Series(["7437"]),
    )
    assert frame.loc[0, "address"] == "las vegas jefferson place 7437"
    one_line, _ = normalise_address(pd.Series(["7437 Jefferson Pl, Las Vegas, NV 89101"]))
    assert one_line.loc[0, "address_key"] == frame.loc[0, "address_key"]
