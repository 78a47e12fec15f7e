"""The fast paths of normalise_address against the plain row-by-row rule.

``normalise_address`` tokenises plain text comma piece by comma piece, keys the pieces once and
cleans each postcode, city, street and house value once (cached). The reference below is the
straightforward rule: the whole text tokenised at once, the key computed over all tokens, every
part cleaned again for every row. Both must give the same frame and issues.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custmdm.normalise import addresses as A
from custmdm.normalise._common import clean_scalar, is_junk
from custmdm.normalise.text import fold
from custmdm.normalise.translit import translit_key

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _reference_tokens(text: str) -> list[str]:
    return list(A._segment_tokens(text))  # the whole text at once


def _reference_keys(tokens: list[str]) -> tuple[str | None, str | None]:
    latin = not any(A._CYRILLIC_RE.search(t) for t in tokens if t not in A._ABBREVIATIONS)
    parts: list[str] = []
    glue = ""
    for token in tokens:
        if token in A._KEY_DROP or (latin and token in A._US_STATES):
            continue
        if token in A._KEY_GLUE:
            glue = token
            continue
        parts.append(glue + token)
        glue = ""
    keys = {k.replace(" ", "") for k in (translit_key(t) for t in parts) if k}
    flat_keys = {translit_key(t).replace(" ", "") for t in parts if t.startswith("кв")}
    return " ".join(sorted(keys)) or None, " ".join(sorted(keys - flat_keys)) or None


def _reference_one(*raws: Any) -> tuple[tuple[Any, ...], tuple[tuple[str, str], ...]]:
    fields = ("address", "postcode", "city", "street", "house_number")
    reasons: list[tuple[str, str]] = []
    texts: list[str | None] = []
    for raw, field in zip(raws, fields, strict=True):
        text, found = (None, ()) if raw is None else clean_scalar(raw, field)
        reasons.extend(found)
        texts.append(text)
    a_text, p_text, c_text, s_text, h_text = texts
    postcode = (A._POSTCODE_STRIP_RE.sub("", fold(p_text)).upper() or None) if p_text else None
    if a_text:
        extracted, rest = A._postcode_from(a_text)
        postcode = extracted if postcode is None else postcode
        if extracted is not None and postcode == extracted:
            a_text = rest
    city = street = house = None
    if c_text:
        city = " ".join(t for t in _reference_tokens(c_text) if t not in A._CITY_WORDS) or None
    if s_text:
        street = " ".join(_reference_tokens(s_text)) or None
    if h_text:
        house = A._house(_reference_tokens(h_text))
    if a_text:
        tokens = _reference_tokens(a_text)
    else:
        cyrillic = any(A._CYRILLIC_RE.search(v) for v in (city, street) if v)
        tokens = []
        if city:
            tokens += ["г", *city.split()] if cyrillic else city.split()
        if street:
            tokens += street.split()
        if house:
            tokens += ["д", *house.split()] if cyrillic else house.split()
    address: str | None = " ".join(tokens) or None
    address, city, street, house = (
        None if v is None or is_junk(v) else v for v in (address, city, street, house)
    )
    keys = _reference_keys(tokens if address is not None else [])
    return (address, postcode, city, street, house, *keys), tuple(dict.fromkeys(reasons))


def _assert_same_as_reference(rows: list[tuple[Any, ...]]) -> None:
    columns = list(zip(*rows, strict=True))
    given_ = [
        None if all(v is None for v in col) else pd.Series(list(col), dtype=object)
        for col in columns
    ]
    if all(s is None for s in given_):
        return
    frame, issues = A.normalise_address(*given_)
    for i, raws in enumerate(rows):  # an all-missing column is passed as None
        values, reasons = _reference_one(*raws)
        assert tuple(frame.iloc[i]) == values, raws
        row_issues = issues[issues["row"] == i]
        assert list(zip(row_issues["field"], row_issues["reason"], strict=True)) == list(reasons), (
            raws
        )


# Real tokens of Russian and US addresses, abbreviations, unit markers, states, city aliases.
WORDS = [
    "г.", "г", "Москва", "Moscow", "СПб", "Санкт-Петербург", "Saint", "St.", "Petersburg",
    "Н.", "Новгород", "Nizhny", "Novgorod", "мск", "ул.", "улица", "ul.", "Ленина", "Lenina",
    "пр-т", "проспект", "Невский", "Nevsky", "prospekt", "пер.", "б-р", "наб.", "ш.", "мкр",
    "д.", "дом", "d.", "5", "12", "7а", "16к3", "2/1", "а", "кв.", "кв", "квартира", "kv.",
    "корп.", "к", "стр.", "Apt", "Apt.", "Suite", "Unit", "#", "№", "Main", "St", "Ave",
    "Avenue", "Rd", "Blvd", "Ct", "Church", "Brooklyn", "NY", "TX", "Dallas", "New", "York",
    "USA", "usa", "Россия", "Ёлочная", "Молодёжная", "Лeнина", "Ivanоv", "101000", "190000",
    "11247", "10118-0110", "12345", "N/A", "n/a", "-", "нет", "NÀ", "xx", "0", "_",
    "Saint Petersburg", "St. Petersburg", "sankt-peterburg", "Санкт Петербург", "С.-Петербург",
    "Н. Новгород", "Nizhny Novgorod", "кв. 12", "Apt 4", "д. 5 к. 2",
]  # fmt: skip
SEPARATORS = [" ", ", ", ",", " ,", "  ", ", ,", "-", ".", " - ", "\t", ",\u00a0"]


@st.composite
def address_like(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=9))
    text = words[0]
    for word in words[1:]:
        text += draw(st.sampled_from(SEPARATORS)) + word
    if draw(st.booleans()):
        text = draw(st.sampled_from(["", " ", ", "])) + text + draw(st.sampled_from(["", " ", ","]))
    return text


raw_part = st.one_of(
    address_like(),
    st.sampled_from(WORDS),
    st.none(),
    st.integers(-5, 200_000),
    st.floats(allow_nan=True),
    st.text(alphabet="ул.Лен, 12кв\u200bé№aA-", max_size=12),
)


@pytest.mark.parametrize(
    "text",
    [
        "Санкт-Петербург, ул. Дзержинского, д. 11, кв. 236",
        "5398 Church Ct, Brooklyn, NY 11247",
        "г. Астрахань, Ломоносова ул., д. 16к3, кв. 19",
        "Россия, 190000, Санкт-Петербург, Невский пр-т, д.28",
        "Nevsky prospekt 28, Saint Petersburg",
        "Saint,Petersburg, Nevsky",
        "Н., Новгород",
        "н. новгород, ул. Ленина, д. 1",
        "ул. Ленина, д. 5, кв.",
        "ул. Ленина, кв, 12",
        "Moscow, ul. Lenina, d. 5, kv. 12",
        "Москва, Ivanоv, Петрoв",
        "1450 College Avenue, Apt 39, Dallas, TX 75201",
        ",,,",
        "NÀ, -",
        "n/a, n/a",
    ],
)
def test_pieces_tokenise_like_the_whole(text: str) -> None:
    assert A.address_tokens(text) == _reference_tokens(text)
    assert " ".join(piece[0] for piece in A._pieces(text)).split() == _reference_tokens(text)
    _assert_same_as_reference([(text, None, None, None, None)])


@SETTINGS
@given(address_like())
def test_pieces_tokenise_like_the_whole_random(text: str) -> None:
    assert A.address_tokens(text) == _reference_tokens(text)
    tokens = _reference_tokens(text)
    assert A._keys(A._pieces(text)) == _reference_keys(tokens)


@SETTINGS
@given(st.lists(st.lists(st.sampled_from(sorted(A._KEY_GLUE) + WORDS[:40]), max_size=4)))
def test_keys_of_pieces_equal_keys_of_all_tokens(token_lists: list[list[str]]) -> None:
    # Markers at the end of one piece glue to a token of the next one.
    pieces = [A._piece(tuple(A.address_tokens(" ".join(ts)))) for ts in token_lists]
    tokens = " ".join(piece[0] for piece in pieces).split()
    assert A._keys(pieces) == _reference_keys(tokens)


@SETTINGS
@given(st.lists(st.tuples(raw_part, raw_part, raw_part, raw_part, raw_part), max_size=6))
def test_normalise_address_equals_reference(rows: list[tuple[Any, ...]]) -> None:
    # Repeat part values across rows, as real split-field sources do, so that cached parts
    # are reused with other neighbours.
    rows = rows + [(None, r[1], r[2], rows[0][3], r[4]) for r in rows] if rows else rows
    _assert_same_as_reference(rows)


@SETTINGS
@given(
    st.lists(st.tuples(st.none(), raw_part, raw_part, raw_part, raw_part), min_size=1, max_size=6)
)
def test_split_fields_equal_reference(rows: list[tuple[Any, ...]]) -> None:
    _assert_same_as_reference(rows)


@pytest.mark.parametrize(
    "row",
    [
        (None, "620027", "Екатеринбург", "ул. Дзержинского", "14"),
        (None, "454128", "Челябинск", "Ватутина", "12"),
        (None, "350061", "Краснодар", "Жукова ул.", "д. 6к2, кв. 170"),
        (None, "21246", "Baltimore", "Lakeview Road", "6190"),
        (None, "", "Seattle", "Highland Dr", "2748"),
        (None, "98193", "г. Москва", "", "д. 5 кв"),
        (None, None, "NÀ", "NÀ", "NÀ"),
        (None, "N/A", "n/a", "-", "нет"),
        (None, 101000, 5, 2.5, float("nan")),
        ("101000, г. Москва, ул. Ленина, д. 5", "101000", "Москва", None, None),
        ("ул. Ленина 5", "190000", None, None, None),
    ],
)
def test_split_fields_real_spellings(row: tuple[Any, ...]) -> None:
    _assert_same_as_reference([row, row])


def test_cached_part_does_not_confuse_types() -> None:
    # 1, 1.0, True and "1" are equal or alike as cache keys; only text is cached. (One column
    # factorizes 1 and True together, so each row is its own call.)
    for row in [(None, "1", 1, "True", True), (None, 1.0, 1.0, 1, 1), (None, True, "1", 1, "1")]:
        _assert_same_as_reference([row])
